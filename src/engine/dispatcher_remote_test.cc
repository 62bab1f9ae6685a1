// Dispatcher with a remote provider (one that blocks on the network): dials
// and lookups run in the dial pool, results come back through the inbox,
// overdue outcomes are checked and then closed `error`.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/ids.h"
#include "base/time.h"
#include "engine/dispatcher.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

using std::chrono::seconds;

// A provider whose StartCall can be held open (gate) like a slow network call.
class FakeRemote final : public Provider {
 public:
  Result<std::string> StartCall(const CallRequest& request) override {
    std::unique_lock lock(mu);
    started.push_back(request);
    cv.notify_all();
    cv.wait(lock, [this] { return !gate; });
    return start(request);
  }
  Result<CallEvent> Lookup(const CallLookup& l) override {
    std::lock_guard lock(mu);
    lookups.push_back(l);
    return lookup(l);
  }
  bool remote() const override { return true; }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override { return seconds(60); }

  void Open() {
    std::lock_guard lock(mu);
    gate = false;
    cv.notify_all();
  }
  void WaitStarted(size_t n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return started.size() >= n; });
  }
  size_t StartedCount() {
    std::lock_guard lock(mu);
    return started.size();
  }

  std::mutex mu;
  std::condition_variable cv;
  bool gate = false;
  std::vector<CallRequest> started;
  std::vector<CallLookup> lookups;
  std::function<Result<std::string>(const CallRequest&)> start = [](const CallRequest& r) -> Result<std::string> {
    return "CA" + r.attempt_id.substr(0, 8);
  };
  std::function<Result<CallEvent>(const CallLookup&)> lookup = [](const CallLookup&) -> Result<CallEvent> {
    return Unavailable("cannot ask");
  };
};

struct Registry final : ProviderRegistry {
  Result<Provider*> ForAgent(const Agent&) override { return static_cast<Provider*>(&remote); }
  FakeRemote remote;
};

class RemoteDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    account_ = *store_->EnsureDefaultAccount(clock_.Now());
    NewDispatcher();
    agent_.id = NewUuid();
    agent_.account_id = account_.id;
    agent_.name = "remote";
    agent_.provider_type = "http";
    agent_.provider = {{"type", "http"}, {"url", "http://127.0.0.1:9/call"}};
    agent_.max_concurrency = 10;
    agent_.calls_per_second = 0;
    agent_.created_at = agent_.updated_at = clock_.Now();
    ASSERT_TRUE(store_->CreateAgent(agent_).ok());
  }
  void TearDown() override {
    registry_.remote.Open();
    dispatcher_.reset();
    store_.reset();
  }
  void NewDispatcher() {
    DispatcherOptions d;
    d.worker_id = "w1";
    d.dial_threads = 2;
    d.callback_base_url = "https://calls.example.com/";
    dispatcher_ = std::make_unique<Dispatcher>(*store_, registry_, d);
    dispatcher_->SetWakeCallback([this] {
      std::lock_guard lock(wake_mu_);
      woken_ = true;
      wake_cv_.notify_all();
    });
  }
  Batch MakeBatch(int n, std::optional<RetryConfig> retry = std::nullopt) {
    Batch draft;
    draft.retry_config = retry;
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
      row.contact_number = "+1415555" + std::to_string(1000 + i);
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
  // Waits (real time, bounded) until the pool reported something.
  void WaitWake() {
    std::unique_lock lock(wake_mu_);
    wake_cv_.wait_for(lock, seconds(10), [this] { return woken_; });
    woken_ = false;
  }
  std::vector<Execution> Executions(const Batch& b) {
    ExecutionQuery q;
    q.account_id = account_.id;
    q.batch_id = b.id;
    return *store_->ListExecutions(q);
  }

  FakeClock clock_{*ParseIso8601("2026-06-01T10:00:00Z")};
  test::TempDir dir_{"bc-remote-"};
  std::unique_ptr<SqliteStore> store_;
  Account account_;
  Agent agent_;
  Registry registry_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
};

