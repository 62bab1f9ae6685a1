// SqliteStore: the conformance suite instantiated for SQLite, plus checks
// that need the raw file (encryption at rest, migrations, rollback).
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "store/conformance_test.h"
#include "store/sqlite/sqlite_db.h"
#include "testing/temp_dir.h"
#include "testing/wait.h"

namespace batchcall {
namespace {

namespace fs = std::filesystem;

constexpr char kKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

using test::TempDir;

struct SqliteResources {
  TempDir dir;
  SecretBox box{kKeyHex};
};

StoreHarness MakeSqliteHarness() {
  auto res = std::make_shared<SqliteResources>();
  SqliteStoreOptions options;
  options.path = res->dir.File("store.db");
  options.secret_box = &res->box;
  auto opened = SqliteStore::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return {};
  SqliteStore* raw = opened->get();
  StoreHarness h;
  h.owner = res;
  h.store = std::move(opened).value();
  h.set_execution_status = [raw](const std::string& id, ExecutionStatus s) {
    return raw->SetExecutionStatusForTesting(id, s, FromUnixMillis(0));
  };
  return h;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest, ::testing::Values(StoreFactory(&MakeSqliteHarness)),
                         [](const auto&) { return std::string("Sqlite"); });

// Runs one query on a raw connection to `path` and returns the first column
// of the first row as text ("" when none).
std::string RawQuery(const std::string& path, const std::string& sql_text) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql_text.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  // As a server opens it, with a node id: concurrent imports of one node
  // must not take each other for abandoned ones (regression: BeginImport did).
  std::unique_ptr<SqliteStore> Open(const SecretBox* box = nullptr, int busy_timeout_ms = 30000) {
    return OpenAt(db(), "test-node", box, busy_timeout_ms);
  }
  std::unique_ptr<SqliteStore> OpenAt(const std::string& path, const std::string& node_id,
                                      const SecretBox* box = nullptr, int busy_timeout_ms = 30000) {
    SqliteStoreOptions options;
    options.path = path;
    options.secret_box = box;
    options.busy_timeout_ms = busy_timeout_ms;
    options.node_id = node_id;
    auto s = SqliteStore::Open(options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // Adds the contacts of row_index [from, to) (one number, one variable).
  static Status AddContacts(BatchImport& import, int from, int to) {
    for (int i = from; i < to; ++i) BC_RETURN_IF_ERROR(import.AddContact({i, i + 2, "+14155550000", {"v"}}));
    return Status::Ok();
  }
  // The store's file as a process killed now would leave it (db and WAL).
  void CopyAsCrashed(const std::string& to) const {
    fs::copy_file(db(), to);
    fs::copy_file(db() + "-wal", to + "-wal");
  }
  // No table an import writes has a row in the file at `path`.
  static void ExpectNoImportRows(const std::string& path) {
    for (const char* table : {"batches", "executions", "execution_ids", "rejected_rows", "batch_status_counts"})
      EXPECT_EQ(RawQuery(path, std::string("SELECT COUNT(*) FROM ") + table), "0") << table;
  }
  std::string db() const { return dir_.File("store.db"); }
  // A draft batch (id: 32 times `id_char`) of a new agent of the default account.
  Batch DraftOfNewAgent(SqliteStore& store, char id_char) {
    auto acc = store.EnsureDefaultAccount(FromUnixMillis(0));
    EXPECT_TRUE(acc.ok()) << acc.status().ToString();
    Agent a = MakeAgent(acc.ok() ? acc->id : "");
    EXPECT_TRUE(store.CreateAgent(a).ok());
    Batch draft;
    draft.id = std::string(32, id_char);
    draft.account_id = a.account_id;
    draft.agent_id = a.id;
    return draft;
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

  TempDir dir_;
  SecretBox box_{kKeyHex};
};

TEST_F(SqliteStoreTest, ProviderSecretsAreSealedAtRest) {
  auto store = Open(&box_);
  ASSERT_TRUE(store);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  Agent a = MakeAgent(acc->id);
  ASSERT_TRUE(store->CreateAgent(a).ok());
  std::string raw = RawQuery(db(), "SELECT provider FROM agents");
  EXPECT_EQ(raw.rfind("v1:", 0), 0u) << raw;
  EXPECT_EQ(raw.find("tok-PLAINTEXT"), std::string::npos);
  auto got = store->GetAgent(acc->id, a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->provider, a.provider);
  store.reset();
  // Without the key (or with another one) the settings cannot be read.
  auto keyless = Open(nullptr);
  EXPECT_EQ(keyless->GetAgent(acc->id, a.id).status().code(), StatusCode::kInternal);
  SecretBox other(std::string(64, '7'));
  keyless.reset();
  auto wrong = Open(&other);
  EXPECT_EQ(wrong->GetAgent(acc->id, a.id).status().code(), StatusCode::kInternal);
}

TEST_F(SqliteStoreTest, WithoutSecretBoxProviderIsPlainJson) {
  auto store = Open(nullptr);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(store->CreateAgent(MakeAgent(acc->id)).ok());
  EXPECT_EQ(RawQuery(db(), "SELECT provider FROM agents"), R"({"auth_token":"tok-PLAINTEXT-9f8e"})");
}

TEST_F(SqliteStoreTest, WebhookSecretsAreSealedAtRest) {
  auto store = Open(&box_);
  ASSERT_TRUE(store);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  ASSERT_TRUE(store->RotateWebhookSecret(acc->id, "whsec_PLAINTEXT_one", FromUnixMillis(9), FromUnixMillis(1)).ok());
  ASSERT_TRUE(store->RotateWebhookSecret(acc->id, "whsec_PLAINTEXT_two", FromUnixMillis(9), FromUnixMillis(2)).ok());
  for (const char* column : {"current", "previous"}) {
    std::string raw = RawQuery(db(), std::string("SELECT ") + column + " FROM webhook_secrets");
    EXPECT_EQ(raw.rfind("v1:", 0), 0u) << raw;
    EXPECT_EQ(raw.find("PLAINTEXT"), std::string::npos) << raw;
  }
  auto got = store->GetWebhookSecrets(acc->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->current, "whsec_PLAINTEXT_two");
  EXPECT_EQ(got->previous, "whsec_PLAINTEXT_one");
  store.reset();
  auto keyless = Open(nullptr);
  EXPECT_EQ(keyless->GetWebhookSecrets(acc->id).status().code(), StatusCode::kInternal);
}

TEST_F(SqliteStoreTest, WithoutSecretBoxWebhookSecretsAreMarkedPlain) {
  auto store = Open(nullptr);
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(store->RotateWebhookSecret(acc->id, "v1:looks-sealed", FromUnixMillis(9), FromUnixMillis(1)).ok());
  EXPECT_EQ(RawQuery(db(), "SELECT current FROM webhook_secrets"), "plain:v1:looks-sealed");
  EXPECT_EQ(store->GetWebhookSecrets(acc->id)->current, "v1:looks-sealed");
}

// The executions trigger exists only while some agent has a webhook_url
// (every status update pays for a trigger, webhook or not).
TEST_F(SqliteStoreTest, ExecutionWebhookTriggerExistsOnlyWhileAnAgentHasAWebhook) {
  const std::string count_trigger =
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'executions_webhook_journal'";
  auto store = Open();
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  Agent a = MakeAgent(acc->id);
  ASSERT_TRUE(store->CreateAgent(a).ok());
  EXPECT_EQ(RawQuery(db(), count_trigger), "0");
  a.webhook_url = "https://example.com/hook";
  ASSERT_TRUE(store->UpdateAgent(a).ok());
  EXPECT_EQ(RawQuery(db(), count_trigger), "1");
  a.webhook_url = "";
  ASSERT_TRUE(store->UpdateAgent(a).ok());
  EXPECT_EQ(RawQuery(db(), count_trigger), "0");
  Agent b = MakeAgent(acc->id);
  b.id = "11111111-2222-4333-8444-666666666666";
  b.webhook_url = "https://example.com/other";
  ASSERT_TRUE(store->CreateAgent(b).ok());
  EXPECT_EQ(RawQuery(db(), count_trigger), "1");
  ASSERT_TRUE(store->DeleteAgent(acc->id, b.id).ok());
  EXPECT_EQ(RawQuery(db(), count_trigger), "0");
  // Open re-syncs it (e.g. after the agents table was edited by hand).
  RawQuery(db(), "UPDATE agents SET webhook_url = 'https://example.com/x'");
  store.reset();
  store = Open();
  EXPECT_EQ(RawQuery(db(), count_trigger), "1");
}

TEST_F(SqliteStoreTest, WebhookClaimsUseTheHeadsIndex) {
  ASSERT_TRUE(Open());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "EXPLAIN QUERY PLAN SELECT id FROM webhook_outbox WHERE state = 'pending' AND "
                               "head = 1 AND next_attempt_at <= 5 AND (lease_owner IS NULL OR lease_until <= 5) "
                               "ORDER BY next_attempt_at, id LIMIT 10",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::string details;
  while (sqlite3_step(st) == SQLITE_ROW) details += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  EXPECT_THAT(details, ::testing::HasSubstr("webhook_outbox_heads"));
  EXPECT_THAT(details, ::testing::Not(::testing::HasSubstr("TEMP B-TREE")));
}

TEST_F(SqliteStoreTest, MigrationsAreIdempotentAndDataSurvivesReopen) {
  auto store = Open();
  auto acc = store->EnsureDefaultAccount(FromUnixMillis(0));
  ASSERT_TRUE(acc.ok());
  store.reset();
  store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->EnsureDefaultAccount(FromUnixMillis(5))->id, acc->id);
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(SqliteStore::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery(db(), "PRAGMA journal_mode"), "wal");
}

// Migration 7 fills the per-batch counts of the batches stored before it.
TEST_F(SqliteStoreTest, StatusCountsOfEarlierBatchesAreFilledByTheirMigration) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Batch draft = DraftOfNewAgent(*store, 'e');
  std::vector<std::string> ids;
  {
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*import)->AddContact({i, i + 2, "+14155550000", {"v"}}).ok());
    ASSERT_TRUE((*import)->Commit(5, 5, 0).ok());
  }
  auto listed = store->ListExecutions({draft.account_id, draft.id, {}, std::nullopt, 10});
  ASSERT_TRUE(listed.ok());
  for (const Execution& e : *listed) ids.push_back(e.id);
  ASSERT_EQ(ids.size(), 5u);
  ASSERT_TRUE(store->SetExecutionStatusForTesting(ids[0], ExecutionStatus::kCompleted, FromUnixMillis(1)).ok());
  ASSERT_TRUE(store->SetExecutionStatusForTesting(ids[1], ExecutionStatus::kBusy, FromUnixMillis(1)).ok());
  const StatusCounts expected{{ExecutionStatus::kPrepared, 3}, {ExecutionStatus::kCompleted, 1}, {ExecutionStatus::kBusy, 1}};
  EXPECT_EQ(*store->CountExecutions(draft.id), expected);
  store.reset();
  // The file as the version before: no counts table.
  RawQuery(db(), "DROP TABLE batch_status_counts");
  RawQuery(db(), "ALTER TABLE batches DROP COLUMN importer");
  RawQuery(db(), "ALTER TABLE batches DROP COLUMN import_seen_at");
  // ... and none of migration 9's.
  RawQuery(db(), "ALTER TABLE agents DROP COLUMN contact_limits");
  RawQuery(db(), "ALTER TABLE executions DROP COLUMN hold_reason");
  RawQuery(db(), "DROP TABLE dials");
  RawQuery(db(), "DROP TABLE batch_hold_counts");
  RawQuery(db(), "DROP TABLE execution_holds");
  RawQuery(db(), "DELETE FROM schema_migrations WHERE version >= 7");
  store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->CountExecutions(draft.id), expected);
  // And changes are counted again.
  ASSERT_TRUE(store->SetExecutionStatusForTesting(ids[2], ExecutionStatus::kQueued, FromUnixMillis(2)).ok());
  EXPECT_EQ(store->CountExecutions(draft.id)->at(ExecutionStatus::kQueued), 1);
  EXPECT_EQ(store->CountExecutions(draft.id)->at(ExecutionStatus::kPrepared), 2);
}

