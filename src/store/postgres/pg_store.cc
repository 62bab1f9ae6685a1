// PostgresStore: opening and migrations, accounts, API keys and agents. The
// batch, import and execution methods live in pg_batches.cc / pg_import.cc.
#include <algorithm>

#include "base/ids.h"
#include "store/postgres/pg_batch_ops.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"

namespace batchcall {

using pg::Connection;
using pg::Params;
using pg::Row;
using pg::Transaction;
namespace sql = pg_sql;

namespace {

Status Migrate(Connection& conn, TimePoint now) {
  Transaction txn(conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  // Held until commit: a second node opening meanwhile waits here, then
  // finds every migration applied.
  BC_RETURN_IF_ERROR(conn.Exec(sql::kLockMigrations));
  BC_RETURN_IF_ERROR(conn.Exec(sql::kCreateMigrationsTable));
  BC_ASSIGN_OR_RETURN(auto max, conn.Query(sql::kMaxMigration, Params()));
  const int64_t current = max.Int(0, 0);
  const int latest = PostgresStore::LatestSchemaVersion();
  if (current > latest) {
    return InvalidArgument("the database has schema version " + std::to_string(current) +
                           ", newer than this batchcall knows (" + std::to_string(latest) + "); upgrade batchcall");
  }
  for (const auto& m : sql::kMigrations) {
    if (m.version <= current) continue;
    for (const char* part : m.parts) {
      if (part && *part) BC_RETURN_IF_ERROR(conn.Exec(part));
    }
    BC_RETURN_IF_ERROR(
        conn.Run(sql::kInsertMigration, Params().Add(m.version).Add(store_rules::Millis(now)))
            .status());
  }
  return txn.Commit();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options) {
  BC_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

PostgresStore::PostgresStore(const PostgresStoreOptions& options)
    : options_(options),
      pool_(std::make_unique<pg::ConnectionPool>(ConnOptions(), std::max<size_t>(1, options.pool_size))) {}

PostgresStore::~PostgresStore() = default;

pg::ConnectionOptions PostgresStore::ConnOptions() const {
  pg::ConnectionOptions c;
  c.url = options_.url;
  return c;
}

int PostgresStore::LatestSchemaVersion() {
  int latest = 0;
  for (const auto& m : sql::kMigrations) latest = std::max(latest, m.version);
  return latest;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresStoreOptions& options) {
  if (options.url.empty()) return InvalidArgument("the PostgreSQL URL is empty");
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  BC_ASSIGN_OR_RETURN(auto conn, store->pool_->Acquire());
  BC_RETURN_IF_ERROR(Migrate(*conn, SystemClock().Now()));
  return store;
}

Status PostgresStore::SetExecutionStatusForTesting(const std::string& execution_id, ExecutionStatus status,
                                                   TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  pg::Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectExecutionStatusForUpdate, Params().Add(execution_id)));
  if (rows.size() == 0) return NotFound("execution " + execution_id + " not found");
  const int64_t key = rows.Int(0, 0);
  BC_ASSIGN_OR_RETURN(auto old_status, store_rules::ParseStoredStatus(rows.TextView(0, 1)));
  BC_RETURN_IF_ERROR(
      conn->Run(sql::kSetExecutionStatus, Params().Add(key).Add(ToString(status)).Add(store_rules::Millis(now)))
          .status());
  store_rules::StatusDeltas deltas;
  deltas.Move(store_rules::SeqOfKey(key), old_status, status);
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(*conn, deltas, options_.node_id));
  return txn.Commit();
}

// --- accounts and API keys

Result<Account> PostgresStore::EnsureDefaultAccount(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // Insert-if-absent then read: safe when several nodes race.
  BC_RETURN_IF_ERROR(conn->Run(sql::kInsertDefaultAccount,
                               Params().Add(NewUuid()).Add("default").Add(store_rules::Millis(now)))
                         .status());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectDefaultAccount, Params()));
  if (rows.size() == 0) return Internal("the default account vanished");
  return Account{rows.Text(0, 0), rows.Text(0, 1), FromUnixMillis(rows.Int(0, 2))};
}

Result<Account> PostgresStore::CreateAccount(const std::string& name, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Account account{NewUuid(), name, now};
  BC_RETURN_IF_ERROR(conn->Run(sql::kInsertAccount,
                               Params().Add(account.id).Add(name).Add(store_rules::Millis(now)))
                         .status());
  return account;
}

Status PostgresStore::AddApiKey(const ApiKey& key) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  auto n = conn->Run(sql::kInsertApiKey, Params()
                                             .Add(key.id)
                                             .Add(key.account_id)
                                             .Add(key.name)
                                             .Add(key.key_hash)
                                             .Add(store_rules::Millis(key.created_at))
                                             .Add(key.prefix));
  Status s = n.status();
  if (s.code() == StatusCode::kConflict) return Conflict("an API key with this id or hash already exists");
  if (s.code() == StatusCode::kNotFound) return NotFound("account " + key.account_id + " not found");
  return s;
}

