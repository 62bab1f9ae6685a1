// Measures SqliteStore on one big batch: import throughput, then the reads
// and writes the API does on it. Not a test; run a Release build:
//   store_sqlite_import_bench [rows=1000000] [db=/tmp/bc_sqlite_bench.db]
// The database file (and its -wal/-shm) is replaced.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace {

using batchcall::Status;
using WallClock = std::chrono::steady_clock;

double Since(WallClock::time_point t0) { return std::chrono::duration<double>(WallClock::now() - t0).count(); }

// CPU seconds (user + system) used by this process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Die(const Status& s, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace batchcall;
  const int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  const std::string path = argc > 2 ? argv[2] : "/tmp/bc_sqlite_bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);

  SqliteStoreOptions options;
  options.path = path;
  auto store = SqliteStore::Open(options);
  if (!store.ok()) return Die(store.status(), "open");
  const TimePoint now = FromUnixMillis(1767225600000LL);
  auto account = (*store)->EnsureDefaultAccount(now);
  if (!account.ok()) return Die(account.status(), "account");
  Agent agent;
  agent.id = "00000000-0000-4000-8000-000000000001";
  agent.account_id = account->id;
  agent.name = "bench";
  agent.provider_type = "simulator";
  if (Status s = (*store)->CreateAgent(agent); !s.ok()) return Die(s, "agent");

  Batch draft;
  draft.id = std::string(32, 'e');
  draft.account_id = account->id;
  draft.agent_id = agent.id;
  draft.created_at = draft.updated_at = now;
  draft.columns = {"name", "city"};

  const double cpu0 = CpuSeconds();
  auto t0 = WallClock::now();
  auto import = (*store)->BeginImport(draft);
  if (!import.ok()) return Die(import.status(), "begin");
  ContactRow row;
  row.variables = {"", "Springfield"};
  for (int64_t i = 0; i < rows; ++i) {
    row.row_index = i;
    row.line = i + 2;
    row.contact_number = "+1415" + std::to_string(1000000 + i % 9000000);
    row.variables[0] = "Customer " + std::to_string(i);
    if (Status s = (*import)->AddContact(row); !s.ok()) return Die(s, "add");
  }
  const double add_s = Since(t0);
  auto batch = (*import)->Commit(rows, rows, 0);
  if (!batch.ok()) return Die(batch.status(), "commit");
  import->reset();
  const double total_s = Since(t0);
  const double cpu_s = CpuSeconds() - cpu0;
  std::printf("import: %lld rows in %.2f s (adds %.2f s, commit %.2f s) = %.0f rows/s; cpu %.2f s\n",
              static_cast<long long>(rows), total_s, add_s, total_s - add_s, rows / total_s, cpu_s);
  std::printf("file: %.1f MB (+ wal %.1f MB)\n", std::filesystem::file_size(path) / 1e6,
              std::filesystem::exists(path + "-wal") ? std::filesystem::file_size(path + "-wal") / 1e6 : 0.0);

  auto timed = [](const char* what, auto&& fn) {
    auto t = WallClock::now();
    Status s = fn();
    std::printf("%-44s %8.2f ms %s\n", what, Since(t) * 1e3, s.ok() ? "" : s.ToString().c_str());
  };
  ExecutionQuery q{account->id, draft.id, {}, std::nullopt, 100};
  timed("ListExecutions first page (100)", [&] { return (*store)->ListExecutions(q).status(); });
  q.after_row_index = rows / 2;
  timed("ListExecutions middle page (100)", [&] { return (*store)->ListExecutions(q).status(); });
  q.statuses = {ExecutionStatus::kPrepared, ExecutionStatus::kCompleted};
  timed("ListExecutions filtered, middle page (100)", [&] { return (*store)->ListExecutions(q).status(); });
  q.statuses = {ExecutionStatus::kError};
  timed("ListExecutions filtered, no match", [&] { return (*store)->ListExecutions(q).status(); });
  std::string last_id;
  {
    ExecutionQuery tail{account->id, draft.id, {}, rows - 2, 1};
    auto page = (*store)->ListExecutions(tail);
    if (page.ok() && !page->empty()) last_id = page->back().id;
  }
  timed("GetExecution by id", [&] { return (*store)->GetExecution(account->id, last_id).status(); });
  timed("CountExecutions", [&] { return (*store)->CountExecutions(draft.id).status(); });
  BatchTransition to_scheduled{BatchStatus::kScheduled, now, std::nullopt};
  timed("TransitionBatch -> scheduled",
        [&] { return (*store)->TransitionBatch(account->id, draft.id, to_scheduled, now).status(); });
  timed("StopBatch (every row stopped)", [&] { return (*store)->StopBatch(account->id, draft.id, now).status(); });
  timed("DeleteBatch", [&] { return (*store)->DeleteBatch(account->id, draft.id); });
  return 0;
}
