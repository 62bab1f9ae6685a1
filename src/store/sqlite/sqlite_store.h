// SqliteStore: the embedded Store backend, one SQLite file in WAL mode.
//
// Thread-safety: every method may be called concurrently from any thread
// (a pool of connections; writes run in BEGIN IMMEDIATE transactions, so
// writers queue on SQLite's single write lock for up to busy_timeout_ms and
// then fail with Unavailable; a WriteGate hands the lock out in arrival
// order). A BatchImport owns a connection of its own (and threads of its
// own: a writer and a checkpointer) and never holds the write lock between
// its short write transactions; concurrent uploads run side by side.
//
// Engine writes (claims, attempt starts, call updates) each run in one
// BEGIN IMMEDIATE transaction per call, however many rows they carry.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/crypto.h"
#include "store/store.h"

namespace batchcall {

namespace sqlite {
class ConnectionPool;
class WriteGate;
}

struct SqliteStoreOptions {
  // Database file; created when missing (its directory must exist).
  std::string path;
  // When set, Agent::provider is sealed at rest with it and opened on read.
  // Not owned; must outlive the store.
  const SecretBox* secret_box = nullptr;
  // How long a statement waits for a lock held by another connection.
  int busy_timeout_ms = 30000;
  // Connections kept for concurrent readers and writers (imports have their own).
  int pool_size = 4;
  // This node's name (ServerOptions node id). Imports are stored under it;
  // Open deletes the imports a previous run under the same name left
  // unfinished (kill -9). Empty (tools, tests): only imports nobody has
  // written for 10 minutes are deleted.
  std::string node_id;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating) the file, enables WAL, and applies pending schema
  // migrations in one transaction. InvalidArgument when the database was
  // written by a newer batchcall (a schema version this binary does not
  // know); Internal/Unavailable when the file cannot be opened or migrated.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;

  // The newest schema version this binary knows.
  static int LatestSchemaVersion();

  // Test hook only (not part of Store): sets one execution's status
  // directly, bypassing every rule. NotFound for an unknown id.
  Status SetExecutionStatusForTesting(const std::string& execution_id, ExecutionStatus status,
                                      TimePoint now);
  // Benchmark hook only (bench/decision_bench.cc): writes `dials` dials of
  // `distinct` numbers (number_of(i)) into the account's history, spread
  // over the week before `now`, in one transaction.
  Status FillDialHistoryForBenchmark(const std::string& account_id, int64_t dials, int64_t distinct, TimePoint now,
                                     const std::function<std::string(uint64_t)>& number_of);

  // Every Store method (defined across sqlite_*.cc, see README.md).
#include "store/store_overrides.inc"

 private:
  explicit SqliteStore(const SqliteStoreOptions& options);
  // RescheduleExecutions (cancel false) and CancelExecutions (true).
  Status HoldExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker, TimePoint now, bool cancel);
  Result<std::vector<std::string>> BeginAttemptsImpl(const std::vector<AttemptStart>& starts,
                                                     const std::string& worker, TimePoint now,
                                                     const DialLimits* limits);
  // Deletes, in short transactions, the imports nobody has written for long
  // and, with include_own (at Open only: this node's imports are live after
  // it), those stored under options_.node_id (sqlite_import.cc).
  Status DiscardAbandonedImports(bool include_own);

  SqliteStoreOptions options_;
  // Orders the write transactions of every connection below (sqlite_db.h).
  std::shared_ptr<sqlite::WriteGate> write_gate_;
  std::unique_ptr<sqlite::ConnectionPool> pool_;
};

}  // namespace batchcall
