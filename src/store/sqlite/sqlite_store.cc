// SqliteStore: opening and migrations, accounts, API keys and agents. The
// batch, import and execution methods live in sqlite_batches.cc.
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include "base/ids.h"
#include "store/sqlite/sqlite_batch_ops.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"

namespace batchcall {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;
namespace sql = sqlite_sql;

namespace {

sqlite::ConnectionOptions PoolOptions(const SqliteStoreOptions& o,
                                      std::shared_ptr<sqlite::WriteGate> gate = nullptr) {
  sqlite::ConnectionOptions c;
  c.path = o.path;
  c.busy_timeout_ms = o.busy_timeout_ms;
  c.write_order = std::move(gate);
  return c;
}

Status EnableWal(Connection& conn) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kJournalModeWal));
  BC_RETURN_IF_ERROR(st.StepRow("journal_mode returned nothing"));
  if (st.Text(0) != "wal")
    return Internal("cannot enable WAL mode (journal_mode is " + st.Text(0) + ")");
  return Status::Ok();
}

// Creates the executions webhook trigger while some agent has a webhook_url
// and drops it when none has (see kCreateExecutionWebhookTrigger). Runs
// inside the caller's write transaction, after its agent write, with no
// statement of `conn` active.
Status SyncExecutionWebhookTrigger(Connection& conn) {
  bool want = false;
  bool have = false;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectWebhookTriggerState));
    BC_RETURN_IF_ERROR(st.StepRow("no trigger state"));
    want = st.Int(0) != 0;
    have = st.Int(1) != 0;
  }
  if (want == have) return Status::Ok();
  return conn.Exec(want ? sql::kCreateExecutionWebhookTrigger : sql::kDropExecutionWebhookTrigger);
}

Status Migrate(Connection& conn, TimePoint now) {
  Transaction txn(conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_RETURN_IF_ERROR(conn.Exec(sql::kCreateMigrationsTable));
  int64_t current = 0;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kMaxMigration));
    BC_RETURN_IF_ERROR(st.StepRow("no schema version"));
    current = st.Int(0);
  }
  const int latest = SqliteStore::LatestSchemaVersion();
  if (current > latest) {
    return InvalidArgument("the database has schema version " + std::to_string(current) +
                           ", newer than this batchcall knows (" + std::to_string(latest) +
                           "); upgrade batchcall");
  }
  for (const auto& m : sql::kMigrations) {
    if (m.version <= current) continue;
    BC_RETURN_IF_ERROR(conn.Exec(m.sql));
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kInsertMigration));
    BC_RETURN_IF_ERROR(
        st.Bind(1, m.version).Bind(2, static_cast<int64_t>(ToUnixMillis(now))).Run());
  }
  BC_RETURN_IF_ERROR(SyncExecutionWebhookTrigger(conn));
  return txn.Commit();
}

}  // namespace

SqliteStore::SqliteStore(const SqliteStoreOptions& options)
    : options_(options),
      write_gate_(std::make_shared<sqlite::WriteGate>()),
      pool_(std::make_unique<sqlite::ConnectionPool>(PoolOptions(options, write_gate_),
                                                     static_cast<size_t>(std::max(1, options.pool_size)))) {}

SqliteStore::~SqliteStore() = default;

int SqliteStore::LatestSchemaVersion() {
  int latest = 0;
  for (const auto& m : sql::kMigrations) latest = std::max(latest, m.version);
  return latest;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) return InvalidArgument("the SQLite database path is empty");
  if (sqlite3_threadsafe() == 0) return Internal("SQLite was built without thread support");
  BC_ASSIGN_OR_RETURN(auto conn, Connection::Open(PoolOptions(options)));
  BC_RETURN_IF_ERROR(EnableWal(*conn));
  BC_RETURN_IF_ERROR(Migrate(*conn, SystemClock().Now()));
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  BC_RETURN_IF_ERROR(store->DiscardAbandonedImports(/*include_own=*/true));
  return store;
}

