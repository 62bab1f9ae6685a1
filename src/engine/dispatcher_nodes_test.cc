// Two dispatchers ("nodes") sharing one store: per-agent limits hold across
// both, and a node that stops has its calls adopted by the other without any
// second dial. Fake clock, SQLite store, one simulator per node.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "base/ids.h"
#include "base/time.h"
#include "base/timer_queue.h"
#include "engine/dispatcher.h"
#include "store/sqlite/sqlite_store.h"
#include "telephony/simulator/simulator.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Node final : ProviderRegistry, CallEventSink {
  Result<Provider*> ForAgent(const Agent&) override { return static_cast<Provider*>(sim.get()); }
  void OnCallEvent(CallEvent e) override {
    if (dispatcher) dispatcher->OnCallEvent(std::move(e));
  }
  std::unique_ptr<SimulatorProvider> sim;
  std::unique_ptr<Dispatcher> dispatcher;
};

class NodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    account_ = *store_->EnsureDefaultAccount(clock_.Now());
    agent_.id = NewUuid();
    agent_.account_id = account_.id;
    agent_.name = "shared";
    agent_.provider_type = "simulator";
    agent_.provider = {{"type", "simulator"}, {"speed", 1.0}, {"seed", 3}, {"answer_rate", 1.0},
                       {"busy_rate", 0.0}, {"no_answer_rate", 0.0}, {"voicemail_rate", 0.0},
                       {"failure_rate", 0.0}, {"ring_seconds", {1, 2}}, {"talk_seconds", {2, 4}}};
    agent_.max_concurrency = 3;
    agent_.calls_per_second = 0;
    agent_.created_at = agent_.updated_at = clock_.Now();
    ASSERT_TRUE(store_->CreateAgent(agent_).ok());
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      if (n) n->dispatcher.reset();
    }
    nodes_.clear();
    store_.reset();
  }
  Node& AddNode(const std::string& name) {
    auto n = std::make_unique<Node>();
    SimulatorOptions so;
    so.record_path = dir_.File("simulator-calls.jsonl");  // shared, as on one machine
    so.provider_name = agent_.id;
    so.resume_unfinished = false;
    n->sim = std::move(SimulatorProvider::Create(*SimulatorConfig::FromJson(agent_.provider), clock_, timers_,
                                                 *n, so))
                 .value();
    DispatcherOptions d;
    d.worker_id = name;
    d.shared_store = true;
    d.dial_threads = 0;
    n->dispatcher = std::make_unique<Dispatcher>(*store_, *n, d);
    EXPECT_TRUE(n->dispatcher->Recover(clock_.Now()).ok());
    nodes_.push_back(std::move(n));
    return *nodes_.back();
  }
  Batch MakeBatch(int n) {
    Batch draft;
    draft.id = NewBatchId();
    draft.account_id = account_.id;
    draft.agent_id = agent_.id;
    draft.created_at = draft.updated_at = clock_.Now();
    draft.columns = {"name"};
    auto import = std::move(store_->BeginImport(draft)).value();
    for (int i = 0; i < n; ++i) {
      ContactRow row;
      row.row_index = i;
      row.line = i + 2;
      row.contact_number = "+1415555" + std::to_string(2000 + i);
      row.variables = {"p" + std::to_string(i)};
      EXPECT_TRUE(import->AddContact(row).ok());
    }
    auto batch = import->Commit(n, n, 0);
    BatchTransition t;
    t.to = BatchStatus::kScheduled;
    t.scheduled_at = clock_.Now();
    EXPECT_TRUE(store_->TransitionBatch(account_.id, batch->id, t, clock_.Now()).ok());
    return *batch;
  }
  // Steps every live node and the timers until `until`; returns the most
  // attempts seen open at once.
  size_t RunUntil(TimePoint until) {
    size_t most = 0;
    while (clock_.Now() <= until) {
      TimePoint now = clock_.Now();
      std::optional<TimePoint> wake;
      for (auto& n : nodes_) {
        if (!n || !n->dispatcher) continue;
        auto next = n->dispatcher->Step(now);
        EXPECT_TRUE(next.ok()) << next.status().ToString();
        if (next.ok() && *next && (!wake || **next < *wake)) wake = **next;
        most = std::max(most, store_->ListOpenAttempts()->size());
      }
      if (timers_.RunDue(now) > 0) continue;
      if (auto t = timers_.NextDue(); t && (!wake || *t < *wake)) wake = t;
      // Nodes also step at least every 2 s (the engine's idle wake).
      TimePoint step = now + seconds(2);
      if (!wake || *wake > step) wake = step;
      clock_.Set(std::max(*wake, now + milliseconds(1)));
    }
    return most;
  }
  std::vector<Execution> Executions(const Batch& b) {
    ExecutionQuery q;
    q.account_id = account_.id;
    q.batch_id = b.id;
    return *store_->ListExecutions(q);
  }

  FakeClock clock_{*ParseIso8601("2026-06-01T10:00:00Z")};
  ManualTimerQueue timers_;
  test::TempDir dir_{"bc-nodes-"};
  std::unique_ptr<SqliteStore> store_;
  Account account_;
  Agent agent_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(NodesTest, ConcurrencyCapHoldsAcrossNodes) {
  Node& a = AddNode("node-a");
  Node& b = AddNode("node-b");
  Batch batch = MakeBatch(20);
  size_t most = RunUntil(clock_.Now() + std::chrono::minutes(1));
  EXPECT_LE(most, 3u);
  EXPECT_EQ(most, 3u);  // and the cap is used
  for (const Execution& e : Executions(batch)) EXPECT_EQ(e.status, ExecutionStatus::kCompleted) << e.id;
  EXPECT_EQ(a.sim->PlacedCount() + b.sim->PlacedCount(), 20);
}

TEST_F(NodesTest, StoppedNodesCallsAreAdoptedAndNeverRedialled) {
  Node& a = AddNode("node-a");
  Batch batch = MakeBatch(3);
  RunUntil(clock_.Now() + seconds(1));
  ASSERT_EQ(a.sim->PlacedCount(), 3);
  ASSERT_EQ(store_->ListOpenAttempts()->size(), 3u);
  // node-a dies (no more steps, heartbeats or events).
  nodes_[0]->dispatcher.reset();
  nodes_[0]->sim.reset();
  Node& b = AddNode("node-b");
  RunUntil(clock_.Now() + std::chrono::seconds(30));
  for (const Execution& e : Executions(batch)) {
    EXPECT_EQ(e.status, ExecutionStatus::kCompleted) << e.id << " " << e.error_message;
    EXPECT_EQ(e.attempt_count, 1);
  }
  EXPECT_EQ(b.sim->PlacedCount(), 0);  // nothing dialled again
  EXPECT_EQ(b.dispatcher->stats().adopted, 3);
}

}  // namespace
}  // namespace batchcall
