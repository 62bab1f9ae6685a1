#include "domain/states.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace batchcall {
namespace {

using E = ExecutionStatus;
using B = BatchStatus;

// The expected edges, written out independently of the table in states.cc.
const std::set<std::pair<std::string, std::string>>& ExpectedExecutionEdges() {
  static const std::set<std::pair<std::string, std::string>> edges = {
      {"prepared", "queued"},       {"prepared", "stopped"},
      {"queued", "initiated"},      {"queued", "rescheduled"},
      {"queued", "canceled"},       {"queued", "stopped"},
      {"rescheduled", "queued"},    {"rescheduled", "stopped"},
      {"scheduled", "queued"},      {"scheduled", "stopped"},
      {"initiated", "ringing"},     {"initiated", "in-progress"},
      {"initiated", "busy"},        {"initiated", "no-answer"},
      {"initiated", "failed"},      {"initiated", "canceled"},
      {"initiated", "error"},       {"initiated", "scheduled"},
      {"ringing", "in-progress"},   {"ringing", "busy"},
      {"ringing", "no-answer"},     {"ringing", "failed"},
      {"ringing", "canceled"},      {"ringing", "error"},
      {"ringing", "scheduled"},     {"in-progress", "call-disconnected"},
      {"in-progress", "completed"}, {"in-progress", "error"},
      {"in-progress", "scheduled"}, {"call-disconnected", "completed"},
      {"call-disconnected", "error"}, {"call-disconnected", "scheduled"},
      {"busy", "scheduled"},        {"no-answer", "scheduled"},
      {"failed", "scheduled"},      {"error", "scheduled"},
      {"completed", "scheduled"},
  };
  return edges;
}

TEST(ExecutionStates, EveryPairMatchesTheDesign) {
  int allowed = 0;
  for (E from : kAllExecutionStatuses) {
    for (E to : kAllExecutionStatuses) {
      bool expected = ExpectedExecutionEdges().count({std::string(ToString(from)), std::string(ToString(to))}) > 0;
      EXPECT_EQ(CanTransition(from, to), expected) << ToString(from) << " -> " << ToString(to);
      allowed += expected;
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(ExpectedExecutionEdges().size()));
}

TEST(ExecutionStates, NamesRoundTrip) {
  std::set<std::string_view> names;
  for (E s : kAllExecutionStatuses) {
    EXPECT_EQ(ParseExecutionStatus(ToString(s)), s);
    EXPECT_TRUE(names.insert(ToString(s)).second);
  }
  EXPECT_FALSE(ParseExecutionStatus("in_progress").has_value());
  EXPECT_FALSE(ParseExecutionStatus("").has_value());
}

TEST(ExecutionStates, ClassesPartitionStatuses) {
  for (E s : kAllExecutionStatuses) {
    int classes = IsTerminal(s) + IsPreDial(s) + IsInFlight(s);
    EXPECT_EQ(classes, 1) << ToString(s);
  }
  EXPECT_TRUE(IsTerminal(E::kStopped));
  EXPECT_TRUE(IsPreDial(E::kRescheduled));
  EXPECT_TRUE(IsInFlight(E::kCallDisconnected));
}

TEST(ExecutionStates, NothingLeavesStoppedOrCanceled) {
  for (E to : kAllExecutionStatuses) {
    EXPECT_FALSE(CanTransition(E::kStopped, to));
    EXPECT_FALSE(CanTransition(E::kCanceled, to));
  }
}

TEST(BatchStates, EveryPairMatchesTheDesign) {
  const std::set<std::pair<std::string, std::string>> expected = {
      {"created", "scheduled"}, {"scheduled", "scheduled"}, {"scheduled", "running"},
      {"scheduled", "paused"},  {"scheduled", "stopped"},   {"scheduled", "failed"},
      {"running", "completed"}, {"running", "paused"},      {"running", "stopped"},
      {"running", "failed"},    {"paused", "scheduled"},    {"paused", "running"},
      {"paused", "stopped"},    {"paused", "failed"},
  };
  for (B from : kAllBatchStatuses) {
    for (B to : kAllBatchStatuses) {
      bool want = expected.count({std::string(ToString(from)), std::string(ToString(to))}) > 0;
      EXPECT_EQ(CanTransition(from, to), want) << ToString(from) << " -> " << ToString(to);
    }
  }
}

TEST(BatchStates, SourcesOfStoppedAreTheActiveStates) {
  auto sources = BatchSourcesOf(B::kStopped);
  EXPECT_EQ(std::set<B>(sources.begin(), sources.end()),
            (std::set<B>{B::kScheduled, B::kRunning, B::kPaused}));
  for (B s : kAllBatchStatuses) EXPECT_EQ(ParseBatchStatus(ToString(s)), s);
}

}  // namespace
}  // namespace batchcall