// An idle webhook poll (nothing due) and an adoption check that finds no
// orphan take no write lock: they answer while
// another connection holds the write lock (an upload, say), instead of
// waiting for it and failing after the busy timeout.
TEST_F(SqliteStoreTest, IdleWebhookClaimAndAdoptionCheckTakeNoWriteLock) {
  auto store = Open(nullptr, /*busy_timeout_ms=*/100);
  ASSERT_TRUE(store);
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto claimed = store->ClaimWebhookDeliveries(FromUnixMillis(1000), 10, "w", FromUnixMillis(61000));
  EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_TRUE(claimed.ok() && claimed->empty());
  // The housekeeping round's adoption check likewise, when nothing is orphaned.
  auto adopted = store->AdoptOrphanAttempts("w", FromUnixMillis(1000), /*include_own=*/true);
  EXPECT_TRUE(adopted.ok()) << adopted.status().ToString();
  EXPECT_TRUE(adopted.ok() && adopted->empty());
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(Open());
  RawQuery(db(), "INSERT INTO schema_migrations(version, applied_at) VALUES (999, 0)");
  SqliteStoreOptions options;
  options.path = db();
  auto s = SqliteStore::Open(options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), ::testing::HasSubstr("999"));
}

TEST_F(SqliteStoreTest, MissingDirectoryIsAnError) {
  SqliteStoreOptions options;
  options.path = dir_.File("no/such/dir/store.db");
  EXPECT_FALSE(SqliteStore::Open(options).ok());
}

