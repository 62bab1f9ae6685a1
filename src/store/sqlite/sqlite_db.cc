#include "store/sqlite/sqlite_db.h"

#include <algorithm>
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

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = ErrorStatus(db, rc, "cannot open " + options.path);
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<Connection> conn(new Connection(db));
  conn->write_gate_ = options.write_gate;
  conn->busy_timeout_ = std::chrono::milliseconds(options.busy_timeout_ms);
  BC_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL"));
  std::string cache = "PRAGMA cache_size = -" + std::to_string(options.cache_kib);
  BC_RETURN_IF_ERROR(conn->Exec(cache.c_str()));
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

bool WriteGate::Enter(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!busy_ && waiters_.empty()) {
    busy_ = true;
    return true;
  }
  Waiter me;
  waiters_.push_back(&me);
  if (me.cv.wait_for(lock, timeout, [&] { return me.admitted; })) return true;
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
  return false;
}

void WriteGate::Leave() {
  std::lock_guard lock(mu_);
  if (waiters_.empty()) {
    busy_ = false;
    return;
  }
  Waiter* next = waiters_.front();  // busy_ passes to it
  waiters_.pop_front();
  next->admitted = true;
  next->cv.notify_one();
}

Transaction::~Transaction() {
  if (open_) (void)conn_.Exec("ROLLBACK");
  LeaveGate();
}

void Transaction::LeaveGate() {
  if (in_gate_) conn_.write_gate()->Leave();
  in_gate_ = false;
}

Status Transaction::Begin(bool immediate) {
  if (immediate && conn_.write_gate() != nullptr) {
    if (!conn_.write_gate()->Enter(conn_.busy_timeout()))
      return Unavailable("the database is busy (waited for the other writers of this process)");
    in_gate_ = true;
  }
  Status s = conn_.Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!s.ok()) {
    LeaveGate();
    return s;
  }
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Status s = conn_.Exec("COMMIT");
  if (s.ok()) {
    open_ = false;
    LeaveGate();
  }
  return s;
}

}  // namespace batchcall::sqlite
