// Dispatcher on a fake clock: a real SQLite store in a temp dir, the
// simulator on a ManualTimerQueue, time advanced by the test.
#include "engine/dispatcher.h"
#include "compliance/decider.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "base/ids.h"
#include "base/log.h"
#include "base/time.h"
#include "base/timer_queue.h"
#include "domain/retry_config.h"
#include "domain/states.h"
#include "store/sqlite/sqlite_store.h"
#include "telephony/simulator/simulator.h"
#include "testing/sinks.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

class OneProvider final : public ProviderRegistry {
 public:
  Result<Provider*> ForAgent(const Agent& agent) override {
    if (auto e = build_errors.find(agent.id); e != build_errors.end()) return e->second;
    if (auto o = overrides.find(agent.id); o != overrides.end()) return o->second;
    auto it = sims.find(agent.id);
    if (it != sims.end()) return static_cast<Provider*>(it->second.get());
    return NotFound("no simulator for agent");
  }
  std::map<std::string, std::unique_ptr<SimulatorProvider>> sims;
  std::map<std::string, Provider*> overrides;  // used instead of sims when set
  std::map<std::string, Status> build_errors;  // ForAgent fails with this when set
};

// A simulator whose record cannot be written: it places nothing.
struct UnplaceableProvider final : Provider {
  Result<std::string> StartCall(const CallRequest&) override {
    ++start_calls;
    return Unavailable("cannot append to the simulator record file: No space left on device");
  }
  Result<CallEvent> Lookup(const CallLookup&) override { return NotFound("never placed"); }
  int start_calls = 0;
};

