#include "store/rules/rules.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace batchcall::store_rules {
namespace {

using E = ExecutionStatus;

TEST(RulesTest, TransitionConflictNamesCurrentAndSources) {
  for (BatchStatus from : kAllBatchStatuses) {
    for (BatchStatus to : kAllBatchStatuses) {
      Status s = TransitionConflict(from, to);
      EXPECT_EQ(s.code(), StatusCode::kConflict);
      EXPECT_EQ(s.message().rfind("batch is " + std::string(ToString(from)) + "; it can ", 0), 0u)
          << s.message();
      for (BatchStatus source : BatchSourcesOf(to)) {
        EXPECT_NE(s.message().find(ToString(source)), std::string::npos) << s.message();
      }
    }
  }
  EXPECT_EQ(TransitionConflict(BatchStatus::kCompleted, BatchStatus::kPaused).message(),
            "batch is completed; it can only be paused from scheduled or running");
  EXPECT_EQ(TransitionConflict(BatchStatus::kRunning, BatchStatus::kCreated).message(),
            "batch is running; it can never become created");
}

TEST(RulesTest, OnlyScheduledRunningOrPausedBatchesStop) {
  for (BatchStatus s : kAllBatchStatuses) {
    const bool stoppable =
        s == BatchStatus::kScheduled || s == BatchStatus::kRunning || s == BatchStatus::kPaused;
    Status st = CheckStoppable(s);
    EXPECT_EQ(st.ok(), stoppable) << ToString(s);
    if (!stoppable) {
      EXPECT_EQ(st.code(), StatusCode::kConflict);
      EXPECT_EQ(st.message(), "batch is " + std::string(ToString(s)) +
                                  "; only a scheduled, running or paused batch can be stopped");
    }
  }
  EXPECT_EQ(InFlightConflict("b1").message(), "batch b1 has calls in flight; wait until they end");
}

TEST(RulesTest, StoredStatusParsing) {
  EXPECT_EQ(*ParseStoredStatus("ringing"), E::kRinging);
  auto bad = ParseStoredStatus("ringing-ish");
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_EQ(bad.status().message(), "stored status is unknown: ringing-ish");
}

TEST(RulesTest, StoredStatusCountsLeaveOutZerosAndRefuseNegatives) {
  StatusCounts counts;
  ASSERT_TRUE(AddStatusCount("queued", 3, &counts).ok());
  ASSERT_TRUE(AddStatusCount("busy", 0, &counts).ok());
  ASSERT_TRUE(AddStatusCount("queued", 2, &counts).ok());  // rows of one status add up
  EXPECT_EQ(counts, (StatusCounts{{E::kQueued, 5}}));
  Status negative = AddStatusCount("completed", -1, &counts);
  EXPECT_EQ(negative.code(), StatusCode::kInternal);
  EXPECT_EQ(negative.message(), "stored count of completed executions is below zero: -1");
  EXPECT_EQ(AddStatusCount("ringing-ish", 1, &counts).code(), StatusCode::kInternal);
  EXPECT_EQ(counts, (StatusCounts{{E::kQueued, 5}}));
}

TEST(RulesTest, StatusDeltasNetEachBatchAndStatus) {
  StatusDeltas d;
  EXPECT_TRUE(d.Changes().empty());
  d.Add(7, E::kPrepared, 5);
  d.Move(7, E::kPrepared, E::kQueued, 3);
  d.Move(7, E::kQueued, E::kInitiated);
  d.Move(7, E::kInitiated, E::kInitiated);  // no move
  d.Move(8, E::kQueued, E::kRinging, 0);    // nothing moved
  d.Move(8, E::kRinging, E::kCompleted);
  d.Move(8, E::kCompleted, E::kRinging);    // back again: nets to nothing
  using C = std::vector<std::pair<StatusDeltas::Key, int64_t>>;
  EXPECT_EQ(d.Changes(), (C{{{7, E::kPrepared}, 2}, {{7, E::kQueued}, 2}, {{7, E::kInitiated}, 1}}));
}

// Counting stubs that record whether they were asked.
struct Counts {
  int64_t open = 0;
  int64_t started = 0;
  int open_asked = 0;
  int started_asked = 0;
  int64_t since_ms = -1;
  Result<int64_t> Allowance(const DialLimits& limits, TimePoint now, int64_t wanted) {
    return DialAllowance(
        limits, now, wanted,
        [&]() -> Result<int64_t> {
          ++open_asked;
          return open;
        },
        [&](int64_t since) -> Result<int64_t> {
          ++started_asked;
          since_ms = since;
          return started;
        });
  }
};

TEST(RulesTest, DialAllowanceWithoutLimitsAsksNothing) {
  Counts c;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 0, 0}, FromUnixMillis(10000), 7), 7);
  EXPECT_EQ(c.open_asked + c.started_asked, 0);
}