TEST_F(SqliteStoreTest, AbandonedImportLeavesNoRows) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Batch draft = DraftOfNewAgent(*store, 'b');
  {
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*import)->AddContact({i, i + 2, "+14155550000", {"v"}}).ok());
    ASSERT_TRUE((*import)->AddReject({200, "x", "invalid_number", "Bad."}).ok());
  }
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM contacts"), "0");
  ExpectNoImportRows(db());
}

TEST_F(SqliteStoreTest, ImportRefusesRowsOutOfOrder) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Batch draft = DraftOfNewAgent(*store, 'c');
  auto import = store->BeginImport(draft);
  ASSERT_TRUE(import.ok());
  EXPECT_EQ((*import)->AddContact({-1, 2, "+14155550000", {}}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*import)->AddContact({0, 2, "+14155550000", {}}).ok());
  EXPECT_EQ((*import)->AddContact({0, 3, "+14155550001", {}}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*import)->AddContact({5, 4, "+14155550002", {}}).ok());  // gaps are allowed
  // Refused rows wrote nothing; the import goes on.
  auto batch = (*import)->Commit(3, 2, 0);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(RawQuery(db(), "SELECT group_concat(row_index) FROM executions"), "0,5");
}

// Imports write in short transactions: while one upload is open, others
// run to the end beside it, each write waiting well under a second (a
// sanitizer build's transaction of 4,096 rows takes tens of ms). (Regression,
// CI 2026-12-02: when an import held the write lock from its first row to
// its commit, a second upload on a slow machine failed with "database is
// locked"; imports then took turns. Now none holds the lock for long.)
TEST_F(SqliteStoreTest, ConcurrentImportsRunSideBySide) {
  auto store = Open(nullptr, /*busy_timeout_ms=*/1000);
  ASSERT_TRUE(store);
  const Batch first_draft = DraftOfNewAgent(*store, '1');
  auto draft = [&](char c) {
    Batch b = first_draft;
    b.id = std::string(32, c);
    return b;
  };
  auto first = store->BeginImport(first_draft);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE((*first)->AddContact({0, 2, "+14155550000", {}}).ok());

  constexpr int kOthers = 3;
  std::vector<Status> results(kOthers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOthers; ++i) {
    threads.emplace_back([&, i] {
      auto import = store->BeginImport(draft(static_cast<char>('a' + i)));
      Status s = import.status();
      for (int row = 0; s.ok() && row < 10000; ++row) {
        s = (*import)->AddContact({row, row + 2, "+1415555" + std::to_string(1000 + row % 9000), {"v"}});
      }
      if (s.ok()) s = (*import)->Commit(10000, 10000, 0).status();
      results[i] = s;
    });
  }
  for (auto& t : threads) t.join();  // the first import is still open
  for (int i = 0; i < kOthers; ++i) EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
  auto batch = (*first)->Commit(1, 1, 0);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM batches"), "4");
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM executions"), "30001");
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM execution_ids"), "30001");
}