// Lets the test replace the dispatcher (a "restart") under live providers.
using test::ForwardSink;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    account_ = *store_->EnsureDefaultAccount(clock_.Now());
    DispatcherOptions d;
    d.worker_id = "test-worker";
    dispatcher_ = std::make_unique<Dispatcher>(*store_, providers_, d);
    sink_.target = dispatcher_.get();
  }
  void TearDown() override {
    dispatcher_.reset();
    providers_.sims.clear();
    store_.reset();
  }

  // An agent on a simulator with the given outcome rates (answer by default).
  Agent MakeAgent(int max_concurrency, double cps, nlohmann::json sim = nlohmann::json::object()) {
    nlohmann::json provider = {{"type", "simulator"}, {"speed", 1.0}, {"seed", 1}, {"answer_rate", 1.0},
                               {"busy_rate", 0.0}, {"no_answer_rate", 0.0}, {"voicemail_rate", 0.0},
                               {"failure_rate", 0.0}, {"ring_seconds", {2, 2}}, {"talk_seconds", {30, 30}}};
    for (auto& [k, v] : sim.items()) provider[k] = v;
    Agent a;
    a.id = NewUuid();
    a.account_id = account_.id;
    a.name = "agent-" + a.id.substr(0, 4);
    a.provider_type = "simulator";
    a.provider = provider;
    a.max_concurrency = max_concurrency;
    a.calls_per_second = cps;
    a.welcome_message = "Hi {name}";
    a.created_at = a.updated_at = clock_.Now();
    EXPECT_TRUE(store_->CreateAgent(a).ok());
    auto config = SimulatorConfig::FromJson(provider);
    providers_.sims[a.id] = std::make_unique<SimulatorProvider>(*config, clock_, timers_, sink_);
    return a;
  }

  Batch MakeBatch(const Agent& agent, const std::vector<std::string>& numbers, TimePoint start) {
    Batch draft;
    draft.id = NewBatchId();
    draft.account_id = account_.id;
    draft.agent_id = agent.id;
    draft.created_at = draft.updated_at = clock_.Now();
    draft.columns = {"name"};
    auto import = std::move(store_->BeginImport(draft)).value();
    for (size_t i = 0; i < numbers.size(); ++i) {
      ContactRow row;
      row.row_index = static_cast<int64_t>(i);
      row.line = static_cast<int64_t>(i) + 2;
      row.contact_number = numbers[i];
      row.variables = {"person" + std::to_string(i)};
      EXPECT_TRUE(import->AddContact(row).ok());
    }
    auto batch = import->Commit(numbers.size(), numbers.size(), 0);
    EXPECT_TRUE(batch.ok());
    BatchTransition t;
    t.to = BatchStatus::kScheduled;
    t.scheduled_at = start;
    EXPECT_TRUE(store_->TransitionBatch(account_.id, batch->id, t, clock_.Now()).ok());
    return *batch;
  }

  static std::vector<std::string> Numbers(int n, const char* prefix = "+1415555") {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%04d", prefix, i);
      out.push_back(buf);
    }
    return out;
  }

  // Runs steps and timers until `until`, jumping the clock to the next due instant.
  void RunUntil(TimePoint until) {
    for (int guard = 0; guard < 2'000'000; ++guard) {
      TimePoint now = clock_.Now();
      auto next = dispatcher_->Step(now);
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      // Events delivered by the timers wake the dispatcher (as SetWakeCallback does in production).
      if (timers_.RunDue(now) > 0) continue;
      std::optional<TimePoint> wake = *next;
      if (auto t = timers_.NextDue(); t && (!wake || *t < *wake)) wake = t;
      if (wake && *wake <= now) continue;  // more work at this instant
      if (!wake || *wake > until) {
        clock_.Set(until);
        ASSERT_TRUE(dispatcher_->Step(until).ok());
        timers_.RunDue(until);
        return;
      }
      clock_.Set(*wake);
    }
    FAIL() << "did not settle";
  }

  Batch Reload(const Batch& b) { return *store_->GetBatch(account_.id, b.id); }
  std::vector<Execution> Executions(const Batch& b) {
    ExecutionQuery q;
    q.account_id = account_.id;
    q.batch_id = b.id;
    q.limit = 100000;
    return *store_->ListExecutions(q);
  }
  SimulatorProvider& Sim(const Agent& a) { return *providers_.sims[a.id]; }

  FakeClock clock_{At("2026-06-01T10:00:00Z")};
  ManualTimerQueue timers_;
  test::TempDir dir_{"bc-dispatch-"};
  std::unique_ptr<SqliteStore> store_;
  Account account_;
  OneProvider providers_;
  ForwardSink sink_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, StartsExactlyAtScheduledTimeAndCompletes) {
  Agent a = MakeAgent(10, 0);
  TimePoint start = clock_.Now() + seconds(90) + milliseconds(123);
  Batch b = MakeBatch(a, Numbers(5), start);
  auto next = dispatcher_->Step(clock_.Now());
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, start);  // sleeps until the start, no earlier wake-up needed
  RunUntil(start - milliseconds(1));
  EXPECT_EQ(Sim(a).PlacedCount(), 0);
  RunUntil(start + minutes(5));
  auto placed = Sim(a).Placed();
  ASSERT_EQ(placed.size(), 5u);
  EXPECT_EQ(placed.front().started_at, start);
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
  for (const auto& e : Executions(b)) {
    EXPECT_EQ(e.status, ExecutionStatus::kCompleted);
    EXPECT_EQ(e.attempt_count, 1);
    EXPECT_EQ(e.transcript.rfind("agent: Hi person", 0), 0u) << e.transcript;
  }
}

TEST_F(DispatcherTest, PacingNeverExceedsRateInAnySecond) {
  Agent a = MakeAgent(1000, 5);
  Batch b = MakeBatch(a, Numbers(120), clock_.Now());
  RunUntil(clock_.Now() + minutes(2));
  auto placed = Sim(a).Placed();
  ASSERT_EQ(placed.size(), 120u);
  std::vector<TimePoint> t;
  for (auto& p : placed) t.push_back(p.started_at);
  std::sort(t.begin(), t.end());
  size_t lo = 0, worst = 0;
  for (size_t hi = 0; hi < t.size(); ++hi) {
    while (t[hi] - t[lo] >= milliseconds(1000)) ++lo;
    worst = std::max(worst, hi - lo + 1);
  }
  EXPECT_LE(worst, 5u);
  // Fully used: 120 dials at 5/s take 24 s (first at 0).
  EXPECT_LE(t.back() - t.front(), seconds(24));
  EXPECT_GE(t.back() - t.front(), seconds(23));
}

