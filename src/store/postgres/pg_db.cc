#include "store/postgres/pg_db.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace batchcall::pg {
namespace {

// libpq prints NOTICEs to stderr by default; the store has no use for them.
void IgnoreNotice(void*, const char*) {}

std::string TrimmedMessage(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Owns a PGresult for the duration of a check.
struct ResultGuard {
  PGresult* r;
  ~ResultGuard() {
    if (r) PQclear(r);
  }
};

}  // namespace

Status ErrorStatus(const PGresult* result, PGconn* conn, std::string_view what) {
  std::string message(what);
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string server = result ? TrimmedMessage(PQresultErrorMessage(result)) : "";
  if (server.empty() && conn) server = TrimmedMessage(PQerrorMessage(conn));
  if (!server.empty()) message.append(": ").append(server);
  if (!state) {
    // No SQLSTATE: the failure happened on the client side or the link.
    if (!conn || PQstatus(conn) != CONNECTION_OK) return Unavailable("database connection lost (" + message + ")");
    return Internal(message);
  }
  std::string_view code(state);
  if (code == "23505") return Conflict(message);
  if (code == "23503") return NotFound(message);
  if (code == "40001" || code == "40P01" || code == "55P03" || code == "57014" || code.substr(0, 2) == "08" ||
      code == "57P01" || code == "57P02" || code == "57P03") {
    return Unavailable("the database is busy or unreachable (" + message + ")");
  }
  return Internal(message);
}

// --- Params

Params& Params::Add(int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}

Params& Params::Add(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  values_.emplace_back(ec == std::errc() ? std::string(buf, end) : std::to_string(v));
  return *this;
}

Params& Params::Add(bool v) {
  values_.emplace_back(v ? "t" : "f");
  return *this;
}

Params& Params::Add(std::string_view v) {
  values_.emplace_back(std::string(v));
  return *this;
}

Params& Params::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> Params::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// --- Rows

Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

Rows::~Rows() {
  if (r_) PQclear(r_);
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

double Rows::Double(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtod(PQgetvalue(r_, row, col), nullptr);
}

bool Rows::Bool(int row, int col) const {
  if (IsNull(row, col)) return false;
  std::string_view v = TextView(row, col);
  return v == "t" || v == "true" || v == "1";
}

std::string_view Rows::TextView(int row, int col) const {
  return std::string_view(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}

int64_t Rows::AffectedRows() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_);
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

// --- Connection

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  std::string timeout = std::to_string(options.connect_timeout.count());
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {options.url.c_str(), timeout.c_str(), "batchcall", nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!raw) return Unavailable("cannot allocate a PostgreSQL connection");
  if (PQstatus(raw) != CONNECTION_OK) {
    Status s = Unavailable("cannot connect to PostgreSQL: " + TrimmedMessage(PQerrorMessage(raw)));
    PQfinish(raw);
    return s;
  }
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  std::unique_ptr<Connection> conn(new Connection(raw));
  std::string setup = "SET statement_timeout = " + std::to_string(options.statement_timeout.count()) +
                      "; SET lock_timeout = " + std::to_string(options.lock_timeout.count()) +
                      "; SET TimeZone = 'UTC'; SET client_min_messages = warning";
  BC_RETURN_IF_ERROR(conn->Exec(setup.c_str()));
  return conn;
}

Connection::~Connection() { PQfinish(conn_); }

Status Connection::Exec(const char* sql) {
  ResultGuard g{PQexec(conn_, sql)};
  ExecStatusType st = g.r ? PQresultStatus(g.r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return Status::Ok();
  return ErrorStatus(g.r, conn_, "exec");
}

Result<Rows> Connection::Query(const char* sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    ResultGuard g{PQprepare(conn_, name.c_str(), sql, 0, nullptr)};
    if (!g.r || PQresultStatus(g.r) != PGRES_COMMAND_OK) return ErrorStatus(g.r, conn_, "prepare");
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values = params.Pointers();
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(), nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    ResultGuard g{r};
    return ErrorStatus(r, conn_, "query");
  }
  return Rows(r);
}

Result<int64_t> Connection::Run(const char* sql, const Params& params) {
  BC_ASSIGN_OR_RETURN(auto rows, Query(sql, params));
  return rows.AffectedRows();
}

Status Connection::CopyBegin(const char* copy_sql) {
  ResultGuard g{PQexec(conn_, copy_sql)};
  if (g.r && PQresultStatus(g.r) == PGRES_COPY_IN) return Status::Ok();
  return ErrorStatus(g.r, conn_, "copy");
}

Status Connection::CopyPut(std::string_view data) {
  if (data.empty()) return Status::Ok();
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) == 1) return Status::Ok();
  return ErrorStatus(nullptr, conn_, "copy data");
}

Status Connection::CopyEnd() {
  if (PQputCopyEnd(conn_, nullptr) != 1) return ErrorStatus(nullptr, conn_, "copy end");
  Status out = Status::Ok();
  while (PGresult* r = PQgetResult(conn_)) {
    ResultGuard g{r};
    if (PQresultStatus(r) != PGRES_COMMAND_OK && out.ok()) out = ErrorStatus(r, conn_, "copy");
  }
  return out;
}

bool Connection::Broken() const {
  if (PQstatus(conn_) != CONNECTION_OK) return true;
  PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_ACTIVE || t == PQTRANS_UNKNOWN;
}

// --- Transaction

Transaction::~Transaction() {
  if (open_) (void)conn_.Exec("ROLLBACK");
}

Status Transaction::Begin(const char* isolation) {
  std::string sql = std::string("BEGIN ISOLATION LEVEL ") + isolation;
  BC_RETURN_IF_ERROR(conn_.Exec(sql.c_str()));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  if (!open_) return Internal("commit without an open transaction");
  // COMMIT of a transaction that already failed answers ROLLBACK without an
  // error; report it as the failure it is.
  if (PQtransactionStatus(conn_.raw()) == PQTRANS_INERROR) {
    (void)conn_.Exec("ROLLBACK");
    open_ = false;
    return Internal("commit of a failed transaction");
  }
  ResultGuard g{PQexec(conn_.raw(), "COMMIT")};
  open_ = PQtransactionStatus(conn_.raw()) != PQTRANS_IDLE;
  if (!g.r || PQresultStatus(g.r) != PGRES_COMMAND_OK) return ErrorStatus(g.r, conn_.raw(), "commit");
  if (std::strcmp(PQcmdStatus(g.r), "COMMIT") != 0) return Unavailable("transaction rolled back at commit");
  return Status::Ok();
}

// --- COPY text format

void AppendCopyField(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

// --- ConnectionPool

bool Connection::ReadyForReuse() {
  if (!Broken() && PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Exec("ROLLBACK");
  return !Broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

}  // namespace batchcall::pg
