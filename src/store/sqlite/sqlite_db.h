// Thin RAII layer over the SQLite C API for the SQLite store: a connection
// with a prepared-statement cache, a statement cursor, a transaction guard
// and a connection pool.
//
// Thread-safety: a Connection (and its statements and transactions) is used
// by one thread at a time; ConnectionPool is thread-safe.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/connection_pool.h"

namespace batchcall::sqlite {

// Maps a SQLite result code to a Status: busy/locked -> Unavailable,
// unique/primary-key violations -> Conflict, foreign-key violations ->
// NotFound, everything else -> Internal. `what` names the operation.
Status ErrorStatus(sqlite3* db, int rc, std::string_view what);

// The write transactions of one store's connections take SQLite's write
// lock in arrival order. Without it a waiter polls the lock through SQLite's
// busy handler (sleeps of 1 to 100 ms) and can lose it, again and again, to
// a writer that begins its next short transaction at once (an upload's
// writes), until busy_timeout_ms fails it. Thread-safe.
class WriteGate {
 public:
  // Blocks until every Enter() before it has been followed by its Leave(),
  // or `timeout` has passed (false: the caller did not enter).
  bool Enter(std::chrono::milliseconds timeout);
  void Leave();
  // How many callers wait in Enter() (for tests).
  size_t Waiting() {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool admitted = false;
  };
  std::mutex mu_;
  bool busy_ = false;            // guarded by mu_
  std::deque<Waiter*> waiters_;  // guarded by mu_
};

struct ConnectionOptions {
  std::string path;
  int busy_timeout_ms = 30000;
  int64_t cache_kib = 32 * 1024;  // page cache of this connection
  // Shared by the store's connections (may be null: no ordering).
  std::shared_ptr<WriteGate> write_gate;
};

class Statement;

// One open database handle, configured with foreign keys on,
// synchronous=NORMAL and the busy timeout.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters (DDL, PRAGMA, BEGIN...).
  Status Exec(const char* sql);
  // The cached prepared statement for `sql` (keyed by the pointer: pass the
  // constants of sqlite_sql.h). The statement is reset when the returned
  // cursor is destroyed; at most one cursor per SQL text may be alive.
  Result<Statement> Prepare(const char* sql);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() { return db_; }
  // For ConnectionPool: an SQLite connection is always reusable.
  bool ReadyForReuse() { return true; }
  WriteGate* write_gate() const { return write_gate_.get(); }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::shared_ptr<WriteGate> write_gate_;
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
  // that a read-then-write never fails on a stale snapshot). Otherwise a read
  // transaction: one consistent snapshot for several statements.
  Status Begin(bool immediate = true);
  Status Commit();

 private:
  void LeaveGate();

  Connection& conn_;
  bool open_ = false;
  bool in_gate_ = false;  // entered conn_'s write gate
};

// Up to `max_size` connections, opened on demand and reused. Acquire()
// blocks while all are checked out.
class ConnectionPool : public store::ConnectionPool<Connection, ConnectionOptions> {
 public:
  using store::ConnectionPool<Connection, ConnectionOptions>::ConnectionPool;
};


}  // namespace batchcall::sqlite
