// Dispatch benchmark: how many complete call lifecycles one node drives per
// second through the real engine (dispatcher + SQLite store + simulator), the
// CPU time per call, and the pacing error at a configured rate.
//
//   bench_dispatch [--contacts N] [--pace-rate R] [--pace-seconds S] [--simulator-only]
//
// (1) baseline: the simulator alone (StartCall + every event, no engine, no
//     store) on a ThreadTimerQueue — the ceiling the engine is compared to.
// (1b) the same with the simulator's record file and its index, as `serve`
//     runs it: the cost of the record per call, and the calls kept in memory.
// (2) throughput: the Engine thread on the real clock, simulator speed 1e6,
//     unpaced, max_concurrency 1000; N contacts from schedule to completed.
// (3) pacing: a fake clock, `--pace-rate` calls/s for `--pace-seconds` of
//     simulated time; error = |achieved - configured| / configured, and the
//     largest number of dials seen in any 1 s window.
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "base/ids.h"
#include "base/timer_queue.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"
#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace {

using Steady = std::chrono::steady_clock;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

nlohmann::json SimSettings(double speed) {
  return {{"type", "simulator"}, {"speed", speed}, {"seed", 3}, {"answer_rate", 0.6}, {"busy_rate", 0.1},
          {"no_answer_rate", 0.15}, {"voicemail_rate", 0.1}, {"failure_rate", 0.05},
          {"ring_seconds", {3, 15}}, {"talk_seconds", {20, 90}}};
}

struct Forward final : CallEventSink {
  void OnCallEvent(CallEvent e) override {
    if (auto* t = target.load()) t->OnCallEvent(std::move(e));
  }
  std::atomic<CallEventSink*> target{nullptr};
};

struct Registry final : ProviderRegistry {
  Result<Provider*> ForAgent(const Agent&) override { return provider; }
  Provider* provider = nullptr;
};

struct Counting final : CallEventSink {
  void OnCallEvent(CallEvent e) override {
    if (IsOutcome(e)) outcomes.fetch_add(1);
  }
  std::atomic<int64_t> outcomes{0};
};

// A store in a fresh temp dir with one account, one agent and one batch of n contacts.
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<SqliteStore> store;
  Account account;
  Agent agent;
  Batch batch;

  Fixture(int n, int max_concurrency, double cps, double speed, TimePoint now) {
    dir = std::filesystem::temp_directory_path() / ("bc-bench-" + NewBatchId());
    std::filesystem::create_directories(dir);
    SqliteStoreOptions o;
    o.path = (dir / "db.sqlite").string();
    store = std::move(SqliteStore::Open(o)).value();
    account = *store->EnsureDefaultAccount(now);
    agent.id = NewUuid();
    agent.account_id = account.id;
    agent.name = "bench";
    agent.provider_type = "simulator";
    agent.provider = SimSettings(speed);
    agent.max_concurrency = max_concurrency;
    agent.calls_per_second = cps;
    agent.welcome_message = "Hello {name}";
    agent.created_at = agent.updated_at = now;
    (void)store->CreateAgent(agent);
    Batch draft;
    draft.id = NewBatchId();
    draft.account_id = account.id;
    draft.agent_id = agent.id;
    draft.columns = {"name"};
    draft.created_at = draft.updated_at = now;
    auto import = std::move(store->BeginImport(draft)).value();
    for (int i = 0; i < n; ++i) {
      ContactRow row;
      row.row_index = i;
      row.line = i + 2;
      char num[32];
      std::snprintf(num, sizeof num, "+1415%07d", i);
      row.contact_number = num;
      row.variables = {"person " + std::to_string(i)};
      (void)import->AddContact(row);
    }
    batch = *import->Commit(n, n, 0);
  }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void Schedule(TimePoint at) {
    BatchTransition t;
    t.to = BatchStatus::kScheduled;
    t.scheduled_at = at;
    (void)store->TransitionBatch(account.id, batch.id, t, at);
  }
};