TEST_F(DispatcherTest, ConcurrencyCapHoldsAndIsUsed) {
  Agent a = MakeAgent(3, 0);
  Batch b = MakeBatch(a, Numbers(20), clock_.Now());
  RunUntil(clock_.Now() + minutes(10));
  EXPECT_EQ(Sim(a).MaxInFlight(), 3);
  EXPECT_EQ(Sim(a).PlacedCount(), 20);
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, BatchesOfOneAgentShareRoundRobin) {
  Agent a = MakeAgent(2, 0);
  Batch big = MakeBatch(a, Numbers(40, "+1415555"), clock_.Now());
  Batch small = MakeBatch(a, Numbers(6, "+1212555"), clock_.Now());
  RunUntil(clock_.Now() + minutes(30));
  auto placed = Sim(a).Placed();
  ASSERT_EQ(placed.size(), 46u);
  // The small batch is not starved: its 6 calls are among the first 14 dials.
  int small_in_first = 0;
  for (size_t i = 0; i < 14; ++i) small_in_first += placed[i].to.rfind("+1212", 0) == 0;
  EXPECT_EQ(small_in_first, 6);
  EXPECT_EQ(Reload(small).status, BatchStatus::kCompleted);
  EXPECT_EQ(Reload(big).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, RetriesFollowIntervalsAndStop) {
  Agent a = MakeAgent(10, 0, {{"answer_rate", 0.0}, {"no_answer_rate", 1.0}});
  RetryConfig rc;
  rc.enabled = true;
  rc.max_retries = 2;
  rc.retry_on_statuses = {ExecutionStatus::kNoAnswer};
  rc.retry_intervals_minutes = {1, 5};
  a.retry_config = rc;
  ASSERT_TRUE(store_->UpdateAgent(a).ok());
  Batch b = MakeBatch(a, Numbers(2), clock_.Now());
  TimePoint t0 = clock_.Now();
  RunUntil(t0 + minutes(30));
  auto placed = Sim(a).Placed();
  ASSERT_EQ(placed.size(), 6u);  // 2 contacts x (1 + 2 retries)
  std::map<std::string, std::vector<TimePoint>> starts;
  for (auto& p : placed) starts[p.to].push_back(p.started_at);
  for (auto& [to, s] : starts) {
    ASSERT_EQ(s.size(), 3u);
    // no-answer ends 20.5 s after the dial (ring 0.5 s + 20 s); retry after 1 then 5 minutes.
    EXPECT_EQ(s[1] - s[0], seconds(20) + milliseconds(500) + minutes(1));
    EXPECT_EQ(s[2] - s[1], seconds(20) + milliseconds(500) + minutes(5));
  }
  for (const auto& e : Executions(b)) {
    EXPECT_EQ(e.status, ExecutionStatus::kNoAnswer);
    EXPECT_EQ(e.retry_count, 2);
    EXPECT_EQ(e.attempt_count, 3);
    EXPECT_EQ(e.retry_history.size(), 3u);
  }
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, OutsideCallingHoursIsRescheduledToTheRecipientsOpening) {
  Agent a = MakeAgent(10, 0);
  a.calling_guardrails = CallingGuardrails{9, 17, "UTC", kAllWeekdays, AmbiguousZonePolicy::kDefault, {}};
  ASSERT_TRUE(store_->UpdateAgent(a).ok());
  // 10:00 UTC = 15:30 in India (open) and 03:00 in Los Angeles (closed; opens 16:00 UTC).
  Batch b = MakeBatch(a, {"+919876543210", "+14155552671"}, clock_.Now());
  RunUntil(clock_.Now() + minutes(1));
  auto ex = Executions(b);
  EXPECT_EQ(ex[0].attempt_count, 1);
  EXPECT_EQ(ex[1].status, ExecutionStatus::kRescheduled);
  ASSERT_TRUE(ex[1].next_attempt_at.has_value());
  EXPECT_EQ(*ex[1].next_attempt_at, At("2026-06-01T16:00:00Z"));
  RunUntil(At("2026-06-01T16:10:00Z"));
  auto placed = Sim(a).Placed();
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[1].started_at, At("2026-06-01T16:00:00Z"));
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, BypassGuardrailsDialsAtOnce) {
  Agent a = MakeAgent(10, 0);
  a.calling_guardrails = CallingGuardrails{9, 17, "UTC", kAllWeekdays, AmbiguousZonePolicy::kDefault, {}};
  ASSERT_TRUE(store_->UpdateAgent(a).ok());
  Batch b = MakeBatch(a, {"+14155552671"}, clock_.Now());
  BatchTransition t;
  t.to = BatchStatus::kScheduled;
  t.scheduled_at = clock_.Now();
  t.bypass_call_guardrails = true;
  ASSERT_TRUE(store_->TransitionBatch(account_.id, b.id, t, clock_.Now()).ok());
  RunUntil(clock_.Now() + seconds(10));
  EXPECT_EQ(Sim(a).PlacedCount(), 1);
}