// An open import holds no write lock between its writes, and its batch is
// seen by nobody until Commit (issue 15: uploads froze running batches).
TEST_F(SqliteStoreTest, AnOpenImportHoldsNoLockAndIsHidden) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Batch draft = DraftOfNewAgent(*store, 'h');
  auto import = store->BeginImport(draft);
  ASSERT_TRUE(import.ok());
  ASSERT_TRUE(AddContacts(**import, 0, 10000).ok());
  ASSERT_TRUE((*import)->AddReject({20000, "x", "invalid_number", "Bad."}).ok());
  EXPECT_NE(RawQuery(db(), "SELECT COUNT(*) FROM executions"), "0") << "rows are written as they come";
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &writer), SQLITE_OK);
  // The import's last rows may still be being written (on its writer
  // thread); once that short write ends, the idle import holds nothing.
  sqlite3_busy_timeout(writer, 10000);
  EXPECT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; COMMIT", nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(writer);
  sqlite3_close(writer);
  EXPECT_EQ(store->GetBatch(draft.account_id, draft.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->ListBatches(draft.account_id, draft.agent_id)->empty());
  EXPECT_EQ(store->ListExecutions({draft.account_id, draft.id, {}, std::nullopt, 10}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store->CountExecutions(draft.id).status().code(), StatusCode::kNotFound);
  auto batch = (*import)->Commit(10001, 10000, 1);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->status, BatchStatus::kCreated);
  EXPECT_EQ(store->CountExecutions(draft.id)->at(ExecutionStatus::kPrepared), 10000);
  EXPECT_EQ(store->ListRejects(draft.id, 0, 10)->size(), 1u);
  EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM execution_ids"), "10000");
}

