// Thin RAII layer over the SQLite C API: a connection with a
// prepared-statement cache, a statement cursor and a transaction guard.
// Used by the SQLite store (store/sqlite/sqlite_db.h adds its write gate and
// connection pool) and by the simulator's record index; it knows neither.
//
// The seam with the store: a connection may be given a WriteOrder, which its
// BEGIN IMMEDIATE transactions enter before they ask SQLite for the write
// lock and leave when they end. How the turns are ordered (the store's FIFO
// WriteGate, for the writers of its pool) stays with whoever supplies it;
// without one a transaction is plain BEGIN ... COMMIT.
//
// Thread-safety: a Connection (and its statements and transactions) is used
// by one thread at a time; distinct connections may be used concurrently.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace batchcall::sqlite {

// Maps a SQLite result code to a Status: busy/locked -> Unavailable,
// unique/primary-key violations -> Conflict, foreign-key violations ->
// NotFound, everything else -> Internal. `what` names the operation.
Status ErrorStatus(sqlite3* db, int rc, std::string_view what);

// Takes turns for the write transactions of several connections of one
// process before they ask SQLite for its write lock. Implementations are
// thread-safe.
class WriteOrder {
 public:
  virtual ~WriteOrder() = default;
  // Blocks until the caller's turn, or until `timeout` has passed (false:
  // the caller did not enter).
  virtual bool Enter(std::chrono::milliseconds timeout) = 0;
  // Ends the turn of a caller that entered.
  virtual void Leave() = 0;
};

struct ConnectionOptions {
  // Database file; created when missing (its directory must exist).
  std::string path;
  // How long a statement waits for a lock held by another connection, and
  // a write transaction for its turn in `write_order`.
  int busy_timeout_ms = 30000;
  int64_t cache_kib = 32 * 1024;  // page cache of this connection
  // Entered by this connection's BEGIN IMMEDIATE transactions; may be null
  // (no ordering). Usually shared by several connections.
  std::shared_ptr<WriteOrder> write_order;
};

class Statement;

// One open database handle, configured with foreign keys on,
// synchronous=NORMAL, the page cache and the busy timeout.
class Connection {
 public:
  // Failures: ErrorStatus of the call that failed (the file cannot be
  // opened, is not a database, ...). When `sqlite_rc` is given it receives
  // that call's (extended) SQLite result code, for callers that tell a file
  // that is not a database (SQLITE_NOTADB, SQLITE_CORRUPT) from one they
  // cannot reach.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options, int* sqlite_rc = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters (DDL, PRAGMA, BEGIN...).
  Status Exec(const char* sql);
  // The cached prepared statement for `sql` (keyed by the pointer: pass
  // string constants). The statement is reset when the returned cursor is
  // destroyed; at most one cursor per SQL text may be alive.
  Result<Statement> Prepare(const char* sql);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }
  // For a connection pool (store/connection_pool.h): an SQLite connection
  // is always reusable.
  bool ReadyForReuse() { return true; }
  WriteOrder* write_order() const { return write_order_.get(); }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::shared_ptr<WriteOrder> write_order_;
  std::chrono::milliseconds busy_timeout_{0};
};

// A cursor over one cached prepared statement. Bind indexes are 1-based.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), bind_rc_(o.bind_rc_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Statement& Bind(int i, bool v) { return Bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view v);  // copied
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  // Binds without copying: `v` must stay valid until the statement is reset.
  Statement& BindStatic(int i, std::string_view v);
  Statement& BindNull(int i);
  template <typename T>
  Statement& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Advances: true with a row, false when done, or a failure.
  Result<bool> Step();
  // Steps a statement that returns no rows, then resets it for reuse (the
  // bindings stay).
  Status Run();
  // Steps once; NotFound(`not_found`) when there is no row.
  Status StepRow(const std::string& not_found);

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  std::string_view TextView(int col) const;  // valid until the next Step()

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first bind failure, reported by Step()
};

// Steps `st` to the end, calling f(st) for each row; f returns a Status and
// a failure stops the walk.
template <typename F>
Status ForEachRow(Statement& st, F&& f) {
  for (;;) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    BC_RETURN_IF_ERROR(f(st));
  }
}

// BEGIN [IMMEDIATE] ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // immediate: takes the write lock now (every writing transaction does, so
  // that a read-then-write never fails on a stale snapshot), after its turn
  // in the connection's WriteOrder if it has one (Unavailable when the turn
  // does not come within the busy timeout). Otherwise a read transaction:
  // one consistent snapshot for several statements.
  Status Begin(bool immediate = true);
  Status Commit();

 private:
  void LeaveTurn();

  Connection& conn_;
  bool open_ = false;
  bool in_turn_ = false;  // entered conn_'s write order
};

}  // namespace batchcall::sqlite
