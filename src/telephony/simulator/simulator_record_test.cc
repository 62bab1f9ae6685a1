// SimulatorProvider's record file (restart, kill -9) and concurrent use.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "telephony/simulator/simulator.h"
#include "telephony/simulator/simulator_plan.h"
#include "telephony/simulator/simulator_record.h"
#include "telephony/simulator/simulator_test_util.h"
#include "testing/sinks.h"

namespace batchcall {
namespace {

using simulator_test::Key;


using std::chrono::milliseconds;
using simulator_test::kT0;

using test::RecordingSink;

void RunUntil(FakeClock& clock, ManualTimerQueue& timers, TimePoint t) {
  while (auto next = timers.NextDue()) {
    if (*next > t) break;
    clock.Set(std::max(*next, clock.Now()));
    timers.RunDue(clock.Now());
  }
  if (t != TimePoint::max() && t > clock.Now()) clock.Set(t);
}

CallRequest RecordReq(const std::string& key) {
  CallRequest r;
  r.attempt_id = "att-" + key;
  r.idempotency_key = key;
  r.to = "+4915112345678";
  r.from = "+4930123456";
  r.variables = {{"name", "Jörg"}};
  r.welcome_message = "Hallo {name}!";
  return r;
}

std::string TempPath(const std::string& name) {
  std::string p = testing::TempDir() + "/sim_" + name + Key("_", ::getpid()) + ".jsonl";
  for (const char* suffix : {"", ".index", ".index-wal", ".index-shm"}) std::remove((p + suffix).c_str());
  return p;
}

SimulatorConfig TestConfig() {
  SimulatorConfig c;
  c.seed = 5;
  c.answer_rate = 0.5;
  c.busy_rate = 0.2;
  c.no_answer_rate = 0.1;
  c.voicemail_rate = 0.1;
  c.failure_rate = 0.1;
  return c;
}

void ExpectSameOutcome(const CallEvent& a, const CallEvent& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.provider_call_id, b.provider_call_id);
  EXPECT_EQ(a.attempt_id, b.attempt_id);
  EXPECT_EQ(a.duration_seconds, b.duration_seconds);
  EXPECT_EQ(a.ring_seconds, b.ring_seconds);
  EXPECT_EQ(a.cost, b.cost);
  EXPECT_EQ(a.answered_by_voice_mail, b.answered_by_voice_mail);
  EXPECT_EQ(a.transcript, b.transcript);
  EXPECT_EQ(a.hangup_by, b.hangup_by);
  EXPECT_EQ(a.error_message, b.error_message);
}

TEST(SimulatorRecordFileTest, LookupAfterARestartAndResumedEvents) {
  const std::string path = TempPath("restart");
  const int n = 40;
  // The reference: the same calls, run to the end without a restart.
  FakeClock ref_clock(kT0);
  ManualTimerQueue ref_timers;
  RecordingSink ref_sink;
  SimulatorProvider ref(TestConfig(), ref_clock, ref_timers, ref_sink);
  for (int i = 0; i < n; ++i) ASSERT_TRUE(ref.StartCall(RecordReq(Key("k", i))).ok());
  RunUntil(ref_clock, ref_timers, TimePoint::max());

  const TimePoint crash_at = kT0 + milliseconds(12'000);  // some calls ended, some not
  {
    FakeClock clock(kT0);
    ManualTimerQueue timers;
    RecordingSink sink;
    SimulatorProvider a(TestConfig(), clock, timers, sink, {path, "agent-1"});
    ASSERT_TRUE(a.status().ok()) << a.status().ToString();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(a.StartCall(RecordReq(Key("k", i))).ok());
    RunUntil(clock, timers, crash_at);
    ASSERT_GT(a.EndedCount(), 0);
    ASSERT_LT(a.EndedCount(), n);
  }  // "crash": pending events are lost with the process

  auto lines = SimulatorProvider::LoadRecord(path);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  auto stats = SimulatorProvider::SummarizeRecord(*lines);
  EXPECT_EQ(stats.placed, n);
  EXPECT_EQ(stats.duplicate_placed_keys, 0);
  EXPECT_GT(stats.unfinished, 0);
  EXPECT_EQ(stats.max_simultaneous, n);
  EXPECT_EQ((*lines)[0].event, "placed");
  EXPECT_EQ((*lines)[0].key, "k0");
  EXPECT_EQ((*lines)[0].to, "+4915112345678");
  EXPECT_EQ((*lines)[0].from, "+4930123456");
  EXPECT_EQ((*lines)[0].at_ms, ToUnixMillis(kT0));
  EXPECT_EQ((*lines)[0].welcome, "Hallo Jörg!");

  // Restart, a little later.
  FakeClock clock(crash_at + milliseconds(500));
  ManualTimerQueue timers;
  RecordingSink sink;
  SimulatorProvider b(TestConfig(), clock, timers, sink, {path, "agent-1"});
  ASSERT_TRUE(b.status().ok());
  EXPECT_EQ(b.Placed().size(), static_cast<size_t>(n));
  EXPECT_TRUE(b.Placed()[0].from_record);
  EXPECT_EQ(b.InFlight(), stats.unfinished);
  EXPECT_EQ(b.Lookup("never").status().code(), StatusCode::kNotFound);
  for (int i = 0; i < n; ++i) {
    std::string key = Key("k", i);
    auto ref_events = ref_sink.ForKey(key);
    auto got = b.Lookup(key);
    ASSERT_TRUE(got.ok());
    // The latest event due by now, per the reference timeline.
    const CallEvent* expected = nullptr;
    for (auto& e : ref_events)
      if (e.at <= clock.Now()) expected = &e;
    if (expected == nullptr) {
      EXPECT_EQ(got->status, ExecutionStatus::kInitiated) << key;
    } else if (IsOutcome(*expected)) {
      ExpectSameOutcome(*got, *expected);
    } else {
      EXPECT_EQ(got->status, expected->status) << key;
    }
  }
  // A repeated StartCall for a recorded key places nothing.
  EXPECT_EQ(*b.StartCall(RecordReq("k3")), SimulatorProvider::CallIdFor("k3"));
  EXPECT_EQ(b.PlacedCount(), 0);

  // The unfinished calls deliver their outcomes (as a remote provider would).
  RunUntil(clock, timers, TimePoint::max());
  EXPECT_EQ(b.InFlight(), 0);
  EXPECT_EQ(b.EndedCount(), stats.unfinished);
  for (int i = 0; i < n; ++i) {
    std::string key = Key("k", i);
    auto got = b.Lookup(key);
    ASSERT_TRUE(got.ok());
    ExpectSameOutcome(*got, ref_sink.ForKey(key).back());
    auto resumed = sink.ForKey(key);
    if (!resumed.empty()) {
      ExpectSameOutcome(resumed.back(), ref_sink.ForKey(key).back());
      for (size_t j = 1; j < resumed.size(); ++j) EXPECT_LT(static_cast<int>(resumed[j - 1].status),
                                                            static_cast<int>(resumed[j].status));
    }
  }
  auto after = SimulatorProvider::SummarizeRecord(*SimulatorProvider::LoadRecord(path));
  EXPECT_EQ(after.placed, n);
  EXPECT_EQ(after.ended, n);
  EXPECT_EQ(after.unfinished, 0);
  EXPECT_EQ(after.duplicate_placed_keys, 0);
  std::remove(path.c_str());
}

TEST(SimulatorRecordFileTest, MissingFileIsNotFoundAndTornLinesAreSkipped) {
  const std::string path = TempPath("torn");
  EXPECT_EQ(SimulatorProvider::LoadRecord(path).status().code(), StatusCode::kNotFound);
  {
    std::ofstream out(path);
    out << R"({"event":"placed","provider":"","key":"a","at_ms":1,"outcome":"busy","ring_s":1.5})" << "\n"
        << "garbage\n"
        << R"({"event":"ended","provider":"","key":"a","status":"busy","at_ms":2})" << "\n"
        << R"({"event":"placed","provider":"","key":"b","at)";
  }
  auto lines = SimulatorProvider::LoadRecord(path);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 2u);
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  SimulatorProvider p(SimulatorConfig{}, clock, timers, sink, {path, ""});
  auto e = p.Lookup("a");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kBusy);
  EXPECT_EQ(e->ring_seconds, 1.5);
  EXPECT_EQ(e->at, FromUnixMillis(2));
  EXPECT_EQ(p.Lookup("b").status().code(), StatusCode::kNotFound);
  std::remove(path.c_str());
}