// With `record`, the simulator writes its record file and keeps its index.
void Baseline(int n, bool record) {
  SystemClock clock;
  Counting sink;
  auto config = *SimulatorConfig::FromJson(SimSettings(1e6));
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("bc-bench-" + NewBatchId());
  SimulatorOptions options;
  if (record) {
    std::filesystem::create_directories(dir);
    options.record_path = (dir / "simulator-calls.jsonl").string();
    options.provider_name = "bench";
  }
  auto t0 = Steady::now();
  double c0 = CpuSeconds();
  int64_t kept = 0;
  {
    ThreadTimerQueue timers(clock);
    SimulatorProvider sim(config, clock, timers, sink, options);
    for (int i = 0; i < n; ++i) {
      CallRequest r;
      r.attempt_id = r.idempotency_key = NewUuid();
      r.to = "+14155550000";
      (void)sim.StartCall(r);
    }
    while (sink.outcomes.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    kept = sim.KeptCalls();
  }
  double s = std::chrono::duration<double>(Steady::now() - t0).count();
  std::printf("(1%s) %-29s: %7d calls in %6.3f s = %9.0f lifecycles/s, CPU %.1f us/call, kept %lld\n",
              record ? "b" : "", record ? "simulator alone, record file" : "baseline, simulator alone", n, s, n / s,
              (CpuSeconds() - c0) / n * 1e6, static_cast<long long>(kept));
  if (record) std::filesystem::remove_all(dir);
}

void Throughput(int n) {
  SystemClock clock;
  Fixture f(n, 1000, 0, 1e6, clock.Now());
  Forward forward;
  ThreadTimerQueue timers(clock);
  SimulatorProvider sim(*SimulatorConfig::FromJson(f.agent.provider), clock, timers, forward);
  Registry registry;
  registry.provider = &sim;
  Dispatcher dispatcher(*f.store, registry, DispatcherOptions{});
  forward.target = &dispatcher;
  Engine engine(dispatcher, clock);
  (void)engine.Start();
  auto t0 = Steady::now();
  double c0 = CpuSeconds();
  f.Schedule(clock.Now());
  engine.Notify();
  while (f.store->GetBatch(f.account.id, f.batch.id)->status != BatchStatus::kCompleted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double s = std::chrono::duration<double>(Steady::now() - t0).count();
  double cpu = CpuSeconds() - c0;
  engine.Stop();
  std::printf("(2) engine + SQLite + simulator   : %7d calls in %6.3f s = %9.0f lifecycles/s, CPU %.1f us/call, "
              "max in flight %lld, steps %lld\n",
              n, s, n / s, cpu / n * 1e6, static_cast<long long>(sim.MaxInFlight()),
              static_cast<long long>(dispatcher.stats().steps));
}

void Pacing(double rate, int seconds) {
  FakeClock clock(FromUnixMillis(1'800'000'000'000));
  int n = static_cast<int>(rate * seconds * 2);
  Fixture f(n, 100000, rate, 100, clock.Now());
  Forward forward;
  ManualTimerQueue timers;
  SimulatorProvider sim(*SimulatorConfig::FromJson(f.agent.provider), clock, timers, forward);
  Registry registry;
  registry.provider = &sim;
  Dispatcher dispatcher(*f.store, registry, DispatcherOptions{});
  forward.target = &dispatcher;
  TimePoint start = clock.Now();
  TimePoint end = start + std::chrono::seconds(seconds);
  f.Schedule(start);
  while (clock.Now() < end) {
    auto next = dispatcher.Step(clock.Now());
    if (timers.RunDue(clock.Now()) > 0) continue;
    // Next instant with work, as milliseconds (the end when nothing is due).
    long long wake = ToUnixMillis(end);
    if (next.ok() && next->has_value()) wake = std::min(wake, ToUnixMillis(**next));
    if (auto t = timers.NextDue()) wake = std::min(wake, ToUnixMillis(*t));
    if (wake <= ToUnixMillis(clock.Now())) continue;
    clock.Set(FromUnixMillis(wake));
  }
  std::vector<TimePoint> dials;
  for (const auto& p : sim.Placed())
    if (p.started_at < end) dials.push_back(p.started_at);
  std::sort(dials.begin(), dials.end());
  size_t lo = 0, worst = 0;
  for (size_t hi = 0; hi < dials.size(); ++hi) {
    while (dials[hi] - dials[lo] >= std::chrono::milliseconds(1000)) ++lo;
    worst = std::max(worst, hi - lo + 1);
  }
  double achieved = dials.size() / static_cast<double>(seconds);
  std::printf("(3) pacing at %.0f calls/s for %d s   : %zu dials = %.3f calls/s, error %.3f%%, max in any 1 s window %zu\n",
              rate, seconds, dials.size(), achieved, std::abs(achieved - rate) / rate * 100, worst);
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) {
  int contacts = 20000;
  double rate = 50;
  int seconds = 60;
  bool simulator_only = false;  // --simulator-only: (1) and (1b)
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--simulator-only")) simulator_only = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--contacts")) contacts = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--pace-rate")) rate = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--pace-seconds")) seconds = std::atoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  batchcall::Baseline(contacts, false);
  batchcall::Baseline(contacts, true);
  if (simulator_only) return 0;
  batchcall::Throughput(contacts);
  batchcall::Pacing(rate, seconds);
  return 0;
}