TEST_F(RemoteDispatchTest, DialsRunInThePoolAndNeverBlockTheEngine) {
  Batch b = MakeBatch(3);
  registry_.remote.gate = true;  // every StartCall hangs until opened
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());  // returns although no dial has returned
  for (const Execution& e : Executions(b)) EXPECT_EQ(e.status, ExecutionStatus::kInitiated) << e.id;
  EXPECT_EQ(dispatcher_->InFlight(), 3);
  registry_.remote.Open();
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  ASSERT_EQ(registry_.remote.StartedCount(), 3u);
  for (const CallRequest& r : registry_.remote.started) {
    EXPECT_EQ(r.callback_base, "https://calls.example.com");
    EXPECT_EQ(r.agent_id, agent_.id);
    auto attempts = *store_->ListAttempts(r.execution_id);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].provider_call_id, "CA" + r.attempt_id.substr(0, 8));
  }
}

TEST_F(RemoteDispatchTest, RefusedDialEndsFailedAndUnavailableEndsError) {
  Batch b = MakeBatch(2);
  registry_.remote.start = [](const CallRequest& r) -> Result<std::string> {
    if (r.to.back() == '0') return InvalidArgument("Twilio error 21211: bad To");
    return Unavailable("no response");
  };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].status, ExecutionStatus::kFailed);
  EXPECT_NE(ex[0].error_message.find("21211"), std::string::npos);
  EXPECT_EQ(ex[1].status, ExecutionStatus::kError);
  EXPECT_EQ(dispatcher_->InFlight(), 0);
}

TEST_F(RemoteDispatchTest, SilentCallTimesOutToErrorAfterOneLookup) {
  Batch b = MakeBatch(1);
  auto next = dispatcher_->Step(clock_.Now());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  next = dispatcher_->Step(clock_.Now());
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, clock_.Now() + seconds(60));  // wakes for the outcome deadline
  clock_.Advance(seconds(59));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  EXPECT_TRUE(registry_.remote.lookups.empty());
  clock_.Advance(seconds(1));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  ASSERT_EQ(registry_.remote.lookups.size(), 1u);
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].status, ExecutionStatus::kError);
  EXPECT_NE(ex[0].error_message.find("no result within 60 s"), std::string::npos) << ex[0].error_message;
  EXPECT_EQ(dispatcher_->InFlight(), 0);
}

TEST_F(RemoteDispatchTest, OverdueCallWhoseLookupHasTheOutcomeRecordsIt) {
  Batch b = MakeBatch(1);
  registry_.remote.lookup = [](const CallLookup& l) -> Result<CallEvent> {
    CallEvent e;
    e.provider_call_id = l.provider_call_id;
    e.status = ExecutionStatus::kCompleted;
    e.duration_seconds = 42;
    return e;
  };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  clock_.Advance(seconds(61));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(ex[0].conversation_duration, 42);
}