TEST(SimulatorRecordFileTest, ProvidersSharingAFileSeeOnlyTheirCalls) {
  const std::string path = TempPath("shared");
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  {
    SimulatorProvider x(SimulatorConfig{}, clock, timers, sink, {path, "x"});
    SimulatorProvider y(SimulatorConfig{}, clock, timers, sink, {path, "y"});
    ASSERT_TRUE(x.StartCall(RecordReq("from-x")).ok());
    ASSERT_TRUE(y.StartCall(RecordReq("from-y")).ok());
  }
  ManualTimerQueue timers2;
  SimulatorProvider x2(SimulatorConfig{}, clock, timers2, sink, {path, "x", /*resume_unfinished=*/false});
  EXPECT_TRUE(x2.Lookup("from-x").ok());
  EXPECT_EQ(x2.Lookup("from-y").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(timers2.pending(), 0u);
  std::remove(path.c_str());
}

TEST(SimulatorRecordFileTest, UnwritableRecordMakesStartCallUnavailable) {
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  SimulatorOptions o;
  o.record_path = testing::TempDir() + "/no/such/dir/record.jsonl";
  auto created = SimulatorProvider::Create(SimulatorConfig{}, clock, timers, sink, o);
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  SimulatorProvider p(SimulatorConfig{}, clock, timers, sink, o);
  EXPECT_EQ(p.StartCall(RecordReq("x")).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(p.Placed().empty());
}

// A process killed with SIGKILL right after StartCall returned still has
// every placed line on disk: nothing is buffered in the process.
TEST(SimulatorRecordFileTest, PlacedLinesSurviveKill9) {
  const std::string path = TempPath("kill9");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FakeClock clock(kT0);
    ManualTimerQueue timers;
    RecordingSink sink;
    SimulatorProvider p(TestConfig(), clock, timers, sink, {path, "k9"});
    for (int i = 0; i < 100; ++i) {
      if (!p.StartCall(RecordReq(Key("kill-", i))).ok()) ::_exit(3);
      if (i == 49) RunUntil(clock, timers, kT0 + milliseconds(5000));
    }
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto lines = SimulatorProvider::LoadRecord(path);
  ASSERT_TRUE(lines.ok());
  auto stats = SimulatorProvider::SummarizeRecord(*lines);
  EXPECT_EQ(stats.placed, 100);
  EXPECT_EQ(stats.duplicate_placed_keys, 0);
  EXPECT_GT(stats.ended, 0);
  EXPECT_EQ(stats.unfinished, 100 - stats.ended);
  std::remove(path.c_str());
}

TEST(SimulatorConcurrencyTest, StartCallFromFourThreads) {
  const std::string path = TempPath("threads");
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  SimulatorConfig c = TestConfig();
  c.speed = 1000;
  SimulatorProvider p(c, clock, timers, sink, {path, "t"});
  const int shared = 500, own = 1000;
  std::atomic<bool> done{false};
  std::thread timer_thread([&] {  // events fire while calls are placed
    while (!done.load()) {
      clock.Advance(milliseconds(1));
      timers.RunDue(clock.Now());
    }
  });
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> ids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < own; ++i) {
        auto a = p.StartCall(RecordReq(Key("t", t) + Key("-", i)));
        auto b = p.StartCall(RecordReq(Key("shared-", i % shared)));
        ASSERT_TRUE(a.ok() && b.ok());
        ids[t].push_back(*b);
        (void)p.Lookup(Key("shared-", i % shared));
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  timer_thread.join();
  RunUntil(clock, timers, TimePoint::max());

  const int64_t total = 4 * own + shared;
  EXPECT_EQ(p.PlacedCount(), total);
  EXPECT_EQ(static_cast<int64_t>(p.Placed().size()), total);
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < own; ++i)
      EXPECT_EQ(ids[t][i], SimulatorProvider::CallIdFor(Key("shared-", i % shared)));
  EXPECT_EQ(p.InFlight(), 0);
  EXPECT_EQ(p.EndedCount(), total);
  EXPECT_GE(p.MaxInFlight(), 1);
  EXPECT_LE(p.MaxInFlight(), total);
  for (int i = 0; i < shared; ++i) {
    auto events = sink.ForKey(Key("shared-", i));
    int outcomes = 0;
    for (auto& e : events) outcomes += IsOutcome(e);
    EXPECT_EQ(outcomes, 1);
  }
  auto stats = SimulatorProvider::SummarizeRecord(*SimulatorProvider::LoadRecord(path));
  EXPECT_EQ(stats.placed, total);
  EXPECT_EQ(stats.ended, total);
  EXPECT_EQ(stats.duplicate_placed_keys, 0);
  EXPECT_EQ(stats.max_simultaneous, p.MaxInFlight());
  std::remove(path.c_str());
}

// The production set-up: real clock, timer thread, record file.
TEST(SimulatorConcurrencyTest, RealClockAndTimerThread) {
  struct WaitSink final : CallEventSink {
    std::mutex mu;
    std::condition_variable cv;
    int outcomes = 0;
    void OnCallEvent(CallEvent e) override {
      std::lock_guard lock(mu);
      if (IsOutcome(e)) outcomes++;
      cv.notify_all();
    }
  } sink;
  const std::string path = TempPath("real");
  SystemClock clock;
  SimulatorConfig c = TestConfig();
  c.speed = 1e5;  // the longest call (~1.5 simulated minutes) takes about 1 ms
  const int per_thread = 250;
  {
    ThreadTimerQueue timers(clock);
    SimulatorProvider p(c, clock, timers, sink, {path, "real"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) EXPECT_TRUE(p.StartCall(RecordReq(Key("r", t * per_thread + i))).ok());
      });
    for (auto& th : threads) th.join();
    std::unique_lock lock(sink.mu);
    ASSERT_TRUE(sink.cv.wait_for(lock, std::chrono::seconds(30), [&] { return sink.outcomes == 4 * per_thread; }));
    lock.unlock();
    EXPECT_EQ(p.InFlight(), 0);
  }
  auto stats = SimulatorProvider::SummarizeRecord(*SimulatorProvider::LoadRecord(path));
  EXPECT_EQ(stats.placed, 4 * per_thread);
  EXPECT_EQ(stats.ended, 4 * per_thread);
  std::remove(path.c_str());
}