// Deleting the agent during its upload: the import fails (NotFound) at its
// next write and leaves nothing.
TEST_F(SqliteStoreTest, DeletingTheAgentStopsItsImport) {
  auto store = Open();
  ASSERT_TRUE(store);
  const Batch draft = DraftOfNewAgent(*store, 'd');
  {
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE(AddContacts(**import, 0, 5000).ok());
    ASSERT_TRUE(store->DeleteAgent(draft.account_id, draft.agent_id).ok());
    Status s = AddContacts(**import, 5000, 20000);
    if (s.ok()) s = (*import)->Commit(20000, 20000, 0).status();
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  }
  ExpectNoImportRows(db());
}

// A process killed during an upload (here: the file as it was, copied
// while the import was open) leaves a hidden batch; the next start under
// the same node name deletes it, another node leaves it until nobody has
// written it for 10 minutes.
TEST_F(SqliteStoreTest, AnUploadLeftByAKilledProcessIsDeletedAtTheNextStart) {
  const std::string crashed = dir_.File("crashed.db");
  {
    auto store = OpenAt(db(), "node-a");
    ASSERT_TRUE(store);
    const Batch draft = DraftOfNewAgent(*store, 'k');
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE(AddContacts(**import, 0, 10000).ok());
    ASSERT_TRUE((*import)->AddReject({20000, "x", "invalid_number", "Bad."}).ok());
    CopyAsCrashed(crashed);
  }
  EXPECT_EQ(RawQuery(crashed, "SELECT status FROM batches"), "importing");
  EXPECT_TRUE(OpenAt(crashed, "node-b"));
  EXPECT_EQ(RawQuery(crashed, "SELECT status FROM batches"), "importing") << "another node's upload may be live";
  EXPECT_TRUE(OpenAt(crashed, "node-a"));
  ExpectNoImportRows(crashed);
}