TEST(RulesTest, DialAllowanceCapsByOpenAttempts) {
  Counts c;
  c.open = 3;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 5, 0}, FromUnixMillis(0), 10), 2);
  c.open = 9;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 5, 0}, FromUnixMillis(0), 10), 0);  // never negative
  EXPECT_EQ(c.started_asked, 0);
}

TEST(RulesTest, DialAllowanceCapsByRateWindow) {
  Counts c;
  c.started = 2;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 0, 5.5}, FromUnixMillis(10000), 10), 3);  // floor(5.5) - 2
  EXPECT_EQ(c.since_ms, 9000);                                                     // a 1 s window
  c.started = 0;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 0, 0.25}, FromUnixMillis(10000), 10), 1);  // one per 4 s
  EXPECT_EQ(c.since_ms, 6000);
  c.started = 1;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 0, 0.25}, FromUnixMillis(10000), 10), 0);
}

TEST(RulesTest, DialAllowanceSkipsTheRateCountWhenNothingIsLeft) {
  Counts c;
  c.open = 5;
  EXPECT_EQ(*c.Allowance(DialLimits{"a", 5, 10}, FromUnixMillis(0), 3), 0);
  EXPECT_EQ(c.open_asked, 1);
  EXPECT_EQ(c.started_asked, 0);
}