// Issue 15, item 8: with a record, ended calls leave memory once its index
// has read them, and both Lookup and StartCall's idempotency still answer
// for them from the index.
TEST(SimulatorRecordFileTest, EndedCallsLeaveMemoryAndStayFindable) {
  const std::string path = TempPath("forget");
  const int n = 3 * 4096 + 100;
  FakeClock ref_clock(kT0);
  ManualTimerQueue ref_timers;
  RecordingSink ref_sink;
  SimulatorProvider ref(TestConfig(), ref_clock, ref_timers, ref_sink);
  FakeClock clock(kT0);
  ManualTimerQueue timers;
  RecordingSink sink;
  SimulatorProvider p(TestConfig(), clock, timers, sink, {path, "agent-1"});
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(ref.StartCall(RecordReq(Key("k", i))).ok());
    ASSERT_TRUE(p.StartCall(RecordReq(Key("k", i))).ok());
  }
  EXPECT_EQ(p.KeptCalls(), n);  // all live
  RunUntil(ref_clock, ref_timers, TimePoint::max());
  RunUntil(clock, timers, TimePoint::max());
  EXPECT_EQ(p.EndedCount(), n);
  EXPECT_LT(p.KeptCalls(), 4096);
  EXPECT_EQ(ref.KeptCalls(), n);  // no record: nothing to answer from but memory
  for (int i : {0, 1, 4095, 4096, 9000, n - 1}) {
    std::string key = Key("k", i);
    auto got = p.Lookup(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    ExpectSameOutcome(*got, ref_sink.ForKey(key).back());
  }
  EXPECT_EQ(p.Lookup("never").status().code(), StatusCode::kNotFound);
  // A repeated StartCall of a forgotten call places nothing.
  EXPECT_EQ(*p.StartCall(RecordReq("k0")), SimulatorProvider::CallIdFor("k0"));
  EXPECT_EQ(p.PlacedCount(), n);
  EXPECT_EQ(p.InFlight(), 0);
  auto stats = SimulatorProvider::SummarizeRecord(*SimulatorProvider::LoadRecord(path));
  EXPECT_EQ(stats.placed, n);
  EXPECT_EQ(stats.duplicate_placed_keys, 0);
  std::remove(path.c_str());
}

