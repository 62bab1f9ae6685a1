// PostgresStore under concurrent claimers: several workers, each with its own
// connection pool (as separate nodes would have), claim from one batch until
// it is empty; FOR UPDATE SKIP LOCKED must hand every execution to exactly
// one of them (each worker then begins an attempt for what it claimed, as a
// dispatcher does). Needs BATCHCALL_TEST_PG_URL (skipped without it).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store_impl.h"
#include "store/postgres/pg_test_env.h"

namespace batchcall {
namespace {

// Creates a database for the test and drops it at the end.
class ScratchDatabase {
 public:
  ScratchDatabase() : name_("bc_conc_" + RandomHex(8)) {
    pg::ConnectionOptions o;
    o.url = AdminUrl();
    auto conn = pg::Connection::Open(o);
    if (!conn.ok() || !(*conn)->Exec(("CREATE DATABASE " + name_).c_str()).ok()) return;
    // The admin URL with the database replaced (postgresql://.../<db>[?...]).
    std::string url = AdminUrl();
    const size_t query = url.find('?');
    const std::string params = query == std::string::npos ? "" : url.substr(query);
    url = url.substr(0, query);
    const size_t slash = url.rfind('/');
    if (slash == std::string::npos || slash < url.find("//") + 2) return;
    url_ = url.substr(0, slash + 1) + name_ + params;
  }
  ~ScratchDatabase() {
    if (url_.empty()) return;
    pg::ConnectionOptions o;
    o.url = AdminUrl();
    auto conn = pg::Connection::Open(o);
    if (conn.ok()) (void)(*conn)->Exec(("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str());
  }
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

// node: the node id (its own status count rows).
std::unique_ptr<PostgresStore> OpenStore(const std::string& url, const std::string& node = "setup") {
  PostgresStoreOptions options;
  options.url = url;
  options.node_id = node;
  options.pool_size = 2;
  auto s = PostgresStore::Open(options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A simulator agent of the account, stored.
Agent SimulatorAgent(PostgresStore& store, const std::string& account_id, const std::string& name, TimePoint at) {
  Agent agent;
  agent.id = NewUuid();
  agent.account_id = account_id;
  agent.name = name;
  agent.provider_type = "simulator";
  agent.provider = nlohmann::json::object();
  agent.created_at = agent.updated_at = at;
  EXPECT_TRUE(store.CreateAgent(agent).ok());
  return agent;
}

TEST(PostgresConcurrencyTest, FourWorkersClaimEveryExecutionExactlyOnce) {
  if (AdminUrl().empty()) GTEST_SKIP() << "BATCHCALL_TEST_PG_URL is unset (start scripts/pg-test-server)";
  ScratchDatabase db;
  ASSERT_FALSE(db.url().empty());
  auto setup = OpenStore(db.url());
  ASSERT_TRUE(setup);
  const TimePoint t0 = FromUnixMillis(1'767'225'600'000);  // 2026-01-01
  auto account = setup->EnsureDefaultAccount(t0);
  ASSERT_TRUE(account.ok());
  const Agent agent = SimulatorAgent(*setup, account->id, "claims", t0);
  Batch draft;
  draft.id = RandomHex(16);
  draft.account_id = account->id;
  draft.agent_id = agent.id;
  draft.status = BatchStatus::kCreated;
  draft.created_at = draft.updated_at = t0;
  draft.file_name = "contacts.csv";
  constexpr int kContacts = 2000;
  {
    auto import = setup->BeginImport(draft);
    ASSERT_TRUE(import.ok()) << import.status().ToString();
    for (int i = 0; i < kContacts; ++i) {
      ContactRow row;
      row.row_index = i;
      row.line = i + 2;
      row.contact_number = "+1415" + std::to_string(5000000 + i);
      ASSERT_TRUE((*import)->AddContact(row).ok());
    }
    ASSERT_TRUE((*import)->Commit(kContacts, kContacts, 0).ok());
  }
  ASSERT_TRUE(setup->TransitionBatch(account->id, draft.id, {BatchStatus::kScheduled, t0, std::nullopt}, t0).ok());
  auto started = setup->StartDueBatches(t0);
  ASSERT_TRUE(started.ok());
  ASSERT_EQ(started->size(), 1u);

  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> claimed(kWorkers);
  std::vector<std::string> errors(kWorkers);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      const std::string worker = "node-" + std::to_string(w);
      auto store = OpenStore(db.url(), worker);  // its own pool and count rows: like another node
      if (!store) return;
      while (!go.load()) std::this_thread::yield();
      for (;;) {
        // Leases far beyond the test: nothing is ever rescued, so a second
        // claim of a row could only be a double claim.
        auto page = store->ClaimExecutions(draft.id, 37, worker, t0, t0 + std::chrono::hours(24));
        if (!page.ok()) {
          errors[w] = page.status().ToString();
          return;
        }
        if (page->empty()) return;
        // Dial them: a worker's own leased rows stay claimable by it
        // (renewal), so only started ones leave the queue.
        std::vector<AttemptStart> starts;
        for (const Execution& e : *page) {
          const std::string attempt_id = NewUuid();
          starts.push_back({attempt_id, e.id, attempt_id, "", 1, {}});
        }
        auto begun = store->BeginAttempts(starts, worker, t0);
        if (!begun.ok() || begun->size() != starts.size()) {
          errors[w] = begun.ok() ? "not every claimed execution began" : begun.status().ToString();
          return;
        }
        for (const Execution& e : *page) claimed[w].push_back(e.id);
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");

  std::map<std::string, int> times;
  size_t total = 0;
  for (const auto& ids : claimed) {
    total += ids.size();
    for (const std::string& id : ids) ++times[id];
  }
  EXPECT_EQ(total, static_cast<size_t>(kContacts));
  EXPECT_EQ(times.size(), static_cast<size_t>(kContacts));
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  int busy_workers = 0;
  for (const auto& ids : claimed) busy_workers += ids.empty() ? 0 : 1;
  EXPECT_GE(busy_workers, 2);  // the claims really overlapped
  auto open = setup->ListOpenAttempts();
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->size(), static_cast<size_t>(kContacts));
  // Nothing is claimable any more.
  auto rest = setup->ClaimExecutions(draft.id, 10, "late", t0, t0 + std::chrono::minutes(1));
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(rest->empty());
  // The batch's counts after four nodes changed its statuses at once.
  auto counts = setup->CountExecutions(draft.id);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(*counts, (StatusCounts{{ExecutionStatus::kInitiated, kContacts}}));
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

// Two nodes race for the last dial a contact limit allows: in every round two
// batches of the account hold the same number, each claimed by another node,
// and both nodes begin their attempt at the same moment under a limit of one
// dial a day. The number's dial lock makes the check and the start one step:
// exactly one attempt begins per round.
TEST(PostgresConcurrencyTest, TwoNodesRacingForTheLastAllowedDialPlaceExactlyOne) {
  if (AdminUrl().empty()) GTEST_SKIP() << "BATCHCALL_TEST_PG_URL is unset (start scripts/pg-test-server)";
  ScratchDatabase db;
  ASSERT_FALSE(db.url().empty());
  auto setup = OpenStore(db.url());
  ASSERT_TRUE(setup);
  const TimePoint t0 = FromUnixMillis(1'767'225'600'000);  // 2026-01-01
  auto account = setup->EnsureDefaultAccount(t0);
  ASSERT_TRUE(account.ok());
  const Agent agent = SimulatorAgent(*setup, account->id, "racers", t0);
  auto one_batch = [&](const std::string& number) -> std::string {
    Batch draft;
    draft.id = RandomHex(16);
    draft.account_id = account->id;
    draft.agent_id = agent.id;
    draft.created_at = draft.updated_at = t0;
    draft.file_name = "contacts.csv";
    auto import = setup->BeginImport(draft);
    EXPECT_TRUE(import.ok());
    EXPECT_TRUE((*import)->AddContact({0, 2, number, {}}).ok());
    EXPECT_TRUE((*import)->Commit(1, 1, 0).ok());
    EXPECT_TRUE(setup->TransitionBatch(account->id, draft.id, {BatchStatus::kScheduled, t0, std::nullopt}, t0).ok());
    return draft.id;
  };
  auto a = OpenStore(db.url(), "node-a");
  auto b = OpenStore(db.url(), "node-b");
  ASSERT_TRUE(a && b);
  const std::vector<ContactLimit> one_a_day = {{1, 24}};
  constexpr int kRounds = 25;
  int begun_total = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string number = "+1415" + std::to_string(6000000 + round);
    const std::string first = one_batch(number), second = one_batch(number);
    ASSERT_TRUE(setup->StartDueBatches(t0).ok());
    auto ca = a->ClaimExecutions(first, 1, "node-a", t0, t0 + std::chrono::hours(1));
    auto cb = b->ClaimExecutions(second, 1, "node-b", t0, t0 + std::chrono::hours(1));
    ASSERT_TRUE(ca.ok() && cb.ok());
    ASSERT_EQ(ca->size(), 1u);
    ASSERT_EQ(cb->size(), 1u);
    std::atomic<int> ready{0};
    std::atomic<size_t> begun{0};
    std::string error_a, error_b;
    auto race = [&](PostgresStore& store, const Execution& e, const std::string& worker, std::string& error) {
      const std::string attempt = NewUuid();
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
      auto r = store.BeginAttempts({{attempt, e.id, attempt, "", 1, one_a_day}}, worker, t0);
      if (!r.ok()) {
        error = r.status().ToString();
        return;
      }
      begun.fetch_add(r->size());
    };
    std::thread ta([&] { race(*a, (*ca)[0], "node-a", error_a); });
    std::thread tb([&] { race(*b, (*cb)[0], "node-b", error_b); });
    ta.join();
    tb.join();
    EXPECT_EQ(error_a, "");
    EXPECT_EQ(error_b, "");
    EXPECT_EQ(begun.load(), 1u) << "round " << round;
    begun_total += static_cast<int>(begun.load());
    auto history = setup->DialHistory(account->id, {number}, t0 - std::chrono::hours(1));
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->at(number).size(), 1u);
  }
  EXPECT_EQ(begun_total, kRounds);
}

}  // namespace
}  // namespace batchcall
