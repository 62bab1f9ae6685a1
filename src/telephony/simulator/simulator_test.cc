// SimulatorProvider on a FakeClock and a ManualTimerQueue: event sequences,
// determinism, rates, speed, idempotency, Lookup, the record file, threads.
#include "telephony/simulator/simulator.h"
#include "telephony/simulator/simulator_test_util.h"
#include "testing/sinks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

namespace batchcall {
namespace {

using simulator_test::Key;


using std::chrono::milliseconds;
using simulator_test::kT0;

using test::RecordingSink;

struct Harness {
  explicit Harness(SimulatorConfig config, SimulatorOptions options = {}) {
    sim = std::make_unique<SimulatorProvider>(config, clock, timers, sink, std::move(options));
  }
  // Advances the fake clock from timer to timer until none is left.
  void RunAll() { RunUntil(TimePoint::max()); }
  void RunUntil(TimePoint t) {
    while (auto next = timers.NextDue()) {
      if (*next > t) break;
      if (*next > clock.Now()) clock.Set(*next);
      timers.RunDue(clock.Now());
    }
    if (t != TimePoint::max() && t > clock.Now()) clock.Set(t);
  }
  FakeClock clock{kT0};
  ManualTimerQueue timers;
  RecordingSink sink;
  std::unique_ptr<SimulatorProvider> sim;
};

SimulatorConfig Only(double SimulatorConfig::*rate) {
  SimulatorConfig c;
  c.answer_rate = c.busy_rate = c.no_answer_rate = c.voicemail_rate = c.failure_rate = 0;
  c.*rate = 1;
  return c;
}

CallRequest Req(const std::string& key, std::string welcome = "Hi {first_name}, this is Batchcall.") {
  CallRequest r;
  r.execution_id = "exec-" + key;
  r.attempt_id = "att-" + key;
  r.idempotency_key = key;
  r.to = "+15550000001";
  r.from = "+15550009999";
  r.variables = {{"first_name", "Asha"}, {"city", "Pune"}};
  r.welcome_message = std::move(welcome);
  return r;
}

std::vector<ExecutionStatus> Statuses(const std::vector<CallEvent>& events) {
  std::vector<ExecutionStatus> s;
  for (auto& e : events) s.push_back(e.status);
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

int64_t Off(const CallEvent& e) { return ToUnixMillis(e.at) - ToUnixMillis(kT0); }

void ExpectCommonFields(const std::vector<CallEvent>& events, const std::string& key) {
  for (const CallEvent& e : events) {
    EXPECT_EQ(e.idempotency_key, key);
    EXPECT_EQ(e.attempt_id, "att-" + key);
    EXPECT_EQ(e.provider_call_id, SimulatorProvider::CallIdFor(key));
  }
}

TEST(SimulatorTest, AnsweredCallSequence) {
  Harness h(Only(&SimulatorConfig::answer_rate));
  auto id = h.sim->StartCall(Req("a1"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, SimulatorProvider::CallIdFor("a1"));
  EXPECT_EQ(id->size(), 20u);
  EXPECT_EQ(id->rfind("sim-", 0), 0u);
  EXPECT_EQ(h.sim->InFlight(), 1);
  EXPECT_TRUE(h.sink.Events().empty());  // nothing before the timers fire
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(Statuses(ev), (std::vector{ExecutionStatus::kRinging, ExecutionStatus::kInProgress,
                                       ExecutionStatus::kCallDisconnected, ExecutionStatus::kCompleted}));
  ExpectCommonFields(ev, "a1");
  const CallEvent& done = ev[3];
  EXPECT_GE(done.ring_seconds, 3);
  EXPECT_LE(done.ring_seconds, 15);
  EXPECT_GE(done.duration_seconds, 20);
  EXPECT_LE(done.duration_seconds, 90);
  EXPECT_EQ(Off(ev[0]), 500);
  EXPECT_EQ(Off(ev[1]), 500 + std::llround(done.ring_seconds * 1000));
  EXPECT_EQ(Off(ev[2]), Off(ev[1]) + std::llround(done.duration_seconds * 1000));
  EXPECT_EQ(Off(ev[3]), Off(ev[2]) + 200);
  EXPECT_DOUBLE_EQ(done.cost, std::ceil(done.duration_seconds / 60) * 0.013);
  EXPECT_FALSE(done.answered_by_voice_mail);
  EXPECT_TRUE(done.hangup_by == "agent" || done.hangup_by == "user") << done.hangup_by;
  EXPECT_FALSE(done.summary.empty());
  EXPECT_TRUE(done.error_message.empty());
  auto lines = Lines(done.transcript);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "agent: Hi Asha, this is Batchcall.");
  for (auto& l : lines) EXPECT_TRUE(l.rfind("agent: ", 0) == 0 || l.rfind("user: ", 0) == 0) << l;
  EXPECT_EQ(lines[1].rfind("user: ", 0), 0u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ev[i].transcript.empty());  // outcome fields on the outcome only
  EXPECT_EQ(h.sim->InFlight(), 0);
  EXPECT_EQ(h.sim->EndedCount(), 1);
}

TEST(SimulatorTest, VoicemailCallSequence) {
  Harness h(Only(&SimulatorConfig::voicemail_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("v1")).ok());
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(Statuses(ev), (std::vector{ExecutionStatus::kRinging, ExecutionStatus::kInProgress,
                                       ExecutionStatus::kCallDisconnected, ExecutionStatus::kCompleted}));
  ExpectCommonFields(ev, "v1");
  const CallEvent& done = ev[3];
  EXPECT_TRUE(done.answered_by_voice_mail);
  EXPECT_GE(done.duration_seconds, 5);
  EXPECT_LE(done.duration_seconds, 15);
  EXPECT_EQ(Lines(done.transcript), std::vector<std::string>{"agent: Hi Asha, this is Batchcall."});
  EXPECT_EQ(done.hangup_by, "agent");
  EXPECT_DOUBLE_EQ(done.cost, 0.013);
  EXPECT_EQ(Off(ev[3]) - Off(ev[2]), 200);
}

TEST(SimulatorTest, BusyCallSequence) {
  Harness h(Only(&SimulatorConfig::busy_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("b1")).ok());
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(Statuses(ev), (std::vector{ExecutionStatus::kRinging, ExecutionStatus::kBusy}));
  ExpectCommonFields(ev, "b1");
  EXPECT_GE(ev[1].ring_seconds, 1);
  EXPECT_LE(ev[1].ring_seconds, 2);
  EXPECT_EQ(Off(ev[1]), 500 + std::llround(ev[1].ring_seconds * 1000));
  EXPECT_EQ(ev[1].duration_seconds, 0);
  EXPECT_EQ(ev[1].cost, 0);
  EXPECT_TRUE(ev[1].transcript.empty());
  EXPECT_EQ(ev[1].hangup_reason, "busy");
}

TEST(SimulatorTest, NoAnswerRingsForTheMaxRingTimeButAtLeast20Seconds) {
  Harness h(Only(&SimulatorConfig::no_answer_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("n1")).ok());
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(Statuses(ev), (std::vector{ExecutionStatus::kRinging, ExecutionStatus::kNoAnswer}));
  EXPECT_EQ(ev[1].ring_seconds, 20);  // ring max is 15
  EXPECT_EQ(Off(ev[1]), 20'500);

  SimulatorConfig c = Only(&SimulatorConfig::no_answer_rate);
  c.ring_max_seconds = 45;
  Harness h2(c);
  ASSERT_TRUE(h2.sim->StartCall(Req("n1")).ok());
  h2.RunAll();
  ASSERT_EQ(h2.sink.Events().size(), 2u);
  EXPECT_EQ(Off(h2.sink.Events()[1]), 45'500);
}

TEST(SimulatorTest, FailedCallSequence) {
  Harness h(Only(&SimulatorConfig::failure_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("f1")).ok());
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(Statuses(ev), std::vector{ExecutionStatus::kFailed});
  ExpectCommonFields(ev, "f1");
  EXPECT_EQ(Off(ev[0]), 1000);
  EXPECT_EQ(ev[0].error_message, "simulated network failure");
  EXPECT_EQ(ev[0].hangup_reason, "simulated network failure");
}

TEST(SimulatorTest, SameSeedAndKeyGiveTheSameEvents) {
  SimulatorConfig c;
  c.seed = 1234;
  Harness a(c), b(c);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(a.sim->StartCall(Req(Key("k", i))).ok());
    ASSERT_TRUE(b.sim->StartCall(Req(Key("k", 49 - i))).ok());  // another order
  }
  a.RunAll();
  b.RunAll();
  for (int i = 0; i < 50; ++i) {
    auto ea = a.sink.ForKey(Key("k", i));
    auto eb = b.sink.ForKey(Key("k", i));
    ASSERT_EQ(ea.size(), eb.size());
    for (size_t j = 0; j < ea.size(); ++j) {
      EXPECT_EQ(ea[j].status, eb[j].status);
      EXPECT_EQ(ea[j].at, eb[j].at);
      EXPECT_EQ(ea[j].duration_seconds, eb[j].duration_seconds);
      EXPECT_EQ(ea[j].ring_seconds, eb[j].ring_seconds);
      EXPECT_EQ(ea[j].transcript, eb[j].transcript);
      EXPECT_EQ(ea[j].hangup_by, eb[j].hangup_by);
    }
  }
}

TEST(SimulatorTest, DifferentSeedsGiveDifferentCalls) {
  SimulatorConfig c1, c2;
  c1.seed = 1;
  c2.seed = 2;
  Harness a(c1), b(c2);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    std::string key = Key("k", i);
    ASSERT_TRUE(a.sim->StartCall(Req(key)).ok());
    ASSERT_TRUE(b.sim->StartCall(Req(key)).ok());
  }
  a.RunAll();
  b.RunAll();
  for (int i = 0; i < 200; ++i) {
    std::string key = Key("k", i);
    auto ea = a.sink.ForKey(key), eb = b.sink.ForKey(key);
    if (ea.back().status != eb.back().status || ea.back().at != eb.back().at) differ++;
    // The call id depends on the key only.
    EXPECT_EQ(ea.back().provider_call_id, eb.back().provider_call_id);
  }
  EXPECT_GT(differ, 150);
}

TEST(SimulatorTest, RatesConvergeOver10000Calls) {
  SimulatorConfig c;  // 0.6 / 0.1 / 0.15 / 0.1 / 0.05
  c.speed = 1e6;
  c.seed = 99;
  Harness h(c);
  const int n = 10'000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(h.sim->StartCall(Req(Key("call-", i))).ok());
  EXPECT_EQ(h.sim->MaxInFlight(), n);
  h.RunAll();
  std::map<std::string, int> counts;
  for (const CallEvent& e : h.sink.Events()) {
    if (!IsOutcome(e)) continue;
    std::string kind(ToString(e.status));
    if (e.answered_by_voice_mail) kind = "voicemail";
    counts[kind]++;
  }
  EXPECT_NEAR(counts["completed"] / double(n), 0.60, 0.025);
  EXPECT_NEAR(counts["busy"] / double(n), 0.10, 0.02);
  EXPECT_NEAR(counts["no-answer"] / double(n), 0.15, 0.02);
  EXPECT_NEAR(counts["voicemail"] / double(n), 0.10, 0.02);
  EXPECT_NEAR(counts["failed"] / double(n), 0.05, 0.015);
  EXPECT_EQ(counts["completed"] + counts["busy"] + counts["no-answer"] + counts["voicemail"] + counts["failed"], n);
  EXPECT_EQ(h.sim->InFlight(), 0);
}

TEST(SimulatorTest, SpeedScalesTimestampsNotReportedDurations) {
  SimulatorConfig c = Only(&SimulatorConfig::answer_rate);
  c.speed = 10;
  Harness h(c);
  ASSERT_TRUE(h.sim->StartCall(Req("s1")).ok());
  h.RunAll();
  auto ev = h.sink.Events();
  ASSERT_EQ(ev.size(), 4u);
  int64_t ring_ms = std::llround(ev[3].ring_seconds * 1000);
  int64_t talk_ms = std::llround(ev[3].duration_seconds * 1000);
  EXPECT_GE(ev[3].duration_seconds, 20);  // simulated seconds
  EXPECT_EQ(Off(ev[0]), 50);
  EXPECT_EQ(Off(ev[1]), std::llround((500 + ring_ms) / 10.0));
  EXPECT_EQ(Off(ev[2]), std::llround((500 + ring_ms + talk_ms) / 10.0));
  EXPECT_EQ(Off(ev[3]), std::llround((700 + ring_ms + talk_ms) / 10.0));

  c.speed = 1e6;
  Harness fast(c);
  ASSERT_TRUE(fast.sim->StartCall(Req("s1")).ok());
  fast.timers.RunDue(kT0);  // everything is due at once, still in order
  auto fe = fast.sink.Events();
  ASSERT_EQ(Statuses(fe), Statuses(ev));
  for (auto& e : fe) EXPECT_EQ(e.at, kT0);
  EXPECT_EQ(fe[3].duration_seconds, ev[3].duration_seconds);
}

TEST(SimulatorTest, WelcomeMessageRenderingInTranscript) {
  Harness h(Only(&SimulatorConfig::answer_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("w1", "Hello {first_name} from {city}, {{ok}} {missing}!")).ok());
  ASSERT_TRUE(h.sim->StartCall(Req("w2", "Plain message.")).ok());
  ASSERT_TRUE(h.sim->StartCall(Req("w3", "")).ok());
  h.RunAll();
  EXPECT_EQ(Lines(h.sink.ForKey("w1").back().transcript)[0], "agent: Hello Asha from Pune, {ok} !");
  EXPECT_EQ(Lines(h.sink.ForKey("w2").back().transcript)[0], "agent: Plain message.");
  EXPECT_EQ(Lines(h.sink.ForKey("w3").back().transcript)[0], "agent: ");
}

TEST(SimulatorTest, StartCallIsIdempotent) {
  Harness h(Only(&SimulatorConfig::busy_rate));
  auto first = h.sim->StartCall(Req("same"));
  CallRequest again = Req("same");
  again.to = "+15550000002";
  auto second = h.sim->StartCall(again);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(h.sim->Placed().size(), 1u);
  EXPECT_EQ(h.sim->Placed()[0].to, "+15550000001");
  h.RunAll();
  EXPECT_EQ(h.sink.Events().size(), 2u);  // one call's events
  ASSERT_TRUE(h.sim->StartCall(Req("same")).ok());  // after the end, still nothing placed
  h.RunAll();
  EXPECT_EQ(h.sink.Events().size(), 2u);
  EXPECT_EQ(h.sim->PlacedCount(), 1);
}

TEST(SimulatorTest, RejectsWhatCannotBeDialled) {
  Harness h(SimulatorConfig{});
  CallRequest r = Req("");
  EXPECT_EQ(h.sim->StartCall(r).status().code(), StatusCode::kInvalidArgument);
  for (const char* to : {"", "15550000001", "+1555abc", "+"}) {
    r = Req("bad");
    r.to = to;
    EXPECT_EQ(h.sim->StartCall(r).status().code(), StatusCode::kInvalidArgument) << to;
  }
  EXPECT_TRUE(h.sim->Placed().empty());
}

TEST(SimulatorTest, PlacedRecordsStartAndEnd) {
  Harness h(Only(&SimulatorConfig::failure_rate));
  ASSERT_TRUE(h.sim->StartCall(Req("p1")).ok());
  auto placed = h.sim->Placed();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].idempotency_key, "p1");
  EXPECT_EQ(placed[0].attempt_id, "att-p1");
  EXPECT_EQ(placed[0].from, "+15550009999");
  EXPECT_EQ(placed[0].started_at, kT0);
  EXPECT_FALSE(placed[0].ended_at.has_value());
  h.RunAll();
  placed = h.sim->Placed();
  EXPECT_EQ(placed[0].ended_at, kT0 + milliseconds(1000));
  EXPECT_EQ(placed[0].final_status, ExecutionStatus::kFailed);
}

TEST(SimulatorTest, LookupFollowsTheCall) {
  Harness h(Only(&SimulatorConfig::answer_rate));
  EXPECT_EQ(h.sim->Lookup("nope").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(h.sim->StartCall(Req("l1")).ok());
  auto e = h.sim->Lookup("l1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kInitiated);
  EXPECT_EQ(e->provider_call_id, SimulatorProvider::CallIdFor("l1"));
  h.RunUntil(kT0 + milliseconds(600));
  EXPECT_EQ(h.sim->Lookup("l1")->status, ExecutionStatus::kRinging);
  h.RunAll();
  e = h.sim->Lookup("l1");
  ASSERT_TRUE(e.ok());
  CallEvent delivered = h.sink.Events().back();
  EXPECT_EQ(e->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e->at, delivered.at);
  EXPECT_EQ(e->attempt_id, "att-l1");
  EXPECT_EQ(e->duration_seconds, delivered.duration_seconds);
  EXPECT_EQ(e->transcript, delivered.transcript);
  EXPECT_EQ(e->cost, delivered.cost);
  EXPECT_EQ(h.sim->Lookup("other").status().code(), StatusCode::kNotFound);
}

TEST(SimulatorTest, InFlightAndMaxInFlight) {
  Harness h(Only(&SimulatorConfig::answer_rate));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.sim->StartCall(Req(Key("m", i))).ok());
  EXPECT_EQ(h.sim->InFlight(), 3);
  h.RunAll();
  ASSERT_TRUE(h.sim->StartCall(Req("m9")).ok());
  EXPECT_EQ(h.sim->InFlight(), 1);
  EXPECT_EQ(h.sim->MaxInFlight(), 3);
  EXPECT_EQ(h.sim->PlacedCount(), 4);
}

TEST(SimulatorTest, SinkMayCallBackIntoTheProvider) {
  struct Reentrant final : CallEventSink {
    SimulatorProvider* sim = nullptr;
    int lookups = 0;
    void OnCallEvent(CallEvent e) override {
      if (sim->Lookup(e.idempotency_key).ok()) lookups++;
      if (IsOutcome(e) && e.idempotency_key == "r1") (void)sim->StartCall(Req("r2"));
    }
  } sink;
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  SimulatorProvider sim(Only(&SimulatorConfig::busy_rate), clock, timers, sink);
  sink.sim = &sim;
  ASSERT_TRUE(sim.StartCall(Req("r1")).ok());
  while (auto next = timers.NextDue()) {
    clock.Set(std::max(*next, clock.Now()));
    timers.RunDue(clock.Now());
  }
  EXPECT_EQ(sink.lookups, 4);
  EXPECT_EQ(sim.Placed().size(), 2u);
}

TEST(SimulatorTest, PendingEventsAfterDestructionAreDropped) {
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  {
    SimulatorProvider sim(SimulatorConfig{}, clock, timers, sink);
    ASSERT_TRUE(sim.StartCall(Req("gone")).ok());
  }
  EXPECT_EQ(timers.RunDue(kT0 + std::chrono::hours(1)), 1);
  EXPECT_TRUE(sink.Events().empty());
}

}  // namespace
}  // namespace batchcall