// A provider sharing the record (another node on the machine) finds calls
// placed after it started: a miss makes the index read what was appended.
TEST(SimulatorRecordFileTest, LookupFindsCallsAnotherWriterPlacedLater) {
  const std::string path = TempPath("later");
  FakeClock clock(kT0);
  ManualTimerQueue timers, timers2;
  RecordingSink sink;
  SimulatorProvider a(TestConfig(), clock, timers, sink, {path, "agent-1"});
  SimulatorProvider b(TestConfig(), clock, timers2, sink, {path, "agent-1", /*resume_unfinished=*/false});
  ASSERT_TRUE(a.StartCall(RecordReq("late")).ok());
  auto got = b.Lookup("late");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, ExecutionStatus::kInitiated);
  EXPECT_EQ(got->provider_call_id, SimulatorProvider::CallIdFor("late"));
  RunUntil(clock, timers, TimePoint::max());
  got = b.Lookup("late");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(IsOutcome(*got));
  EXPECT_EQ(timers2.pending(), 0u);
  std::remove(path.c_str());
}

// The index's reader of a line agrees with the full parser.
TEST(SimulatorRecordTest, LineKeysAgreeWithTheFullParser) {
  sim::Plan plan = sim::MakePlan(SimulatorConfig{}, "k");
  const std::string placed = sim::FormatPlacedLine({"agent-1", "k", "att", "sim-1", "+1555", "+1556", "Hi", 42, &plan});
  const std::string ended = sim::FormatEndedLine("agent-1", "k", ExecutionStatus::kCompleted, 43);
  std::vector<std::string> lines = {
      placed.substr(0, placed.size() - 1),
      ended.substr(0, ended.size() - 1),
      placed.substr(0, 40),  // torn
      sim::FormatEndedLine("a\"b", "k\\\\1\n", ExecutionStatus::kBusy, 7),
      R"({"event":"ended","key":"k","at_ms":1.5})",
      R"({"event":"ended","key":"k","at_ms":"1"})",
      R"({"event":"ended","key":"","at_ms":1})",
      R"({"event":"other","key":"k","at_ms":1})",
      R"({"event":"ended","key":"k"})",
      R"({"ev\u0065nt":"ended","key":"k","at_ms":5})",
      R"({"event":"ended","key":"k","at_ms":5,"key":"k2"})",
      R"(["event"])",
      "",
  };
  for (std::string line : lines) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    auto full = sim::ParseRecordLine(line);
    auto keys = sim::ParseRecordLineKeys(line);
    ASSERT_EQ(full.has_value(), keys.has_value()) << line;
    if (!full) continue;
    EXPECT_EQ(keys->event, full->event) << line;
    EXPECT_EQ(keys->provider, full->provider) << line;
    EXPECT_EQ(keys->key, full->key) << line;
    EXPECT_EQ(keys->at_ms, full->at_ms) << line;
  }
}

// Issue 13, finding 13: serve checks the record before it starts.
TEST(SimulatorRecordFileTest, CheckRecordWritableCreatesTheFileOrSaysWhyNot) {
  const std::string path = TempPath("writable");
  std::remove(path.c_str());
  ASSERT_TRUE(SimulatorProvider::CheckRecordWritable(path).ok());
  EXPECT_TRUE(std::ifstream(path).good());
  ASSERT_TRUE(SimulatorProvider::CheckRecordWritable(path).ok());  // an existing file is kept
  std::remove(path.c_str());
  const std::string missing_dir = path + ".d/calls.jsonl";
  Status s = SimulatorProvider::CheckRecordWritable(missing_dir);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(missing_dir), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace batchcall