TEST_F(RemoteDispatchTest, RecoveryRequeuesNeverPlacedAndClosesUnknown) {
  Batch b = MakeBatch(2);
  registry_.remote.gate = true;
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  registry_.remote.WaitStarted(2);
  // "Crash": the dials never returned; a new process starts on the same store.
  registry_.remote.start = [](const CallRequest&) -> Result<std::string> { return Unavailable("gone"); };
  dispatcher_->SetWakeCallback(nullptr);
  registry_.remote.Open();
  dispatcher_.reset();
  NewDispatcher();
  std::string never_placed = registry_.remote.started[0].idempotency_key;
  registry_.remote.lookup = [never_placed](const CallLookup& l) -> Result<CallEvent> {
    if (l.idempotency_key == never_placed) return NotFound("no such call");
    return Unavailable("provider down");
  };
  ASSERT_TRUE(dispatcher_->Recover(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  std::map<std::string, Execution> by_id;
  for (auto& e : Executions(b)) by_id[e.id] = e;
  const Execution& requeued = by_id[registry_.remote.started[0].execution_id];
  const Execution& unknown = by_id[registry_.remote.started[1].execution_id];
  // Requeued for now and dialled again by that same step (a new attempt).
  EXPECT_EQ(requeued.attempt_count, 2) << ToString(requeued.status);
  EXPECT_EQ(unknown.status, ExecutionStatus::kError);
  EXPECT_NE(unknown.error_message.find("outcome unknown"), std::string::npos) << unknown.error_message;
}

TEST_F(RemoteDispatchTest, RecoveredCallStillGoingIsLookedUpAgainUntilItEnds) {
  Batch b = MakeBatch(1);
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());  // call id stored
  // Restart while the call is in progress; its events are lost meanwhile.
  dispatcher_.reset();
  NewDispatcher();
  int lookups = 0;
  registry_.remote.lookup = [&lookups](const CallLookup& l) -> Result<CallEvent> {
    CallEvent e;
    e.provider_call_id = l.provider_call_id;
    e.status = ++lookups < 3 ? ExecutionStatus::kInProgress : ExecutionStatus::kCompleted;
    e.duration_seconds = 7;
    return e;
  };
  ASSERT_TRUE(dispatcher_->Recover(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  for (int round = 0; round < 3; ++round) {
    auto next = dispatcher_->Step(clock_.Now());
    ASSERT_TRUE(next.ok());
    for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
    ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
    clock_.Advance(seconds(30));
  }
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  EXPECT_EQ(lookups, 3);
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(ex[0].conversation_duration, 7);
  EXPECT_EQ(registry_.remote.StartedCount(), 1u);  // never dialled again
}

// Regression (issue 4 review): a dial whose answer was lost (UnknownOutcome)
// used to end `error` at once, and be retried when `error` was retryable —
// a second call to someone the first may already have rung.
TEST_F(RemoteDispatchTest, LostDialAnswerStaysOpenAndIsLookedUpNeverRedialled) {
  Batch b = MakeBatch(1, RetryConfig{true, 3, {ExecutionStatus::kError}, false, {1}});
  registry_.remote.start = [](const CallRequest&) -> Result<std::string> {
    return UnknownOutcome("timed out waiting for the answer");
  };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  EXPECT_EQ(Executions(b)[0].status, ExecutionStatus::kInitiated);
  EXPECT_EQ(dispatcher_->InFlight(), 1);
  // First recheck: the provider cannot tell yet; keep waiting.
  clock_.Advance(seconds(30));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  EXPECT_EQ(registry_.remote.lookups.size(), 1u);
  EXPECT_EQ(Executions(b)[0].status, ExecutionStatus::kInitiated);
  // Second recheck: the call existed and has ended.
  registry_.remote.lookup = [](const CallLookup& l) -> Result<CallEvent> {
    CallEvent e;
    e.provider_call_id = "CAfound";
    e.idempotency_key = l.idempotency_key;
    e.status = ExecutionStatus::kCompleted;
    e.duration_seconds = 7;
    return e;
  };
  clock_.Advance(seconds(30));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(registry_.remote.StartedCount(), 1u);
  EXPECT_EQ(dispatcher_->InFlight(), 0);
}

TEST_F(RemoteDispatchTest, LostDialAnswerTheProviderNeverPlacedIsDialledAgain) {
  Batch b = MakeBatch(1);
  registry_.remote.start = [](const CallRequest&) -> Result<std::string> {
    return UnknownOutcome("connection dropped");
  };
  registry_.remote.lookup = [](const CallLookup&) -> Result<CallEvent> { return NotFound("no such call"); };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  registry_.remote.start = [](const CallRequest& r) -> Result<std::string> { return "CA" + r.attempt_id.substr(0, 8); };
  clock_.Advance(seconds(30));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());  // records "never placed", requeues, dials again
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  EXPECT_EQ(registry_.remote.StartedCount(), 2u);
  EXPECT_EQ(Executions(b)[0].attempt_count, 2);
}

// Regression (issue 4 review): "outcome unknown" closings went through the
// retry policy, so `error` in retry_on_statuses redialled them.
TEST_F(RemoteDispatchTest, OverdueCallClosedWithOutcomeUnknownIsNeverRetried) {
  Batch b = MakeBatch(2, RetryConfig{true, 3, {ExecutionStatus::kError}, false, {1}});
  registry_.remote.start = [](const CallRequest& r) -> Result<std::string> {
    if (r.to.back() == '0') return Unavailable("connection refused");  // certainly not placed
    return "CA" + r.attempt_id.substr(0, 8);                          // placed, then silence
  };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  clock_.Advance(seconds(61));
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  for (int i = 0; i < 50 && dispatcher_->PoolPending() > 0; ++i) WaitWake();
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  auto ex = Executions(b);
  // The refused dial was never placed: `error` is retryable, so it is scheduled again.
  EXPECT_EQ(ex[0].status, ExecutionStatus::kScheduled);
  // The silent call may have rung: closed `error`, never retried.
  EXPECT_EQ(ex[1].status, ExecutionStatus::kError);
  EXPECT_NE(ex[1].error_message.find("no result within 60 s"), std::string::npos) << ex[1].error_message;
  EXPECT_EQ(ex[1].retry_count, 0);
}

// Regression (issue 4 review): on SIGTERM the dial pool dropped queued dials
// (left `initiated`, so a voice-agent attempt became "outcome unknown" at the
// next start) and the results of running dials were never stored.
TEST_F(RemoteDispatchTest, DrainRequeuesUnsentDialsAndStoresFinishedOnes) {
  Batch b = MakeBatch(4);  // two dial threads: two dials run (held), two wait
  registry_.remote.gate = true;
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  registry_.remote.WaitStarted(2);
  // The held dials are let go once the drain has begun (Drain calls its
  // interrupt after it stops dialling), so the waiting two are never sent.
  Status drained = dispatcher_->Drain(clock_.Now(), seconds(10), [this] { registry_.remote.Open(); });
  ASSERT_TRUE(drained.ok()) << drained.ToString();
  EXPECT_EQ(registry_.remote.StartedCount(), 2u);  // the waiting two were never sent
  int placed = 0, requeued = 0;
  for (const Execution& e : Executions(b)) {
    auto attempts = *store_->ListAttempts(e.id);
    ASSERT_EQ(attempts.size(), 1u);
    if (!attempts[0].provider_call_id.empty()) {
      ++placed;
      EXPECT_EQ(e.status, ExecutionStatus::kInitiated);
    } else {
      ++requeued;
      EXPECT_NE(e.error_message.find("not dialled"), std::string::npos) << e.error_message;
      EXPECT_TRUE(e.status == ExecutionStatus::kScheduled || e.status == ExecutionStatus::kQueued)
          << ToString(e.status);
    }
  }
  EXPECT_EQ(placed, 2);
  EXPECT_EQ(requeued, 2);
}

// A dial cut short by the shutdown (the provider stopped retrying) that
// placed nothing is requeued, not closed `error`.
TEST_F(RemoteDispatchTest, DrainInterruptRequeuesADialThatPlacedNothing) {
  Batch b = MakeBatch(1);
  registry_.remote.gate = true;
  registry_.remote.start = [](const CallRequest&) -> Result<std::string> {
    return Unavailable("Twilio rate limit (429); stopped trying: the server is shutting down");
  };
  ASSERT_TRUE(dispatcher_->Step(clock_.Now()).ok());
  registry_.remote.WaitStarted(1);
  bool interrupted = false;
  Status drained = dispatcher_->Drain(clock_.Now(), seconds(10), [&] {
    interrupted = true;
    registry_.remote.Open();  // the provider's wait is cut short
  });
  ASSERT_TRUE(drained.ok()) << drained.ToString();
  EXPECT_TRUE(interrupted);
  auto ex = Executions(b);
  EXPECT_NE(ex[0].error_message.find("not dialled"), std::string::npos) << ex[0].error_message;
  EXPECT_TRUE(ex[0].status == ExecutionStatus::kScheduled || ex[0].status == ExecutionStatus::kQueued)
      << ToString(ex[0].status);
}

}  // namespace
}  // namespace batchcall