// What the dispatcher reports through the EngineMetrics it was given.
struct RecordingMetrics final : EngineMetrics {
  void SetCallsInFlight(int64_t calls) override {
    in_flight = calls;
    max_in_flight = std::max(max_in_flight, calls);
  }
  void Dialed(std::string_view agent_name, int64_t dials) override { dialed[std::string(agent_name)] += dials; }
  void Rescheduled(int64_t executions) override { rescheduled += executions; }
  void CallEnded(std::string_view status, bool retried) override {
    ended[std::string(status)]++;
    if (retried) retries++;
  }
  int64_t in_flight = -1, max_in_flight = 0, rescheduled = 0, retries = 0;
  std::map<std::string, int64_t> dialed, ended;
};

TEST_F(DispatcherTest, ReportsToTheMetricsItIsGiven) {
  RecordingMetrics metrics;
  DispatcherOptions d;
  d.worker_id = "test-worker";
  dispatcher_ = std::make_unique<Dispatcher>(*store_, providers_, d, metrics);
  sink_.target = dispatcher_.get();
  Agent a = MakeAgent(10, 0);
  Agent closed = MakeAgent(10, 0);
  closed.calling_guardrails = CallingGuardrails{12, 17, "UTC", kAllWeekdays, AmbiguousZonePolicy::kDefault, {}};  // opens at 12:00Z, two hours on
  ASSERT_TRUE(store_->UpdateAgent(closed).ok());
  MakeBatch(a, Numbers(3), clock_.Now());
  MakeBatch(closed, Numbers(2, "+1415666"), clock_.Now());
  RunUntil(clock_.Now() + minutes(5));
  EXPECT_EQ(metrics.dialed[a.name], 3);
  EXPECT_EQ(metrics.dialed.count(closed.name), 0u);
  EXPECT_EQ(metrics.rescheduled, 2);
  EXPECT_EQ(metrics.ended["completed"], 3);
  EXPECT_EQ(metrics.retries, 0);
  EXPECT_EQ(metrics.max_in_flight, 3);
  EXPECT_EQ(metrics.in_flight, 0);
}

TEST_F(DispatcherTest, DoNotCallNumbersAreCanceledNotDialed) {
  Agent a = MakeAgent(10, 0);
  ASSERT_TRUE(store_->AddDoNotCall(account_.id, {"+14155550001"}, "asked", clock_.Now()).ok());
  Batch b = MakeBatch(a, Numbers(3), clock_.Now());
  RunUntil(clock_.Now() + minutes(5));
  EXPECT_EQ(Sim(a).PlacedCount(), 2);
  auto ex = Executions(b);
  EXPECT_EQ(ex[1].status, ExecutionStatus::kCanceled);
  EXPECT_NE(ex[1].error_message.find("do-not-call"), std::string::npos);
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, PauseStopsNewDialsAndResumeContinues) {
  Agent a = MakeAgent(2, 0);
  Batch b = MakeBatch(a, Numbers(10), clock_.Now());
  RunUntil(clock_.Now() + seconds(1));
  EXPECT_EQ(Sim(a).PlacedCount(), 2);
  BatchTransition pause;
  pause.to = BatchStatus::kPaused;
  ASSERT_TRUE(store_->TransitionBatch(account_.id, b.id, pause, clock_.Now()).ok());
  RunUntil(clock_.Now() + minutes(5));
  EXPECT_EQ(Sim(a).PlacedCount(), 2);  // the two connected calls finished, nothing new
  EXPECT_EQ(Sim(a).InFlight(), 0);
  BatchTransition resume;
  resume.to = BatchStatus::kRunning;
  ASSERT_TRUE(store_->TransitionBatch(account_.id, b.id, resume, clock_.Now()).ok());
  RunUntil(clock_.Now() + minutes(10));
  EXPECT_EQ(Sim(a).PlacedCount(), 10);
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
}

