// PostgresStore: the Store implementation on PostgreSQL, declared for the
// backend's source files (pg_store.cc: open, migrations, accounts, keys,
// agents; pg_batches.cc / pg_import.cc: batches, imports, executions,
// rejects; pg_engine.cc / pg_calls.cc: the engine; pg_webhooks.cc; pg_dnc.cc).
// Private header: other modules use OpenPostgresStore (pg_store.h).
//
// Thread-safety: every method may be called concurrently from any thread (a
// pool of connections, one per call; each write runs in one transaction). A
// BatchImport owns a connection of its own for the whole upload.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "store/store.h"

namespace batchcall {

class PostgresStore final : public Store {
 public:
  // Connects, applies pending migrations under an advisory lock (several
  // nodes may open at once). InvalidArgument when the database has a schema
  // version newer than this binary knows; Unavailable when it cannot connect.
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresStoreOptions& options);
  ~PostgresStore() override;

  // The newest schema version this binary knows.
  static int LatestSchemaVersion();

  // Test hook only (not part of Store): sets one execution's status
  // directly, bypassing every rule. NotFound for an unknown id.
  Status SetExecutionStatusForTesting(const std::string& execution_id, ExecutionStatus status, TimePoint now);

  // Every Store method (defined across pg_*.cc, see the opening comment).
#include "store/store_overrides.inc"

 private:
  explicit PostgresStore(const PostgresStoreOptions& options);
  pg::ConnectionOptions ConnOptions() const;
  // RescheduleExecutions (cancel false) and CancelExecutions (true).
  Status HoldExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker, TimePoint now, bool cancel);

  PostgresStoreOptions options_;
  std::unique_ptr<pg::ConnectionPool> pool_;
};

}  // namespace batchcall