namespace {

ApiKey ReadApiKey(const Row& r) {
  ApiKey k;
  k.id = r.Text(0);
  k.account_id = r.Text(1);
  k.name = r.Text(2);
  k.key_hash = r.Text(3);
  k.created_at = FromUnixMillis(r.Int(4));
  k.prefix = r.Text(5);
  k.last_used_at = r.OptionalTime(6);
  return k;
}

}  // namespace

Result<ApiKey> PostgresStore::FindApiKeyByHash(const std::string& key_hash) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectActiveKeyByHash, Params().Add(key_hash)));
  if (rows.size() == 0) return NotFound("API key not found");
  return ReadApiKey(Row(rows, 0));
}

Result<std::vector<ApiKey>> PostgresStore::ListApiKeys(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectActiveKeys, Params().Add(account_id)));
  std::vector<ApiKey> keys;
  for (int i = 0; i < rows.size(); ++i) keys.push_back(ReadApiKey(Row(rows, i)));
  return keys;
}

Status PostgresStore::RevokeApiKey(const std::string& account_id, const std::string& key_id, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(
      auto n, conn->Run(sql::kRevokeApiKey,
                        Params().Add(store_rules::Millis(now)).Add(key_id).Add(account_id)));
  if (n == 0) return NotFound("API key " + key_id.substr(0, 64) + " not found.");
  return Status::Ok();
}

Status PostgresStore::RecordApiKeyUse(const std::vector<std::pair<std::string, TimePoint>>& uses) {
  if (uses.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const auto& [id, at] : uses) {
    BC_RETURN_IF_ERROR(
        conn->Run(sql::kRecordApiKeyUse, Params().Add(store_rules::Millis(at)).Add(id)).status());
  }
  return txn.Commit();
}

Result<int64_t> PostgresStore::CountApiKeys() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kCountApiKeys, Params()));
  return rows.Int(0, 0);
}

// --- agents

Status PostgresStore::CreateAgent(const Agent& agent) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Params p;
  pg::AddAgent(p, agent, options_.secret_box);
  Status s = conn->Run(sql::kInsertAgent, p).status();
  if (s.code() == StatusCode::kConflict) return Conflict("agent " + agent.id + " already exists");
  if (s.code() == StatusCode::kNotFound) return NotFound("account " + agent.account_id + " not found");
  return s;
}

Result<Agent> PostgresStore::GetAgent(const std::string& account_id, const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectAgent, Params().Add(agent_id).Add(account_id)));
  if (rows.size() == 0) return NotFound("agent " + agent_id + " not found");
  return pg::ReadAgent(Row(rows, 0), options_.secret_box);
}

Result<std::vector<Agent>> PostgresStore::ListAgents(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectAgentsOfAccount, Params().Add(account_id)));
  std::vector<Agent> out;
  for (int i = 0; i < rows.size(); ++i) {
    BC_ASSIGN_OR_RETURN(auto agent, pg::ReadAgent(Row(rows, i), options_.secret_box));
    out.push_back(std::move(agent));
  }
  return out;
}

Status PostgresStore::UpdateAgent(const Agent& agent) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Params p;
  pg::AddAgent(p, agent, options_.secret_box);
  BC_ASSIGN_OR_RETURN(auto n, conn->Run(sql::kUpdateAgent, p));
  if (n == 0) return NotFound("agent " + agent.id + " not found");
  return Status::Ok();
}

Status PostgresStore::DeleteAgent(const std::string& account_id, const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    // Locks the agent: an import of this agent in progress finishes first
    // (its batch is then seen below), new ones wait for this transaction.
    BC_ASSIGN_OR_RETURN(auto rows,
                        c.Query(sql::kLockAgentOfAccount, Params().Add(agent_id).Add(account_id)));
    if (rows.size() == 0) return NotFound("agent " + agent_id + " not found");
  }
  {
    BC_ASSIGN_OR_RETURN(auto rows,
                        c.Query(sql::kCountActiveBatchesOfAgent, Params().Add(agent_id)));
    if (int64_t n = rows.Int(0, 0); n > 0) {
      return Conflict("agent " + agent_id + " has " + std::to_string(n) +
                      " scheduled, running or paused batch(es); stop them before deleting the agent");
    }
  }
  BC_ASSIGN_OR_RETURN(auto seqs, c.Query(sql::kSelectBatchSeqsOfAgent, Params().Add(agent_id)));
  for (int i = 0; i < seqs.size(); ++i) {
    const int64_t seq = seqs.Int(i, 0);
    BC_ASSIGN_OR_RETURN(auto in_flight, pg::AnyInFlight(c, seq));
    if (in_flight) return Conflict("agent " + agent_id + " still has calls in flight");
    BC_RETURN_IF_ERROR(pg::DeleteBatchRows(c, seq));
  }
  BC_RETURN_IF_ERROR(c.Run(sql::kDeleteAgent, Params().Add(agent_id).Add(account_id)).status());
  return txn.Commit();
}

Result<Agent> PostgresStore::FindAgentByName(const std::string& account_id, const std::string& name) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectAgentByName, Params().Add(account_id).Add(name)));
  if (rows.size() == 0) return NotFound("agent named " + name + " not found");
  return pg::ReadAgent(Row(rows, 0), options_.secret_box);
}

}  // namespace batchcall
