// Thin RAII layer over libpq for the PostgreSQL store: a connection with
// per-connection prepared statements, parameter lists (always bound, never
// spliced into SQL), result rows, a transaction guard, COPY FROM STDIN and a
// connection pool.
//
// Thread-safety: a Connection (and its transactions) is used by one thread at
// a time; ConnectionPool is thread-safe.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/connection_pool.h"

namespace batchcall::pg {

// Maps a failed result to a Status by SQLSTATE: 23505 (unique) -> Conflict,
// 23503 (foreign key) -> NotFound, 40001/40P01 (serialization, deadlock),
// 55P03 (lock not available), 57014 (statement timeout) and class 08
// (connection) -> Unavailable, anything else -> Internal. `what` names the
// operation; the server's message is appended (it never contains bound
// parameter values).
Status ErrorStatus(const PGresult* result, PGconn* conn, std::string_view what);

struct ConnectionOptions {
  std::string url;  // postgresql://user@host:port/db?...
  std::chrono::milliseconds statement_timeout{30'000};
  std::chrono::milliseconds lock_timeout{10'000};
  std::chrono::seconds connect_timeout{10};
};

// Parameters of one statement, in text format ($1, $2, ...).
class Params {
 public:
  Params& Add(int64_t v);
  Params& Add(int v) { return Add(static_cast<int64_t>(v)); }
  Params& Add(double v);
  Params& Add(bool v);
  Params& Add(std::string_view v);  // copied
  Params& Add(const char* v) { return Add(std::string_view(v)); }
  Params& Add(const std::string& v) { return Add(std::string_view(v)); }
  Params& AddNull();
  template <typename T>
  Params& Add(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }
  int size() const { return static_cast<int>(values_.size()); }
  // For PQexecPrepared.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one result (owned; freed on destruction). Row/column 0-based.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept;
  ~Rows();
  int size() const { return r_ ? PQntuples(r_) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  int64_t Int(int row, int col) const;     // 0 when NULL
  double Double(int row, int col) const;   // 0 when NULL
  bool Bool(int row, int col) const;       // "t" / "true" / "1"
  std::string Text(int row, int col) const { return std::string(TextView(row, col)); }
  std::string_view TextView(int row, int col) const;  // valid while Rows lives
  int64_t AffectedRows() const;            // for INSERT/UPDATE/DELETE

 private:
  PGresult* r_;
};

class Connection {
 public:
  // Connects and sets statement_timeout, lock_timeout and TimeZone=UTC.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters (may hold several statements: DDL, BEGIN...).
  Status Exec(const char* sql);
  // Runs one parameterised statement. The statement is prepared once per
  // connection, keyed by the `sql` pointer (pass the constants of pg_sql.h).
  Result<Rows> Query(const char* sql, const Params& params);
  // Query for statements returning no rows; returns the affected row count.
  Result<int64_t> Run(const char* sql, const Params& params);

  // COPY ... FROM STDIN (text format): Begin, Put any number of times, End.
  Status CopyBegin(const char* copy_sql);
  Status CopyPut(std::string_view data);
  Status CopyEnd();

  // True when the connection is unusable (the pool then discards it).
  bool Broken() const;
  PGconn* raw() { return conn_; }
  // For ConnectionPool: rolls back a transaction a caller left open (it
  // bailed out early); false when the connection is broken or still not idle.
  bool ReadyForReuse();

 private:
  explicit Connection(PGconn* c) : conn_(c) {}
  PGconn* conn_;
  std::unordered_map<const char*, std::string> prepared_;  // sql pointer -> statement name
};

// BEGIN ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // isolation: "READ COMMITTED" (default) or "REPEATABLE READ" / "SERIALIZABLE".
  Status Begin(const char* isolation = "READ COMMITTED");
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

// Escapes text for COPY's text format (backslash, tab, newline, carriage return).
void AppendCopyField(std::string& out, std::string_view value);

// Up to `max_size` connections, opened on demand and reused; broken ones are
// dropped. Acquire() blocks while all are checked out.
class ConnectionPool : public store::ConnectionPool<Connection, ConnectionOptions> {
 public:
  using store::ConnectionPool<Connection, ConnectionOptions>::ConnectionPool;
};

}  // namespace batchcall::pg