TEST_F(DispatcherTest, StopLetsConnectedCallsFinishAndStopsTheRest) {
  Agent a = MakeAgent(2, 0);
  Batch b = MakeBatch(a, Numbers(10), clock_.Now());
  RunUntil(clock_.Now() + seconds(1));
  ASSERT_TRUE(store_->StopBatch(account_.id, b.id, clock_.Now()).ok());
  RunUntil(clock_.Now() + minutes(5));
  EXPECT_EQ(Sim(a).PlacedCount(), 2);
  auto ex = Executions(b);
  int completed = 0, stopped = 0;
  for (auto& e : ex) {
    completed += e.status == ExecutionStatus::kCompleted;
    stopped += e.status == ExecutionStatus::kStopped;
  }
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(stopped, 8);
  EXPECT_EQ(Reload(b).status, BatchStatus::kStopped);
}

TEST_F(DispatcherTest, RecoverRequeuesNeverPlacedAndNeverRedialsPlaced) {
  Agent a = MakeAgent(10, 0);
  Batch b = MakeBatch(a, Numbers(2), clock_.Now());
  ASSERT_TRUE(store_->StartDueBatches(clock_.Now()).ok());
  auto claimed = *store_->ClaimExecutions(b.id, 2, "dead-worker", clock_.Now(), clock_.Now() + minutes(2));
  ASSERT_EQ(claimed.size(), 2u);
  // Both attempts stored as initiated; only the first reached the provider.
  std::vector<AttemptStart> starts;
  for (auto& e : claimed) starts.push_back({NewUuid(), e.id, "", "", 1, {}});
  starts[0].idempotency_key = starts[0].attempt_id;
  starts[1].idempotency_key = starts[1].attempt_id;
  ASSERT_EQ(store_->BeginAttempts(starts, "dead-worker", clock_.Now())->size(), 2u);
  CallRequest req;
  req.attempt_id = starts[0].attempt_id;
  req.idempotency_key = starts[0].idempotency_key;
  req.to = claimed[0].contact_number;
  ASSERT_TRUE(Sim(a).StartCall(req).ok());
  // "Restart": a fresh dispatcher recovers.
  DispatcherOptions d;
  d.worker_id = "new-worker";
  dispatcher_ = std::make_unique<Dispatcher>(*store_, providers_, d);
  sink_.target = dispatcher_.get();
  ASSERT_TRUE(dispatcher_->Recover(clock_.Now()).ok());
  RunUntil(clock_.Now() + minutes(5));
  auto placed = Sim(a).Placed();
  std::map<std::string, int> per_number;
  for (auto& p : placed) per_number[p.to]++;
  EXPECT_EQ(per_number[claimed[0].contact_number], 1);  // placed once, never redialled
  EXPECT_EQ(per_number[claimed[1].contact_number], 1);  // never placed -> requeued -> dialled once
  std::set<std::string> keys;
  for (auto& p : placed) EXPECT_TRUE(keys.insert(p.idempotency_key).second);
}

