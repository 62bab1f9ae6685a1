// Measures BatchImport of one big batch on PostgreSQL and on SQLite in the
// same run (issue 6: the PostgreSQL ingest within 1.5x of SQLite's), plus the
// API reads on the PostgreSQL batch. Not a test; run a Release build:
//   store_postgres_import_bench <admin postgresql url> [rows=1000000] [sqlite db=/tmp/bc_pg_bench_sqlite.db]
// A database bc_import_bench is created on the server (replaced if present)
// and dropped at the end; the SQLite file is replaced.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using batchcall::Status;
using WallClock = std::chrono::steady_clock;

double Since(WallClock::time_point t0) { return std::chrono::duration<double>(WallClock::now() - t0).count(); }

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Die(const Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

// Imports `rows` contacts (like the SQLite bench) and returns the wall time; 0 on failure.
double ImportOnce(batchcall::Store& store, int64_t rows, const char* name, std::string* account_id) {
  using namespace batchcall;
  const TimePoint now = FromUnixMillis(1767225600000LL);
  auto account = store.EnsureDefaultAccount(now);
  if (!account.ok()) return Die(account.status(), "account"), 0;
  *account_id = account->id;
  Agent agent;
  agent.id = "00000000-0000-4000-8000-000000000001";
  agent.account_id = account->id;
  agent.name = "bench";
  agent.provider_type = "simulator";
  if (Status s = store.CreateAgent(agent); !s.ok()) return Die(s, "agent"), 0;
  Batch draft;
  draft.id = std::string(32, 'e');
  draft.account_id = account->id;
  draft.agent_id = agent.id;
  draft.created_at = draft.updated_at = now;
  draft.columns = {"name", "city"};

  const double cpu0 = CpuSeconds();
  auto t0 = WallClock::now();
  auto import = store.BeginImport(draft);
  if (!import.ok()) return Die(import.status(), "begin"), 0;
  ContactRow row;
  row.variables = {"", "Springfield"};
  for (int64_t i = 0; i < rows; ++i) {
    row.row_index = i;
    row.line = i + 2;
    row.contact_number = "+1415" + std::to_string(1000000 + i % 9000000);
    row.variables[0] = "Customer " + std::to_string(i);
    if (Status s = (*import)->AddContact(row); !s.ok()) return Die(s, "add"), 0;
  }
  const double add_s = Since(t0);
  auto batch = (*import)->Commit(rows, rows, 0);
  if (!batch.ok()) return Die(batch.status(), "commit"), 0;
  import->reset();
  const double total_s = Since(t0);
  std::printf("%-10s import: %lld rows in %.2f s (adds %.2f s, commit %.2f s) = %.0f rows/s; client cpu %.2f s\n", name,
              static_cast<long long>(rows), total_s, add_s, total_s - add_s, rows / total_s, CpuSeconds() - cpu0);
  return total_s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace batchcall;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <admin postgresql url> [rows] [sqlite db]\n", argv[0]);
    return 2;
  }
  const std::string admin_url = argv[1];
  const int64_t rows = argc > 2 ? std::stoll(argv[2]) : 1'000'000;
  const std::string sqlite_path = argc > 3 ? argv[3] : "/tmp/bc_pg_bench_sqlite.db";

  // SQLite first (same rows, same machine, same run).
  double sqlite_s = 0;
  {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path + suffix);
    SqliteStoreOptions options;
    options.path = sqlite_path;
    auto store = SqliteStore::Open(options);
    if (!store.ok()) return Die(store.status(), "sqlite open");
    std::string account_id;
    sqlite_s = ImportOnce(**store, rows, "sqlite", &account_id);
    if (sqlite_s <= 0) return 1;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path + suffix);

  pg::ConnectionOptions admin;
  admin.url = admin_url;
  auto conn = pg::Connection::Open(admin);
  if (!conn.ok()) return Die(conn.status(), "connect");
  if (Status s = (*conn)->Exec("DROP DATABASE IF EXISTS bc_import_bench WITH (FORCE)"); !s.ok()) return Die(s, "drop");
  if (Status s = (*conn)->Exec("CREATE DATABASE bc_import_bench"); !s.ok()) return Die(s, "create");
  std::string url = admin_url;
  url = url.substr(0, url.find('?'));
  url = url.substr(0, url.rfind('/')) + "/bc_import_bench";
  int rc = 0;
  {
    PostgresStoreOptions options;
    options.url = url;
    auto store = OpenPostgresStore(options);
    if (!store.ok()) return Die(store.status(), "postgres open");
    std::string account_id;
    const double pg_s = ImportOnce(**store, rows, "postgresql", &account_id);
    if (pg_s <= 0) {
      rc = 1;
    } else {
      std::printf("ratio postgresql/sqlite: %.2f\n", pg_s / sqlite_s);
      auto timed = [](const char* what, auto&& fn) {
        auto t = WallClock::now();
        Status s = fn();
        std::printf("%-44s %8.2f ms %s\n", what, Since(t) * 1e3, s.ok() ? "" : s.ToString().c_str());
      };
      const std::string batch_id(32, 'e');
      const TimePoint now = FromUnixMillis(1767225600000LL);
      ExecutionQuery q{account_id, batch_id, {}, std::nullopt, 100};
      timed("ListExecutions first page (100)", [&] { return (*store)->ListExecutions(q).status(); });
      q.after_row_index = rows / 2;
      timed("ListExecutions middle page (100)", [&] { return (*store)->ListExecutions(q).status(); });
      q.statuses = {ExecutionStatus::kPrepared, ExecutionStatus::kCompleted};
      timed("ListExecutions filtered, middle page (100)", [&] { return (*store)->ListExecutions(q).status(); });
      q.statuses = {ExecutionStatus::kError};
      timed("ListExecutions filtered, no match", [&] { return (*store)->ListExecutions(q).status(); });
      std::string last_id;
      {
        ExecutionQuery tail{account_id, batch_id, {}, rows - 2, 1};
        auto page = (*store)->ListExecutions(tail);
        if (page.ok() && !page->empty()) last_id = page->back().id;
      }
      timed("GetExecution by id", [&] { return (*store)->GetExecution(account_id, last_id).status(); });
      timed("CountExecutions", [&] { return (*store)->CountExecutions(batch_id).status(); });
      BatchTransition to_scheduled{BatchStatus::kScheduled, now, std::nullopt};
      timed("TransitionBatch -> scheduled",
            [&] { return (*store)->TransitionBatch(account_id, batch_id, to_scheduled, now).status(); });
      timed("StopBatch (every row stopped)", [&] { return (*store)->StopBatch(account_id, batch_id, now).status(); });
      if (std::getenv("BENCH_KEEP")) return 0;
      timed("DeleteBatch", [&] { return (*store)->DeleteBatch(account_id, batch_id); });
    }
  }
  (void)(*conn)->Exec("DROP DATABASE IF EXISTS bc_import_bench WITH (FORCE)");
  return rc;
}
