#include "telephony/simulator/simulator_index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sqlite/sqlite_connection.h"
#include "telephony/simulator/simulator_record.h"

namespace batchcall::sim {
namespace {

// Run on each connection after sqlite::Connection::Open (which sets
// synchronous=NORMAL, the page cache and the busy timeout).
constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL;"
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

// `s` as a failure of `what` on the index at `path`: always Unavailable,
// naming the index file.
Status OnIndex(const std::string& path, std::string_view what, Status s) {
  if (s.ok()) return s;
  return Unavailable(std::string("simulator record index ")
                         .append(path)
                         .append(": ")
                         .append(what)
                         .append(": ")
                         .append(s.message()));
}

template <typename T>
Result<T> OnIndex(const std::string& path, std::string_view what, Result<T> r) {
  if (r.ok()) return r;
  return OnIndex(path, what, r.status());
}

}  // namespace

std::string RecordIndex::PathFor(const std::string& record_path) { return record_path + ".index"; }

RecordIndex::RecordIndex(int record_fd, std::string path) : record_fd_(record_fd), path_(std::move(path)) {}

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
  sqlite::ConnectionOptions options;
  options.path = path_;
  options.busy_timeout_ms = 30000;
  options.cache_kib = 2 * 1024;  // lookups touch a few pages
  for (LockedConnection* c : {&writer_, &reader_}) {
    MutexLock lock(c->mu);
    c->db.reset();
    int rc = SQLITE_OK;
    auto db = sqlite::Connection::Open(options, &rc);
    Status s = db.ok() ? (*db)->Exec(kSchema) : db.status();
    if (s.ok()) {
      c->db = std::move(*db);
      continue;
    }
    if (db.ok()) rc = sqlite3_extended_errcode((*db)->raw());
    s = OnIndex(path_, "cannot open", std::move(s));
    // Not a database (or a damaged one): the caller builds it again.
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) return Internal(s.message());
    return s;
  }
  return Status::Ok();
}

RecordIndex::~RecordIndex() { ::close(record_fd_); }

Status RecordIndex::CatchUpLocked() {
  sqlite::Connection& db = *writer_.db;
  sqlite::Transaction txn(db);  // rolled back unless committed
  BC_RETURN_IF_ERROR(OnIndex(path_, "cannot begin", txn.Begin(/*immediate=*/true)));
  struct stat st {};
  if (::fstat(record_fd_, &st) != 0)
    return Unavailable(std::string("cannot stat the simulator record: ").append(std::strerror(errno)));
  const auto dev = static_cast<int64_t>(st.st_dev), ino = static_cast<int64_t>(st.st_ino);
  int64_t upto = 0;
  {
    BC_ASSIGN_OR_RETURN(auto meta, OnIndex(path_, "cannot read", db.Prepare(kMeta)));
    BC_ASSIGN_OR_RETURN(bool row, OnIndex(path_, "cannot read", meta.Step()));
    if (row && meta.Int(0) == dev && meta.Int(1) == ino && meta.Int(2) <= st.st_size) upto = meta.Int(2);
  }
  if (upto == 0) BC_RETURN_IF_ERROR(OnIndex(path_, "cannot reset", db.Exec("DELETE FROM calls")));

  BC_ASSIGN_OR_RETURN(auto placed, OnIndex(path_, "cannot index", db.Prepare(kInsertPlaced)));
  BC_ASSIGN_OR_RETURN(auto ended, OnIndex(path_, "cannot index", db.Prepare(kSetEnded)));
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
      // The views bound without copying stay valid until Run() resets the statement.
      Status indexed = Status::Ok();
      if (line->event == "placed") {
        indexed = placed.BindStatic(1, line->key)
                      .BindStatic(2, line->provider)
                      .Bind(3, buf_at + static_cast<int64_t>(start))
                      .Bind(4, static_cast<int64_t>(text.size()))
                      .Run();
      } else if (line->event == "ended") {
        indexed = ended.BindStatic(1, line->key).BindStatic(2, line->provider).Bind(3, line->at_ms).Run();
      }
      BC_RETURN_IF_ERROR(OnIndex(path_, "cannot index", std::move(indexed)));
    }
    buf.erase(0, start);  // keep the incomplete last line for the next read
    buf_at += static_cast<int64_t>(start);
  }
  BC_ASSIGN_OR_RETURN(auto save, OnIndex(path_, "cannot save", db.Prepare(kSaveMeta)));
  BC_RETURN_IF_ERROR(OnIndex(path_, "cannot save", save.Bind(1, dev).Bind(2, ino).Bind(3, buf_at).Run()));
  return OnIndex(path_, "cannot commit", txn.Commit());
}

Result<int64_t> RecordIndex::CatchUp() {
  MutexLock lock(writer_.mu);
  BC_RETURN_IF_ERROR(CatchUpLocked());
  // The offset the index has read to (0 when it cannot be read back).
  auto meta = writer_.db->Prepare(kMeta);
  auto row = meta.ok() ? meta->Step() : Result<bool>(false);
  return row.ok() && *row ? meta->Int(2) : 0;
}

Result<std::optional<IndexedCall>> RecordIndex::Find(std::string_view key, std::string_view provider) {
  MutexLock lock(reader_.mu);
  BC_ASSIGN_OR_RETURN(auto q, OnIndex(path_, "cannot look up", reader_.db->Prepare(kFind)));
  q.BindStatic(1, key).BindStatic(2, provider);
  BC_ASSIGN_OR_RETURN(bool row, OnIndex(path_, "cannot look up", q.Step()));
  if (!row) return std::optional<IndexedCall>();
  IndexedCall c{q.Int(0), q.Int(1), std::nullopt};
  if (!q.IsNull(2)) c.ended_ms = q.Int(2);
  return std::optional<IndexedCall>(c);
}

Result<std::vector<IndexedCall>> RecordIndex::Unfinished(std::string_view provider) {
  MutexLock lock(reader_.mu);
  BC_ASSIGN_OR_RETURN(auto q, OnIndex(path_, "cannot list", reader_.db->Prepare(kUnfinished)));
  q.BindStatic(1, provider);
  std::vector<IndexedCall> out;
  BC_RETURN_IF_ERROR(OnIndex(path_, "cannot list", sqlite::ForEachRow(q, [&](const sqlite::Statement& row) {
                               out.push_back({row.Int(0), row.Int(1), std::nullopt});
                               return Status::Ok();
                             })));
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