// Issue 13, finding 13: a simulator that cannot write its record places
// nothing. Its dials end "not placed" and the executions are requeued (not
// failed), the agent backs off 30 s (one StartCall per round, not per call),
// and one ERROR line is logged per outage; once the record is writable again
// the batch completes.
TEST_F(DispatcherTest, UnwritableSimulatorRecordRequeuesBacksOffAndLogsOnce) {
  std::ostringstream log;
  InitLogging(LogOptions{LogFormat::kJson, LogLevel::kInfo}, log);
  Agent a = MakeAgent(10, 0);
  UnplaceableProvider broken;
  providers_.overrides[a.id] = &broken;
  TimePoint t0 = clock_.Now();
  Batch b = MakeBatch(a, Numbers(5), t0);
  RunUntil(t0 + seconds(29));
  EXPECT_EQ(broken.start_calls, 1);
  EXPECT_EQ(dispatcher_->stats().not_placed, 5);
  for (const auto& e : Executions(b)) {
    EXPECT_FALSE(IsTerminal(e.status)) << ToString(e.status);
    EXPECT_NE(e.error_message.find("not placed"), std::string::npos) << e.error_message;
  }
  EXPECT_EQ(Reload(b).status, BatchStatus::kRunning);
  RunUntil(t0 + seconds(65));  // rounds at 0, 30 and 60 s
  EXPECT_EQ(broken.start_calls, 3);
  EXPECT_EQ(dispatcher_->stats().not_placed, 15);

  // The record's directory is gone too: building the provider fails the same way.
  providers_.overrides.clear();
  providers_.build_errors[a.id] = Unavailable("cannot open the simulator record file /gone/x.jsonl: No such file");
  RunUntil(t0 + seconds(95));
  EXPECT_EQ(dispatcher_->stats().not_placed, 20);
  for (const auto& e : Executions(b)) EXPECT_FALSE(IsTerminal(e.status)) << ToString(e.status);

  // Writable again: every call is placed and the batch completes.
  providers_.build_errors.clear();
  RunUntil(t0 + minutes(10));
  EXPECT_EQ(Sim(a).PlacedCount(), 5);
  EXPECT_EQ(Reload(b).status, BatchStatus::kCompleted);
  for (const auto& e : Executions(b)) EXPECT_EQ(e.status, ExecutionStatus::kCompleted);

  std::string text = log.str();
  size_t errors = 0;
  for (size_t at = text.find("dials not placed"); at != std::string::npos; at = text.find("dials not placed", at + 1))
    ++errors;
  EXPECT_EQ(errors, 1u) << text;
  EXPECT_NE(text.find("\"level\":\"error\""), std::string::npos) << text;
  EXPECT_NE(text.find("dials placed again"), std::string::npos) << text;
  InitLogging(LogOptions{});
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

// The preview (compliance::Decider, GET /batches/{id}/preview) and the
// dispatcher decide with the same function on the same inputs: at each
// instant, what the preview says of a batch is what one dispatcher step then
// does to it (dialled, held with the reason and time, or canceled).
TEST_F(DispatcherTest, PreviewAgreesWithTheDispatcher) {
  Agent a = MakeAgent(100, 0);
  CallingGuardrails g{9, 21, "America/New_York", kAllWeekdays, AmbiguousZonePolicy::kStrictest, {"us"}};
  a.calling_guardrails = g;
  a.contact_limits = {{1, 8760}};  // once a year: numbers dialled at an earlier instant are held
  ASSERT_TRUE(store_->UpdateAgent(a).ok());
  ASSERT_TRUE(store_->AddDoNotCall(account_.id, {"+12125550999"}, "test", clock_.Now()).ok());
  const std::vector<std::string> numbers = {
      "+12125550123", "+13055550123", "+12145550123", "+12155551234", "+12055551234", "+18005550123",
      "+14155552671", "+61412345678", "+447911123456", "+919876543210", "+12125550999"};
  const Decider decider(*store_, RulePackSet::BuiltIn());
  int dialled = 0, held = 0, blocked = 0;
  for (const char* instant : {"2026-07-03T16:00:00Z", "2026-12-06T16:00:00Z", "2026-12-08T01:30:00Z",
                              "2026-12-08T15:00:00Z"}) {
    SCOPED_TRACE(instant);
    const TimePoint at = At(instant);
    clock_.Set(at);
    // Half the numbers again in each batch, so earlier dials count.
    Batch b = MakeBatch(a, numbers, at);
    auto preview = decider.Decide(a, b, numbers, at);
    ASSERT_TRUE(preview.ok()) << preview.status().ToString();
    ASSERT_TRUE(dispatcher_->Step(at).ok());
    auto ex = Executions(b);
    ASSERT_EQ(ex.size(), numbers.size());
    for (size_t i = 0; i < ex.size(); ++i) {
      const Decision& d = (*preview)[i];
      const Execution& e = ex[i];
      SCOPED_TRACE(e.contact_number + " " + std::string(ToString(d.verdict)) + " " + d.reason);
      switch (d.verdict) {
        case Verdict::kEligible:
          EXPECT_EQ(e.attempt_count, 1);
          EXPECT_FALSE(e.hold_reason.has_value());
          ++dialled;
          break;
        case Verdict::kHeld:
          EXPECT_EQ(e.status, ExecutionStatus::kRescheduled);
          EXPECT_EQ(e.hold_reason, d.reason);
          EXPECT_EQ(e.next_attempt_at, d.eligible_at);
          EXPECT_EQ(e.attempt_count, 0);
          ++held;
          break;
        case Verdict::kBlocked:
          EXPECT_EQ(e.status, ExecutionStatus::kCanceled);
          EXPECT_EQ(e.hold_reason, d.reason);
          ++blocked;
          break;
      }
    }
  }
  // Every kind of verdict was compared.
  EXPECT_GT(dialled, 3);
  EXPECT_GT(held, 10);
  EXPECT_EQ(blocked, 4);
}

}  // namespace
}  // namespace batchcall