Status SqliteStore::FillDialHistoryForBenchmark(const std::string& account_id, int64_t dials, int64_t distinct,
                                                TimePoint now,
                                                const std::function<std::string(uint64_t)>& number_of) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  const int64_t week_ms = 7 * 24 * 3'600'000LL;
  for (int64_t i = 0; i < dials; ++i) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertDial));
    const int64_t at = store_rules::Millis(now) - (i * 7919) % week_ms;
    st.Bind(1, account_id).Bind(2, number_of(static_cast<uint64_t>(i % distinct))).Bind(3, at);
    BC_RETURN_IF_ERROR(st.Bind(4, "bench-" + std::to_string(i)).Run());
  }
  return txn.Commit();
}

Status SqliteStore::SetExecutionStatusForTesting(const std::string& execution_id, ExecutionStatus status,
                                                 TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t key = 0;
  ExecutionStatus old_status = status;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectExecutionStatusById));
    st.Bind(1, execution_id);
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) return NotFound("execution " + execution_id + " not found");
    key = st.Int(0);
    BC_ASSIGN_OR_RETURN(old_status, store_rules::ParseStoredStatus(st.TextView(1)));
  }
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSetExecutionStatus));
  st.Bind(1, ToString(status)).Bind(2, static_cast<int64_t>(ToUnixMillis(now))).Bind(3, key);
  BC_RETURN_IF_ERROR(st.Run());
  store_rules::StatusDeltas deltas;
  deltas.Move(store_rules::SeqOfKey(key), old_status, status);
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  return txn.Commit();
}

// --- accounts and API keys

Result<Account> SqliteStore::EnsureDefaultAccount(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDefaultAccount));
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (row) return Account{st.Text(0), st.Text(1), FromUnixMillis(st.Int(2))};
  }
  Account account{NewUuid(), "default", now};
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertAccount));
  st.Bind(1, account.id)
      .Bind(2, account.name)
      .Bind(3, true)
      .Bind(4, static_cast<int64_t>(ToUnixMillis(now)));
  BC_RETURN_IF_ERROR(st.Run());
  BC_RETURN_IF_ERROR(txn.Commit());
  return account;
}

Result<Account> SqliteStore::CreateAccount(const std::string& name, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Account account{NewUuid(), name, now};
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertAccount));
  st.Bind(1, account.id)
      .Bind(2, name)
      .Bind(3, false)
      .Bind(4, static_cast<int64_t>(ToUnixMillis(now)));
  BC_RETURN_IF_ERROR(st.Run());
  return account;
}

Status SqliteStore::AddApiKey(const ApiKey& key) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertApiKey));
  st.Bind(1, key.id).Bind(2, key.account_id).Bind(3, key.name).Bind(4, key.key_hash);
  st.Bind(5, static_cast<int64_t>(ToUnixMillis(key.created_at))).Bind(6, key.prefix);
  Status s = st.Run();
  if (s.code() == StatusCode::kConflict) return Conflict("an API key with this id or hash already exists");
  if (s.code() == StatusCode::kNotFound) return NotFound("account " + key.account_id + " not found");
  return s;
}

namespace {

ApiKey ReadApiKey(const Statement& st) {
  ApiKey k;
  k.id = st.Text(0);
  k.account_id = st.Text(1);
  k.name = st.Text(2);
  k.key_hash = st.Text(3);
  k.created_at = FromUnixMillis(st.Int(4));
  k.prefix = st.Text(5);
  if (!st.IsNull(6)) k.last_used_at = FromUnixMillis(st.Int(6));
  return k;
}

}  // namespace

Result<ApiKey> SqliteStore::FindApiKeyByHash(const std::string& key_hash) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectActiveKeyByHash));
  st.Bind(1, key_hash);
  BC_RETURN_IF_ERROR(st.StepRow("API key not found"));
  return ReadApiKey(st);
}

Result<std::vector<ApiKey>> SqliteStore::ListApiKeys(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectActiveKeys));
  st.Bind(1, account_id);
  std::vector<ApiKey> keys;
  BC_RETURN_IF_ERROR(sqlite::ForEachRow(st, [&](const Statement& row) {
    keys.push_back(ReadApiKey(row));
    return Status::Ok();
  }));
  return keys;
}

Status SqliteStore::RevokeApiKey(const std::string& account_id, const std::string& key_id, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kRevokeApiKey));
  st.Bind(1, static_cast<int64_t>(ToUnixMillis(now))).Bind(2, key_id).Bind(3, account_id);
  BC_RETURN_IF_ERROR(st.Run());
  if (conn->Changes() == 0) return NotFound("API key " + key_id.substr(0, 64) + " not found.");
  return Status::Ok();
}