TEST(RulesTest, DialAllowancePassesCountFailuresOn) {
  auto r = DialAllowance(
      DialLimits{"a", 1, 0}, FromUnixMillis(0), 1,
      []() -> Result<int64_t> { return Unavailable("busy"); },
      [](int64_t) -> Result<int64_t> { return 0; });
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST(RulesTest, ForwardWalkThroughFlightStates) {
  EXPECT_EQ(FlightRank(E::kInitiated), 0);
  EXPECT_EQ(FlightRank(E::kCallDisconnected), 3);
  EXPECT_EQ(FlightRank(E::kCompleted), -1);
  EXPECT_TRUE(ReachableForward(E::kInitiated, E::kInProgress));
  EXPECT_TRUE(ReachableForward(E::kInitiated, E::kCompleted));
  EXPECT_FALSE(ReachableForward(E::kInProgress, E::kRinging));
  EXPECT_FALSE(ReachableForward(E::kStopped, E::kRinging));
  for (E from : kAllExecutionStatuses) {
    for (E to : kAllExecutionStatuses) {
      if (CanTransition(from, to)) {
        EXPECT_TRUE(ReachableForward(from, to));
      }
    }
  }
}

AttemptRow Row(E attempt, E execution) {
  AttemptRow a;
  a.execution_key = 42;
  a.status = attempt;
  a.execution_status = execution;
  a.number = 2;
  a.started_at = 5000;
  a.from_number = "+15550001";
  a.agent_id = "agent";
  a.execution_id = "exec";
  a.contact_number = "+15550002";
  return a;
}

CallEvent Event(E status) {
  CallEvent e;
  e.attempt_id = "att";
  e.status = status;
  return e;
}

TEST(RulesTest, ProgressMovesForwardOnly) {
  ProgressPlan p = PlanProgress(Event(E::kRinging), Row(E::kInitiated, E::kInitiated));
  EXPECT_TRUE(p.advance_attempt);
  EXPECT_EQ(p.attempt_status, E::kRinging);
  EXPECT_TRUE(p.advance_execution);

  p = PlanProgress(Event(E::kRinging), Row(E::kInProgress, E::kInProgress));  // late
  EXPECT_FALSE(p.advance_attempt);
  EXPECT_FALSE(p.advance_execution);

  p = PlanProgress(Event(E::kInProgress), Row(E::kInProgress, E::kInProgress));  // duplicate
  EXPECT_FALSE(p.advance_attempt);
  EXPECT_FALSE(p.advance_execution);

  p = PlanProgress(Event(E::kCompleted), Row(E::kInitiated, E::kInitiated));  // not a flight status
  EXPECT_FALSE(p.advance_attempt);
  EXPECT_FALSE(p.advance_execution);

  p = PlanProgress(Event(E::kRinging), Row(E::kInitiated, E::kQueued));  // execution not in flight
  EXPECT_TRUE(p.advance_attempt);
  EXPECT_FALSE(p.advance_execution);
}

TEST(RulesTest, ProgressRecordsAFirstProviderCallIdWithoutMovingBack) {
  CallEvent e = Event(E::kRinging);
  e.provider_call_id = "CA1";
  ProgressPlan p = PlanProgress(e, Row(E::kInProgress, E::kInProgress));
  EXPECT_TRUE(p.advance_attempt);
  EXPECT_EQ(p.attempt_status, E::kInProgress);  // the id is recorded, the status stays
  EXPECT_FALSE(p.advance_execution);
  AttemptRow known = Row(E::kInProgress, E::kInProgress);
  known.provider_call_id = "CA1";
  EXPECT_FALSE(PlanProgress(e, known).advance_attempt);
}

TEST(RulesTest, OutcomeFinishesTheExecution) {
  CallUpdate u;
  u.event = Event(E::kCompleted);
  u.event.extracted_data = nlohmann::json{{"k", "v"}};
  u.event.duration_seconds = 12;
  OutcomePlan p = PlanOutcome(u, Row(E::kInProgress, E::kInProgress), "simulator");
  EXPECT_TRUE(p.finish_execution);
  EXPECT_FALSE(p.retry);
  EXPECT_EQ(p.execution_status, E::kCompleted);
  EXPECT_FALSE(p.next_attempt_at_ms.has_value());
  EXPECT_EQ(p.extracted_data, std::optional<std::string>(R"({"k":"v"})"));
  auto t = nlohmann::json::parse(p.telephony_data);
  EXPECT_EQ(t["provider"], "simulator");
  EXPECT_EQ(t["to_number"], "+15550002");
  EXPECT_EQ(t["from_number"], "+15550001");
  EXPECT_TRUE(t["provider_call_id"].is_null());
  EXPECT_EQ(p.applied.attempt_id, "att");
  EXPECT_EQ(p.applied.execution_id, "exec");
  EXPECT_EQ(p.applied.agent_id, "agent");
  EXPECT_EQ(p.applied.execution_status, E::kCompleted);
}

TEST(RulesTest, OutcomeWithRetrySchedules) {
  CallUpdate u;
  u.event = Event(E::kNoAnswer);
  u.retry = true;
  u.next_attempt_at = FromUnixMillis(90000);
  OutcomePlan p = PlanOutcome(u, Row(E::kRinging, E::kRinging), "");
  EXPECT_TRUE(p.finish_execution);
  EXPECT_TRUE(p.retry);
  EXPECT_EQ(p.execution_status, E::kScheduled);
  EXPECT_EQ(p.next_attempt_at_ms, std::optional<int64_t>(90000));
  EXPECT_FALSE(p.extracted_data.has_value());
  EXPECT_TRUE(nlohmann::json::parse(p.telephony_data)["provider"].is_null());
  EXPECT_EQ(p.applied.execution_status, E::kScheduled);
}

TEST(RulesTest, OutcomeInAStoppedBatchDoesNotRetry) {
  CallUpdate u;
  u.event = Event(E::kNoAnswer);
  u.retry = true;
  AttemptRow a = Row(E::kRinging, E::kRinging);
  a.batch_stopped = true;
  OutcomePlan p = PlanOutcome(u, a, "");
  EXPECT_FALSE(p.retry);
  EXPECT_EQ(p.execution_status, E::kNoAnswer);
  EXPECT_FALSE(p.next_attempt_at_ms.has_value());
}

TEST(RulesTest, OutcomeOfAnExecutionMovedOnOnlyRecordsHistory) {
  CallUpdate u;
  u.event = Event(E::kCompleted);
  OutcomePlan p = PlanOutcome(u, Row(E::kInProgress, E::kStopped), "");
  EXPECT_FALSE(p.finish_execution);
  EXPECT_EQ(p.applied.execution_status, E::kStopped);  // unchanged
}

}  // namespace
}  // namespace batchcall::store_rules
