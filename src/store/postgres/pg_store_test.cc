// PostgresStore: the conformance suite instantiated for PostgreSQL, plus
// checks that need raw SQL (encryption at rest, migrations). Needs a server:
// BATCHCALL_TEST_PG_URL (e.g. from scripts/pg-test-server url); every test
// is skipped when it is unset. Each test gets a fresh database, dropped at
// the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/ids.h"
#include "store/conformance_test.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_store_impl.h"
#include "store/postgres/pg_test_env.h"

namespace batchcall {
namespace {

constexpr char kKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Skips every test of the binary when no server is configured.
class RequirePostgres : public ::testing::Environment {
 public:
  void SetUp() override {
    if (AdminUrl().empty()) GTEST_SKIP() << "BATCHCALL_TEST_PG_URL is unset (start scripts/pg-test-server)";
  }
};
const auto* const kRequirePostgres = ::testing::AddGlobalTestEnvironment(new RequirePostgres);

// The admin URL's connection parameters with dbname replaced, as a conninfo string.
std::string ConninfoFor(const std::string& admin_url, const std::string& dbname) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(admin_url.c_str(), &err);
  if (!opts) {
    ADD_FAILURE() << "bad BATCHCALL_TEST_PG_URL: " << (err ? err : "");
    PQfreemem(err);
    return "";
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val || std::string(o->keyword) == "dbname") continue;
    std::string v = o->val;
    out.append(o->keyword).append("='");
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out.append("' ");
  }
  out.append("dbname=").append(dbname);
  PQconninfoFree(opts);
  return out;
}

// A database created for one test and dropped (with its connections) at the end.
class TempDatabase {
 public:
  TempDatabase() : name_("bc_test_" + RandomHex(8)) {
    pg::ConnectionOptions o;
    o.url = AdminUrl();
    auto conn = pg::Connection::Open(o);
    if (!conn.ok()) {
      ADD_FAILURE() << conn.status().ToString();
      return;
    }
    Status s = (*conn)->Exec(("CREATE DATABASE " + name_).c_str());
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      return;
    }
    url_ = ConninfoFor(AdminUrl(), name_);
  }
  ~TempDatabase() {
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

struct PgResources {
  TempDatabase db;
  SecretBox box{kKeyHex};
};

StoreHarness MakePostgresHarness() {
  if (AdminUrl().empty()) return {};
  auto res = std::make_shared<PgResources>();
  if (res->db.url().empty()) return {};
  PostgresStoreOptions options;
  options.url = res->db.url();
  options.secret_box = &res->box;
  auto opened = PostgresStore::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return {};
  PostgresStore* raw = opened->get();
  StoreHarness h;
  h.owner = res;
  h.store = std::move(opened).value();
  h.set_execution_status = [raw](const std::string& id, ExecutionStatus s) {
    return raw->SetExecutionStatusForTesting(id, s, FromUnixMillis(0));
  };
  return h;
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest, ::testing::Values(StoreFactory(&MakePostgresHarness)),
                         [](const auto&) { return std::string("Postgres"); });

// Runs `sql` on a raw connection and returns the first column of the first
// row as text ("" when none).
std::string RawQuery(const std::string& url, const char* sql) {
  pg::ConnectionOptions o;
  o.url = url;
  auto conn = pg::Connection::Open(o);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) return "";
  auto rows = (*conn)->Query(sql, pg::Params());
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok() || rows->size() == 0 || rows->IsNull(0, 0)) return "";
  return rows->Text(0, 0);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStore> Open(const SecretBox* box = nullptr, const std::string& node_id = "") {
    PostgresStoreOptions options;
    options.url = db_.url();
    options.secret_box = box;
    options.node_id = node_id;
    auto s = PostgresStore::Open(options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  Agent MakeAgent(const std::string& account_id) {
    Agent a;
    a.id = "11111111-2222-4333-8444-555555555555";
    a.account_id = account_id;
    a.name = "secretive";
    a.provider_type = "twilio";
    a.provider = {{"auth_token", "tok-PLAINTEXT-9f8e"}};
    return a;
  }

  TempDatabase db_;
  SecretBox box_{kKeyHex};
};

TEST_F(PostgresStoreTest, ProviderSecretsAreSealedAtRest) {
  auto store = Open(&box_);
  ASSERT_TRUE(store);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  Agent a = MakeAgent(acc->id);
  ASSERT_TRUE(store->CreateAgent(a).ok());
  std::string raw = RawQuery(db_.url(), "SELECT provider FROM agents");
  EXPECT_EQ(raw.rfind("v1:", 0), 0u) << raw;
  EXPECT_EQ(raw.find("tok-PLAINTEXT"), std::string::npos);
  auto got = store->GetAgent(acc->id, a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider, a.provider);
  store.reset();
  auto keyless = Open(nullptr);
  ASSERT_TRUE(keyless);
  EXPECT_EQ(keyless->GetAgent(acc->id, a.id).status().code(), StatusCode::kInternal);
}

TEST_F(PostgresStoreTest, WithoutSecretBoxProviderIsPlainJson) {
  auto store = Open(nullptr);
  ASSERT_TRUE(store);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  ASSERT_TRUE(store->CreateAgent(MakeAgent(acc->id)).ok());
  EXPECT_EQ(RawQuery(db_.url(), "SELECT provider FROM agents"), R"({"auth_token":"tok-PLAINTEXT-9f8e"})");
}

TEST_F(PostgresStoreTest, NodesOpeningAtOnceMigrateOnceAndDataSurvivesReopen) {
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      PostgresStoreOptions options;
      options.url = db_.url();
      results[i] = PostgresStore::Open(options).status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(RawQuery(db_.url(), "SELECT count(*) FROM schema_migrations"),
            std::to_string(PostgresStore::LatestSchemaVersion()));
  std::string account_id;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
    ASSERT_TRUE(acc.ok());
    account_id = acc->id;
  }
  auto again = Open();
  ASSERT_TRUE(again);
  auto acc = again->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  EXPECT_EQ(acc->id, account_id);
}