Status SqliteStore::RecordApiKeyUse(const std::vector<std::pair<std::string, TimePoint>>& uses) {
  if (uses.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kRecordApiKeyUse));
    for (const auto& [id, at] : uses) {
      st.Bind(1, static_cast<int64_t>(ToUnixMillis(at))).Bind(2, id);
      BC_RETURN_IF_ERROR(st.Run());
    }
  }
  return txn.Commit();
}

Result<int64_t> SqliteStore::CountApiKeys() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kCountApiKeys));
  BC_RETURN_IF_ERROR(st.StepRow("no count"));
  return st.Int(0);
}

// --- agents

Status SqliteStore::CreateAgent(const Agent& agent) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertAgent));
    sqlite::BindAgent(st, agent, options_.secret_box);
    Status s = st.Run();
    if (s.code() == StatusCode::kConflict) return Conflict("agent " + agent.id + " already exists");
    if (s.code() == StatusCode::kNotFound) return NotFound("account " + agent.account_id + " not found");
    BC_RETURN_IF_ERROR(s);
  }
  BC_RETURN_IF_ERROR(SyncExecutionWebhookTrigger(*conn));
  return txn.Commit();
}

Result<Agent> SqliteStore::GetAgent(const std::string& account_id, const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgent));
  st.Bind(1, agent_id).Bind(2, account_id);
  BC_RETURN_IF_ERROR(st.StepRow("agent " + agent_id + " not found"));
  return sqlite::ReadAgent(st, options_.secret_box);
}

Result<std::vector<Agent>> SqliteStore::ListAgents(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgentsOfAccount));
  st.Bind(1, account_id);
  std::vector<Agent> out;
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    BC_ASSIGN_OR_RETURN(auto agent, sqlite::ReadAgent(st, options_.secret_box));
    out.push_back(std::move(agent));
  }
  return out;
}

Status SqliteStore::UpdateAgent(const Agent& agent) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kUpdateAgent));
    sqlite::BindAgent(st, agent, options_.secret_box);
    BC_RETURN_IF_ERROR(st.Run());
    if (conn->Changes() == 0) return NotFound("agent " + agent.id + " not found");
  }
  BC_RETURN_IF_ERROR(SyncExecutionWebhookTrigger(*conn));
  return txn.Commit();
}

Status SqliteStore::DeleteAgent(const std::string& account_id, const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgentOfAccount));
    st.Bind(1, agent_id).Bind(2, account_id);
    BC_RETURN_IF_ERROR(st.StepRow("agent " + agent_id + " not found"));
  }
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kCountActiveBatchesOfAgent));
    st.Bind(1, agent_id);
    BC_RETURN_IF_ERROR(st.StepRow("no count"));
    if (int64_t n = st.Int(0); n > 0) {
      return Conflict("agent " + agent_id + " has " + std::to_string(n) +
                      " scheduled, running or paused batch(es); stop them before deleting the agent");
    }
  }
  std::vector<int64_t> seqs;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectBatchSeqsOfAgent));
    st.Bind(1, agent_id);
    for (;;) {
      BC_ASSIGN_OR_RETURN(auto row, st.Step());
      if (!row) break;
      seqs.push_back(st.Int(0));
    }
  }
  for (int64_t seq : seqs) {
    BC_ASSIGN_OR_RETURN(auto in_flight, sqlite::AnyInFlight(*conn, seq));
    if (in_flight) return Conflict("agent " + agent_id + " still has calls in flight");
    BC_RETURN_IF_ERROR(sqlite::DeleteBatchRows(*conn, seq));
  }
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteAgent));
    BC_RETURN_IF_ERROR(st.Bind(1, agent_id).Bind(2, account_id).Run());
  }
  BC_RETURN_IF_ERROR(SyncExecutionWebhookTrigger(*conn));
  return txn.Commit();
}

Result<Agent> SqliteStore::FindAgentByName(const std::string& account_id, const std::string& name) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgentByName));
  st.Bind(1, account_id).Bind(2, name);
  BC_RETURN_IF_ERROR(st.StepRow("agent named " + name + " not found"));
  return sqlite::ReadAgent(st, options_.secret_box);
}

}  // namespace batchcall
