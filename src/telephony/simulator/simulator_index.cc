#include "telephony/simulator/simulator_index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "telephony/simulator/simulator_record.h"

namespace batchcall::sim {
namespace {

constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA cache_size=-2048;"  // 2 MiB: lookups touch a few pages
    "CREATE TABLE IF NOT EXISTS meta(id INTEGER PRIMARY KEY CHECK (id = 1), dev INTEGER NOT NULL,"
    "  ino INTEGER NOT NULL, upto INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS calls(key TEXT NOT NULL, provider TEXT NOT NULL, offset INTEGER NOT NULL,"
    "  length INTEGER NOT NULL, ended_ms INTEGER, PRIMARY KEY (key, provider)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS calls_unfinished ON calls(offset) WHERE ended_ms IS NULL;";

// A provider's lines and the lines without one (every line for no provider).
#define BC_SIM_PROVIDER_MATCHES(n) "(?" #n " = '' OR provider = ?" #n " OR provider = '')"

constexpr const char* kFind =
    "SELECT offset, length, ended_ms FROM calls WHERE key = ?1 AND " BC_SIM_PROVIDER_MATCHES(2)
    " ORDER BY offset LIMIT 1";
constexpr const char* kUnfinished =
    "SELECT offset, length FROM calls WHERE ended_ms IS NULL AND " BC_SIM_PROVIDER_MATCHES(1) " ORDER BY offset";
constexpr const char* kInsertPlaced = "INSERT OR IGNORE INTO calls VALUES (?1, ?2, ?3, ?4, NULL)";
constexpr const char* kSetEnded =
    "UPDATE calls SET ended_ms = ?3 WHERE key = ?1 AND " BC_SIM_PROVIDER_MATCHES(2) " AND ended_ms IS NULL";

#undef BC_SIM_PROVIDER_MATCHES

constexpr const char* kMeta = "SELECT dev, ino, upto FROM meta";
constexpr const char* kSaveMeta = "INSERT OR REPLACE INTO meta VALUES (1, ?1, ?2, ?3)";

Status SqlError(sqlite3* db, const std::string& path, std::string_view what) {
  return Unavailable(std::string("simulator record index ")
                         .append(path)
                         .append(": ")
                         .append(what)
                         .append(": ")
                         .append(sqlite3_errmsg(db)));
}

}  // namespace

// A cursor over one of the index's cached statements: reset, and its
// bindings cleared, when it goes out of scope (or by Reset()).
class RecordIndex::Query {
 public:
  Query(sqlite3_stmt* stmt, int rc) : stmt_(stmt), rc_(rc) {}
  ~Query() { Reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Query& Bind(int i, std::string_view v) {
    if (ok()) rc_ = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Query& Bind(int i, int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error.
  int Step() { return ok() ? sqlite3_step(stmt_) : rc_; }
  void Reset() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
  int rc_;
};

std::string RecordIndex::PathFor(const std::string& record_path) { return record_path + ".index"; }

Result<std::unique_ptr<RecordIndex>> RecordIndex::Open(const std::string& record_path) {
  const std::string path = PathFor(record_path);
  int fd = ::open(record_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Unavailable(std::string("cannot read the simulator record file ")
                           .append(record_path)
                           .append(": ")
                           .append(std::strerror(errno)));
  }
  // Derived data: one that cannot be used as a database is built again.
  auto index = std::unique_ptr<RecordIndex>(new RecordIndex(fd, path));
  for (int attempt = 0;; ++attempt) {
    Status opened = index->OpenConnections();
    if (opened.ok()) return index;
    if (attempt > 0 || opened.code() != StatusCode::kInternal)
      return Unavailable(std::string(opened.message()));
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
}

Status RecordIndex::OpenConnections() {
  for (Connection* c : {&writer_, &reader_}) {
    MutexLock lock(c->mu);
    sqlite3_close(c->db);
    c->db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_busy_timeout(c->db, 30000);
      rc = sqlite3_exec(c->db, kSchema, nullptr, nullptr, nullptr);
    }
    if (rc == SQLITE_OK) continue;
    std::string why = c->db ? SqlError(c->db, path_, "cannot open").message() : "simulator record index " + path_ + ": out of memory";
    sqlite3_close(c->db);
    c->db = nullptr;
    // Not a database (or a damaged one): the caller builds it again.
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) return Internal(why);
    return Unavailable(why);
  }
  return Status::Ok();
}

RecordIndex::Connection::~Connection() {
  MutexLock lock(mu);
  for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
  sqlite3_close(db);
}

RecordIndex::~RecordIndex() { ::close(record_fd_); }

RecordIndex::Query RecordIndex::Prepare(Connection& c, const char* sql) {
  auto [it, inserted] = c.cache.emplace(sql, nullptr);
  if (!inserted) return Query(it->second, SQLITE_OK);
  int rc = sqlite3_prepare_v3(c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(it->second);
    c.cache.erase(it);
    return Query(nullptr, rc);
  }
  return Query(it->second, SQLITE_OK);
}

Status RecordIndex::CatchUpLocked() {
  sqlite3* const db = writer_.db;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return SqlError(db, path_, "cannot begin");
  auto rollback = [&](Status s) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  struct stat st {};
  if (::fstat(record_fd_, &st) != 0)
    return rollback(Unavailable(std::string("cannot stat the simulator record: ").append(std::strerror(errno))));
  const auto dev = static_cast<int64_t>(st.st_dev), ino = static_cast<int64_t>(st.st_ino);
  int64_t upto = 0;
  {
    Query meta = Prepare(writer_, kMeta);
    int rc = meta.Step();
    if (rc == SQLITE_ROW && meta.Int(0) == dev && meta.Int(1) == ino && meta.Int(2) <= st.st_size)
      upto = meta.Int(2);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return rollback(SqlError(db, path_, "cannot read"));
  }
  if (upto == 0 && sqlite3_exec(db, "DELETE FROM calls", nullptr, nullptr, nullptr) != SQLITE_OK)
    return rollback(SqlError(db, path_, "cannot reset"));

  Query placed = Prepare(writer_, kInsertPlaced), ended = Prepare(writer_, kSetEnded);
  std::string buf;
  int64_t buf_at = upto;  // record offset of buf[0]
  while (buf_at + static_cast<int64_t>(buf.size()) < st.st_size) {
    size_t have = buf.size();
    size_t want = std::min<int64_t>(1 << 20, st.st_size - buf_at - static_cast<int64_t>(have));
    buf.resize(have + want);
    ssize_t n = ::pread(record_fd_, buf.data() + have, want, buf_at + static_cast<int64_t>(have));
    if (n < 0 && errno == EINTR) {
      buf.resize(have);
      continue;
    }
    if (n <= 0) {
      buf.resize(have);
      break;  // the file shrank meanwhile (or a read error): index what was read
    }
    buf.resize(have + static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end; (end = buf.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view text = std::string_view(buf).substr(start, end - start);
      auto line = ParseRecordLineKeys(text);
      if (!line) continue;
      int rc = SQLITE_DONE;
      if (line->event == "placed") {
        rc = placed.Bind(1, line->key)
                 .Bind(2, line->provider)
                 .Bind(3, buf_at + static_cast<int64_t>(start))
                 .Bind(4, static_cast<int64_t>(text.size()))
                 .Step();
        placed.Reset();
      } else if (line->event == "ended") {
        rc = ended.Bind(1, line->key).Bind(2, line->provider).Bind(3, line->at_ms).Step();
        ended.Reset();
      }
      if (rc != SQLITE_DONE) return rollback(SqlError(db, path_, "cannot index"));
    }
    buf.erase(0, start);  // keep the incomplete last line for the next read
    buf_at += static_cast<int64_t>(start);
  }
  Query save = Prepare(writer_, kSaveMeta);
  if (save.Bind(1, dev).Bind(2, ino).Bind(3, buf_at).Step() != SQLITE_DONE)
    return rollback(SqlError(db, path_, "cannot save"));
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return rollback(SqlError(db, path_, "cannot commit"));
  return Status::Ok();
}

Result<int64_t> RecordIndex::CatchUp() {
  MutexLock lock(writer_.mu);
  BC_RETURN_IF_ERROR(CatchUpLocked());
  Query meta = Prepare(writer_, kMeta);
  return meta.Step() == SQLITE_ROW ? meta.Int(2) : 0;
}

Result<std::optional<IndexedCall>> RecordIndex::Find(std::string_view key, std::string_view provider) {
  MutexLock lock(reader_.mu);
  Query q = Prepare(reader_, kFind);
  int rc = q.Bind(1, key).Bind(2, provider).Step();
  if (rc == SQLITE_DONE) return std::optional<IndexedCall>();
  if (rc != SQLITE_ROW) return SqlError(reader_.db, path_, "cannot look up");
  IndexedCall c{q.Int(0), q.Int(1), std::nullopt};
  if (!q.IsNull(2)) c.ended_ms = q.Int(2);
  return std::optional<IndexedCall>(c);
}

Result<std::vector<IndexedCall>> RecordIndex::Unfinished(std::string_view provider) {
  MutexLock lock(reader_.mu);
  Query q = Prepare(reader_, kUnfinished);
  q.Bind(1, provider);
  std::vector<IndexedCall> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back({q.Int(0), q.Int(1), std::nullopt});
  if (rc != SQLITE_DONE) return SqlError(reader_.db, path_, "cannot list");
  return out;
}

Result<SimulatorRecordLine> RecordIndex::ReadPlaced(const IndexedCall& call) {
  std::string text(static_cast<size_t>(call.length), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::pread(record_fd_, text.data() + got, text.size() - got, call.offset + static_cast<int64_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  auto line = got == text.size() ? ParseRecordLine(text) : std::nullopt;
  if (!line || line->event != "placed")
    return Internal("the simulator record changed under its index " + path_);
  return std::move(*line);
}

}  // namespace batchcall::sim
