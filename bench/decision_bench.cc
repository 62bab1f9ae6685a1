// Decision benchmark (issue 16): what the calling rules cost per dial.
//
//   bench_decision [--history N] [--decisions M] [--db PATH]
//
// A SQLite store whose dial history holds N dials (default 1,000,000) of
// N/8 distinct numbers in one account, then M decisions (default 200,000)
// for numbers of several US states and countries, each as the dispatcher
// makes it: the history of the number over the longest window
// (Store::DialHistory) and compliance::Decide with agent hours, call_days,
// the "us" pack and two contact limits. Prints microseconds per decision for
// the lookup and the decision, and for Decide without any rule (the floor).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/ids.h"
#include "compliance/decision.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {
namespace {

using Steady = std::chrono::steady_clock;

double Seconds(Steady::time_point since) { return std::chrono::duration<double>(Steady::now() - since).count(); }

// Numbers of several states and countries (FL, NY, TX, AL, PA, CA, toll-free, UK, IN, AU).
std::string NumberOf(uint64_t i) {
  static const char* kPrefixes[] = {"+1305", "+1212", "+1214", "+1205", "+1215", "+1415", "+1800", "+447911",
                                    "+91981", "+61412"};
  const char* p = kPrefixes[i % std::size(kPrefixes)];
  // Exchanges 200-999 (valid North American numbers), spread over the range.
  char tail[16];
  std::snprintf(tail, sizeof tail, "%07llu",
                static_cast<unsigned long long>(2'000'000 + (i / std::size(kPrefixes) * 7919) % 8'000'000));
  std::string n = std::string(p) + tail;
  if (n.rfind("+91", 0) == 0) n.resize(13);
  if (n.rfind("+61", 0) == 0) n.resize(12);
  if (n.rfind("+44", 0) == 0) n.resize(13);
  return n;
}

int Run(int argc, char** argv) {
  int64_t history = 1'000'000, decisions = 200'000;
  std::string db = "/tmp/bench_decision.db";
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--history")) history = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--decisions")) decisions = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--db")) db = argv[i + 1];
  }
  spdlog::set_level(spdlog::level::warn);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  SqliteStoreOptions options;
  options.path = db;
  auto store = SqliteStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::string account = "bench-account";
  const int64_t distinct = std::max<int64_t>(1, history / 8);  // 8 dials a number over the week
  auto t0 = Steady::now();
  {
    // The history as BeginAttempts records it, written directly (one transaction).
    auto filled = (*store)->FillDialHistoryForBenchmark(account, history, distinct, now, NumberOf);
    if (!filled.ok()) {
      std::fprintf(stderr, "fill: %s\n", filled.ToString().c_str());
      return 1;
    }
  }
  std::printf("history: %lld dials of %lld numbers written in %.2f s\n", static_cast<long long>(history),
              static_cast<long long>(distinct), Seconds(t0));

  Agent agent;
  agent.calling_guardrails = CallingGuardrails{};
  agent.calling_guardrails->call_start_hour = 0;
  agent.calling_guardrails->call_end_hour = 24;
  agent.calling_guardrails->default_timezone = "America/New_York";
  agent.calling_guardrails->call_days = 0b0111111;  // not Sunday
  agent.calling_guardrails->rule_packs = {"us"};
  agent.contact_limits = {{3, 24}, {6, 168}};
  const CallingRules rules = CallingRules::For(agent, false, RulePackSet::BuiltIn());
  const CallingRules none = CallingRules::For(Agent{}, false, RulePackSet::BuiltIn());

  std::mt19937_64 rng(7);
  double lookup_s = 0, decide_s = 0;
  int64_t held = 0;
  for (int64_t i = 0; i < decisions; ++i) {
    const std::string number = NumberOf(rng() % static_cast<uint64_t>(distinct * 2));  // half never dialled
    auto t = Steady::now();
    auto h = (*store)->DialHistory(account, {number}, now - rules.HistoryWindow());
    lookup_s += Seconds(t);
    if (!h.ok()) return 1;
    static const std::vector<TimePoint> kNone;
    auto it = h->find(number);
    t = Steady::now();
    const Decision d = Decide(rules, DecisionInput{number, now, it == h->end() ? kNone : it->second});
    decide_s += Seconds(t);
    held += d.verdict != Verdict::kEligible;
  }
  t0 = Steady::now();
  for (int64_t i = 0; i < decisions; ++i) {
    const std::string number = NumberOf(rng() % static_cast<uint64_t>(distinct * 2));
    (void)Decide(none, DecisionInput{number, now, {}});
  }
  const double floor_s = Seconds(t0);
  const double n = static_cast<double>(decisions);
  std::printf("decisions: %lld (%lld held)\n", static_cast<long long>(decisions), static_cast<long long>(held));
  std::printf("  history lookup   : %7.2f us/decision\n", lookup_s / n * 1e6);
  std::printf("  Decide, all rules: %7.2f us/decision\n", decide_s / n * 1e6);
  std::printf("  full decision    : %7.2f us/decision\n", (lookup_s + decide_s) / n * 1e6);
  std::printf("  Decide, no rules : %7.2f us/decision (floor)\n", floor_s / n * 1e6);
  return 0;
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) { return batchcall::Run(argc, argv); }