// DeleteBatch hides the batch in its first transaction and deletes its rows
// in short ones after it; one cut short by kill -9 (here: the state after
// that first transaction) is finished like an abandoned upload.
TEST_F(SqliteStoreTest, ADeleteCutShortIsFinishedAtTheNextStart) {
  std::string account_id;
  std::string batch_id;
  {
    auto store = OpenAt(db(), "node-a");
    ASSERT_TRUE(store);
    const Batch draft = DraftOfNewAgent(*store, 'd');
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE(AddContacts(**import, 0, 10000).ok());
    ASSERT_TRUE((*import)->Commit(10000, 10000, 0).ok());
    account_id = draft.account_id;
    batch_id = draft.id;
    // A second batch, deleted whole: nothing of it is left.
    Batch other = draft;
    other.id = std::string(32, 'e');
    auto second = store->BeginImport(other);
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(AddContacts(**second, 0, 9000).ok());
    ASSERT_TRUE((*second)->Commit(9000, 9000, 0).ok());
    ASSERT_TRUE(store->DeleteBatch(other.account_id, other.id).ok());
    EXPECT_EQ(store->GetBatch(other.account_id, other.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM executions"), "10000");
    EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM execution_ids"), "10000");
  }
  RawQuery(db(), "UPDATE batches SET status = 'discarding', importer = 'node-a', "
                 "import_seen_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)");
  {
    auto store = OpenAt(db(), "node-b");
    ASSERT_TRUE(store);
    EXPECT_EQ(store->GetBatch(account_id, batch_id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(RawQuery(db(), "SELECT COUNT(*) FROM executions"), "10000") << "node-a may still be deleting it";
  }
  EXPECT_TRUE(OpenAt(db(), "node-a"));
  ExpectNoImportRows(db());
}

// An upload nobody has written for 10 minutes is deleted by any node.
TEST_F(SqliteStoreTest, AnUploadNobodyWritesIsDeletedAfterTenMinutes) {
  const std::string stale = dir_.File("stale.db");
  {
    auto store = Open();
    const Batch draft = DraftOfNewAgent(*store, 's');
    auto import = store->BeginImport(draft);
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE(AddContacts(**import, 0, 5000).ok());
    CopyAsCrashed(stale);
  }
  RawQuery(stale, "UPDATE batches SET import_seen_at = import_seen_at - 11 * 60 * 1000");
  ASSERT_TRUE(OpenAt(stale, "node-z"));
  ExpectNoImportRows(stale);
}

// The write gate admits in arrival order; a waiter gives up after its timeout.
TEST(SqliteWriteGateTest, AdmitsInArrivalOrderAndTimesOut) {
  sqlite::WriteGate gate;
  ASSERT_TRUE(gate.Enter(std::chrono::milliseconds(0)));
  EXPECT_FALSE(gate.Enter(std::chrono::milliseconds(20)));  // held: times out
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      ASSERT_TRUE(gate.Enter(std::chrono::seconds(30)));
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      gate.Leave();
    });
    // Each thread queues before the next one starts.
    ASSERT_TRUE(test::WaitUntil([&] { return gate.Waiting() == static_cast<size_t>(i + 1); },
                                std::chrono::seconds(5)));
  }
  gate.Leave();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(gate.Enter(std::chrono::milliseconds(0)));  // free again
  gate.Leave();
}

// An import begun after an abandoned one commits.
TEST_F(SqliteStoreTest, AnImportAfterAnAbandonedOneCommits) {
  auto store = Open();
  const Batch first = DraftOfNewAgent(*store, 'x');
  { ASSERT_TRUE(store->BeginImport(first).ok()); }
  Batch b = first;
  b.id = std::string(32, 'y');
  auto next = store->BeginImport(b);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_TRUE((*next)->Commit(0, 0, 0).ok());
}

TEST_F(SqliteStoreTest, FilteredListingUsesTheStatusIndex) {
  auto store = Open();
  ASSERT_TRUE(store);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "EXPLAIN QUERY PLAN SELECT key FROM executions WHERE batch_seq = 1 AND "
                               "status = 'queued' AND key >= 5 ORDER BY key LIMIT 10",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::string details;
  while (sqlite3_step(st) == SQLITE_ROW) details += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  EXPECT_THAT(details, ::testing::HasSubstr("executions_batch_status"));
  EXPECT_THAT(details, ::testing::Not(::testing::HasSubstr("TEMP B-TREE")));
}

}  // namespace
}  // namespace batchcall