// Migration 4 fills the counts of batches stored before it, and each node
// keeps its own count rows, whose sum is the batch's count.
TEST_F(PostgresStoreTest, StatusCountsAreFilledByTheirMigrationAndKeptPerNode) {
  auto open_as = [&](const std::string& node) { return Open(nullptr, node); };
  auto a = open_as("node-a");
  ASSERT_TRUE(a);
  auto acc = a->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  Agent agent = MakeAgent(acc->id);
  ASSERT_TRUE(a->CreateAgent(agent).ok());
  Batch draft;
  draft.id = std::string(32, 'c');
  draft.account_id = acc->id;
  draft.agent_id = agent.id;
  {
    auto import = a->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*import)->AddContact({i, i + 2, "+14155550000", {"v"}}).ok());
    ASSERT_TRUE((*import)->Commit(5, 5, 0).ok());
  }
  auto listed = a->ListExecutions({draft.account_id, draft.id, {}, std::nullopt, 10});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 5u);
  auto b = open_as("node-b");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->SetExecutionStatusForTesting((*listed)[0].id, ExecutionStatus::kCompleted, FromUnixMillis(1)).ok());
  ASSERT_TRUE(b->SetExecutionStatusForTesting((*listed)[1].id, ExecutionStatus::kBusy, FromUnixMillis(1)).ok());
  const StatusCounts expected{{ExecutionStatus::kPrepared, 3}, {ExecutionStatus::kCompleted, 1}, {ExecutionStatus::kBusy, 1}};
  EXPECT_EQ(*a->CountExecutions(draft.id), expected);
  EXPECT_EQ(*b->CountExecutions(draft.id), expected);
  EXPECT_EQ(RawQuery(db_.url(), "SELECT n FROM batch_status_counts WHERE node = 'node-b' AND status = 'prepared'"),
            "-2");
  a.reset();
  b.reset();
  // The database as the version before: no counts table.
  RawQuery(db_.url(), "DROP TABLE batch_status_counts");
  // ... and none of migration 5's.
  RawQuery(db_.url(), "ALTER TABLE agents DROP COLUMN contact_limits");
  RawQuery(db_.url(), "ALTER TABLE executions DROP COLUMN hold_reason");
  RawQuery(db_.url(), "DROP TABLE dials");
  RawQuery(db_.url(), "DROP TABLE batch_hold_counts");
  RawQuery(db_.url(), "DROP TABLE execution_holds");
  RawQuery(db_.url(), "DELETE FROM schema_migrations WHERE version >= 4 RETURNING version");
  auto c = open_as("node-c");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c->CountExecutions(draft.id), expected);
  ASSERT_TRUE(c->SetExecutionStatusForTesting((*listed)[2].id, ExecutionStatus::kQueued, FromUnixMillis(2)).ok());
  EXPECT_EQ(c->CountExecutions(draft.id)->at(ExecutionStatus::kPrepared), 2);
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(Open());
  RawQuery(db_.url(), "INSERT INTO schema_migrations(version, applied_at) VALUES (999, 0) RETURNING version");
  PostgresStoreOptions options;
  options.url = db_.url();
  EXPECT_EQ(PostgresStore::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  PostgresStoreOptions options;
  options.url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  EXPECT_EQ(PostgresStore::Open(options).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace batchcall
