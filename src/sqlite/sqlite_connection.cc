#include "sqlite/sqlite_connection.h"

#include <string>

namespace batchcall::sqlite {

Status ErrorStatus(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message.append(": ").append(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("the database is busy (" + message + ")");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return Conflict(message);
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return NotFound(message);
      return Internal(message);
    default:
      return Internal(message);
  }
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options, int* sqlite_rc) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    if (sqlite_rc) *sqlite_rc = rc;
    Status s = ErrorStatus(db, rc, "cannot open " + options.path);
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<Connection> conn(new Connection(db));
  conn->write_order_ = options.write_order;
  conn->busy_timeout_ = std::chrono::milliseconds(options.busy_timeout_ms);
  const std::string cache = "PRAGMA cache_size = -" + std::to_string(options.cache_kib);
  for (const char* sql : {"PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", cache.c_str()}) {
    Status s = conn->Exec(sql);
    if (s.ok()) continue;
    if (sqlite_rc) *sqlite_rc = sqlite3_extended_errcode(db);
    return s;
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string what = err ? err : "exec";
  sqlite3_free(err);
  return ErrorStatus(db_, rc, what);
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return ErrorStatus(db_, rc, "prepare");
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

Statement::~Statement() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int i, double v) {
  int rc = sqlite3_bind_double(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindStatic(int i, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindNull(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return ErrorStatus(db_, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(db_, rc, "step");
}

Status Statement::Run() {
  auto r = Step();
  sqlite3_reset(stmt_);
  return r.status();
}

Status Statement::StepRow(const std::string& not_found) {
  BC_ASSIGN_OR_RETURN(auto r, Step());
  return r ? Status::Ok() : NotFound(not_found);
}

std::string_view Statement::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string_view(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col));
}

std::string Statement::Text(int col) const { return std::string(TextView(col)); }

Transaction::~Transaction() {
  if (open_) (void)conn_.Exec("ROLLBACK");
  LeaveTurn();
}

void Transaction::LeaveTurn() {
  if (in_turn_) conn_.write_order()->Leave();
  in_turn_ = false;
}

Status Transaction::Begin(bool immediate) {
  if (immediate && conn_.write_order() != nullptr) {
    if (!conn_.write_order()->Enter(conn_.busy_timeout()))
      return Unavailable("the database is busy (waited for the other writers of this process)");
    in_turn_ = true;
  }
  Status s = conn_.Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!s.ok()) {
    LeaveTurn();
    return s;
  }
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Status s = conn_.Exec("COMMIT");
  if (s.ok()) {
    open_ = false;
    LeaveTurn();
  }
  return s;
}

}  // namespace batchcall::sqlite
