// Store conformance suite, part 3: the engine operations — batch starts,
// claims and leases, reschedule/cancel/release, attempt starts, completion,
// next due time. Call updates and do-not-call are conformance_calls_test.cc.
#include <gmock/gmock.h>

#include "store/conformance_test.h"

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<int64_t> Rows(const std::vector<Execution>& page) {
  std::vector<int64_t> out;
  for (const auto& e : page) out.push_back(e.row_index);
  return out;
}

std::vector<Execution> Claim(Store& store, const Batch& b, int64_t limit, const std::string& worker, TimePoint now,
                             TimePoint until) {
  auto r = store.ClaimExecutions(b.id, limit, worker, now, until);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Execution>{};
}

void Schedule(Store& store, const Batch& b, TimePoint at) {
  auto r = store.TransitionBatch(b.account_id, b.id, {BatchStatus::kScheduled, at, std::nullopt}, at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

}  // namespace

TEST_P(StoreConformanceTest, StartDueBatchesStartsOnTimeNotEarly) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch early = Import(agent, 2);
  Batch late = Import(agent, 1);
  Batch idle = Import(agent, 1);  // created, never scheduled
  Schedule(store(), early, T(100));
  Schedule(store(), late, T(200));
  EXPECT_EQ(*store().NextDueTime(), std::optional<TimePoint>(T(100)));

  EXPECT_THAT(*store().StartDueBatches(T(99)), IsEmpty());
  EXPECT_EQ(store().GetBatch(acc.id, early.id)->status, BatchStatus::kScheduled);
  EXPECT_EQ(AllExecutions(early)[0].status, ExecutionStatus::kPrepared);

  EXPECT_THAT(*store().StartDueBatches(T(100)), ElementsAre(early.id));
  EXPECT_EQ(store().GetBatch(acc.id, early.id)->status, BatchStatus::kRunning);
  for (const auto& e : AllExecutions(early)) EXPECT_EQ(e.status, ExecutionStatus::kQueued);
  EXPECT_EQ(AllExecutions(late)[0].status, ExecutionStatus::kPrepared);
  EXPECT_EQ(AllExecutions(idle)[0].status, ExecutionStatus::kPrepared);
  EXPECT_EQ(*store().NextDueTime(), std::optional<TimePoint>(T(200)));
  EXPECT_THAT(*store().StartDueBatches(T(150)), IsEmpty());

  auto running = store().ListRunningBatches();
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].batch.id, early.id);
  EXPECT_EQ((*running)[0].agent.id, agent.id);
  EXPECT_EQ((*running)[0].agent.provider, agent.provider);
}

TEST_P(StoreConformanceTest, NextDueTimeIsEmptyWhenNothingWaits) {
  auto due = store().NextDueTime();
  ASSERT_TRUE(due.ok());
  EXPECT_FALSE(due->has_value());
}

TEST_P(StoreConformanceTest, ClaimRespectsLimitLeasesAndRunningBatches) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 5);
  Batch paused = Import(agent, 2);
  // Not started yet: nothing to claim.
  Schedule(store(), b, T(10));
  EXPECT_THAT(Claim(store(), b, 10, "w1", T(5), T(65)), IsEmpty());
  Schedule(store(), paused, T(10));
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().TransitionBatch(acc.id, paused.id, {BatchStatus::kPaused, {}, {}}, T(10)).ok());
  EXPECT_THAT(Claim(store(), paused, 10, "w1", T(10), T(70)), IsEmpty());

  auto first = Claim(store(), b, 2, "w1", T(10), T(70));
  EXPECT_THAT(Rows(first), ElementsAre(0, 1));
  for (const auto& e : first) {
    EXPECT_EQ(e.status, ExecutionStatus::kQueued);
    EXPECT_EQ(e.batch_id, b.id);
    EXPECT_EQ(e.account_id, acc.id);
    EXPECT_EQ(e.agent_id, agent.id);
    EXPECT_EQ(e.variables, (std::vector<std::string>{"n" + std::to_string(e.row_index), "c" + std::to_string(e.row_index)}));
  }
  // Another worker gets the rest, then nothing while the leases hold.
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w2", T(20), T(80))), ElementsAre(2, 3, 4));
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w2", T(69), T(129))), ElementsAre(2, 3, 4));  // its own: renewed
  EXPECT_THAT(Claim(store(), b, 10, "w3", T(69), T(129)), IsEmpty());
  // w1's leases expire at T(70): rescued by w3; w2's still hold.
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w3", T(70), T(130))), ElementsAre(0, 1));
  // A worker may re-claim its own leased rows.
  EXPECT_THAT(Rows(Claim(store(), b, 1, "w2", T(71), T(131))), ElementsAre(2));
  EXPECT_THAT(Claim(store(), b, 0, "w2", T(71), T(131)), IsEmpty());
  EXPECT_EQ(store().ClaimExecutions("0123456789abcdef0123456789abcdef", 1, "w1", T(1), T(2)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, RescheduleCancelReleaseTouchOnlyOwnLeases) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 4);
  Schedule(store(), b, T(10));
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto claimed = Claim(store(), b, 3, "w1", T(10), T(70));
  ASSERT_EQ(claimed.size(), 3u);
  const std::string id0 = claimed[0].id, id1 = claimed[1].id, id2 = claimed[2].id;

  // w2 holds none of these leases: nothing changes.
  ASSERT_TRUE(store().RescheduleExecutions({Held(id0, T(500))}, "w2", T(11)).ok());
  ASSERT_TRUE(store().CancelExecutions({Blocked(id1, "nope")}, "w2", T(11)).ok());
  ASSERT_TRUE(store().ReleaseExecutions({id2}, "w2").ok());
  auto all = AllExecutions(b);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(all[i].status, ExecutionStatus::kQueued);
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w2", T(12), T(1000))), ElementsAre(3));

  ASSERT_TRUE(store().RescheduleExecutions({Held(id0, T(500))}, "w1", T(13)).ok());
  ASSERT_TRUE(store().CancelExecutions({Blocked(id1, "on the do-not-call list")}, "w1", T(13)).ok());
  ASSERT_TRUE(store().ReleaseExecutions({id2}, "w1").ok());
  all = AllExecutions(b);
  EXPECT_EQ(all[0].status, ExecutionStatus::kRescheduled);
  EXPECT_EQ(all[0].next_attempt_at, std::optional<TimePoint>(T(500)));
  EXPECT_EQ(all[1].status, ExecutionStatus::kCanceled);
  EXPECT_EQ(all[1].error_message, "on the do-not-call list");
  EXPECT_EQ(all[2].status, ExecutionStatus::kQueued);
  // The released one is free at once; the rescheduled one waits for its time.
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w3", T(14), T(1000))), ElementsAre(2));
  EXPECT_EQ(*store().NextDueTime(), std::optional<TimePoint>(T(500)));
  EXPECT_THAT(Claim(store(), b, 10, "w4", T(499), T(559)), IsEmpty());
  auto due = Claim(store(), b, 10, "w4", T(500), T(560));
  EXPECT_THAT(Rows(due), ElementsAre(0));
  EXPECT_EQ(due[0].status, ExecutionStatus::kQueued);
  EXPECT_FALSE(due[0].next_attempt_at.has_value());
}

TEST_P(StoreConformanceTest, ClaimTakesDueRetriesFirstByDueTime) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 4);
  Schedule(store(), b, T(10));
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto claimed = Claim(store(), b, 3, "w1", T(10), T(70));
  ASSERT_EQ(claimed.size(), 3u);
  ASSERT_TRUE(store().RescheduleExecutions({Held(claimed[2].id, T(40)), Held(claimed[1].id, T(50))}, "w1", T(10)).ok());
  ASSERT_TRUE(store().ReleaseExecutions({claimed[0].id}, "w1").ok());
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w1", T(30), T(31))), ElementsAre(0, 3));
  EXPECT_THAT(Rows(Claim(store(), b, 3, "w2", T(60), T(120))), ElementsAre(2, 1, 0));
}

TEST_P(StoreConformanceTest, BeginAttemptsStartsOnlyOwnQueuedExecutions) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 3);
  Schedule(store(), b, T(10));
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto claimed = Claim(store(), b, 2, "w1", T(10), T(70));
  ASSERT_EQ(claimed.size(), 2u);
  std::vector<AttemptStart> starts;
  for (size_t i = 0; i < claimed.size(); ++i) {
    std::string id = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
    starts.push_back({id, claimed[i].id, id, "+1415555010" + std::to_string(i), 1, {}});
  }
  EXPECT_THAT(*store().BeginAttempts(starts, "w2", T(11)), IsEmpty());
  auto begun = store().BeginAttempts(starts, "w1", T(12));
  ASSERT_TRUE(begun.ok()) << begun.status().ToString();
  EXPECT_THAT(*begun, ElementsAre(starts[0].attempt_id, starts[1].attempt_id));

  auto e0 = store().GetExecution(acc.id, claimed[0].id);
  ASSERT_TRUE(e0.ok());
  EXPECT_EQ(e0->status, ExecutionStatus::kInitiated);
  EXPECT_EQ(e0->agent_number, "+14155550100");
  EXPECT_EQ(e0->attempt_count, 1);
  EXPECT_EQ(e0->retry_count, 0);
  auto attempts = store().ListAttempts(claimed[0].id);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  const Attempt& a = (*attempts)[0];
  EXPECT_EQ(a.id, starts[0].attempt_id);
  EXPECT_EQ(a.execution_id, claimed[0].id);
  EXPECT_EQ(a.agent_id, agent.id);
  EXPECT_EQ(a.number, 1);
  EXPECT_EQ(a.idempotency_key, starts[0].idempotency_key);
  EXPECT_EQ(a.from_number, "+14155550100");
  EXPECT_EQ(a.status, ExecutionStatus::kInitiated);
  EXPECT_EQ(a.started_at, T(12));
  EXPECT_FALSE(a.ended_at.has_value());

  auto open = store().ListOpenAttempts();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 2u);
  for (const OpenAttempt& o : *open) {
    EXPECT_EQ(o.account_id, acc.id);
    EXPECT_EQ(o.batch_id, b.id);
    EXPECT_EQ(o.retry_count, 0);
  }
  // Already initiated: a second start does nothing. Leases were cleared.
  starts[0].attempt_id = starts[0].idempotency_key = "00000000-0000-4000-8000-000000000009";
  EXPECT_THAT(*store().BeginAttempts({starts[0]}, "w1", T(13)), IsEmpty());
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w2", T(14), T(74))), ElementsAre(2));
  // Deleting is refused while calls are live.
  EXPECT_EQ(store().DeleteBatch(acc.id, b.id).code(), StatusCode::kConflict);
}

TEST_P(StoreConformanceTest, BeginAttemptsSkipsBatchesStoppedOrPausedAfterTheClaim) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch paused = Import(agent, 2);
  Batch stopped = Import(agent, 2);
  Schedule(store(), paused, T(10));
  Schedule(store(), stopped, T(10));
  ASSERT_EQ(store().StartDueBatches(T(10))->size(), 2u);
  auto from_paused = Claim(store(), paused, 2, "w1", T(10), T(70));
  auto from_stopped = Claim(store(), stopped, 2, "w1", T(10), T(70));
  ASSERT_EQ(from_paused.size(), 2u);
  ASSERT_EQ(from_stopped.size(), 2u);
  ASSERT_TRUE(store().TransitionBatch(acc.id, paused.id, {BatchStatus::kPaused, {}, {}}, T(11)).ok());
  ASSERT_TRUE(store().StopBatch(acc.id, stopped.id, T(11)).ok());  // queued + leased count as pre-dial
  for (const auto& e : AllExecutions(stopped)) EXPECT_EQ(e.status, ExecutionStatus::kStopped);

  std::vector<AttemptStart> starts;
  int n = 0;
  for (const auto* page : {&from_paused, &from_stopped}) {
    for (const auto& e : *page) {
      std::string id = "00000000-0000-4000-8000-00000000010" + std::to_string(n++);
      starts.push_back({id, e.id, id, "", 1, {}});
    }
  }
  EXPECT_THAT(*store().BeginAttempts(starts, "w1", T(12)), IsEmpty());
  for (const auto& e : AllExecutions(paused)) {
    EXPECT_EQ(e.status, ExecutionStatus::kQueued);
    EXPECT_EQ(e.attempt_count, 0);
  }
  EXPECT_THAT(*store().ListOpenAttempts(), IsEmpty());
  // Resumed: the leases were released, any worker can claim at once.
  ASSERT_TRUE(store().TransitionBatch(acc.id, paused.id, {BatchStatus::kRunning, {}, {}}, T(13)).ok());
  EXPECT_THAT(Rows(Claim(store(), paused, 10, "w2", T(13), T(73))), ElementsAre(0, 1));
}

TEST_P(StoreConformanceTest, BatchPausedBeforeItsStartIsQueuedWhenResumed) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  Schedule(store(), b, T(100));
  ASSERT_TRUE(store().TransitionBatch(acc.id, b.id, {BatchStatus::kPaused, {}, {}}, T(20)).ok());
  ASSERT_TRUE(store().TransitionBatch(acc.id, b.id, {BatchStatus::kRunning, {}, {}}, T(30)).ok());
  EXPECT_THAT(*store().StartDueBatches(T(30)), IsEmpty());  // already running: not "started" again
  EXPECT_THAT(Rows(Claim(store(), b, 10, "w1", T(30), T(90))), ElementsAre(0, 1));
}

TEST_P(StoreConformanceTest, CompleteFinishedBatchesOnlyWhenEveryExecutionIsTerminal) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  Batch paused = Import(agent, 1);
  Schedule(store(), b, T(10));
  Schedule(store(), paused, T(10));
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().TransitionBatch(acc.id, paused.id, {BatchStatus::kPaused, {}, {}}, T(10)).ok());
  auto all = AllExecutions(b);
  EXPECT_THAT(*store().CompleteFinishedBatches(T(20)), IsEmpty());
  ASSERT_TRUE(SetStatus(all[0].id, ExecutionStatus::kCompleted).ok());
  ASSERT_TRUE(SetStatus(AllExecutions(paused)[0].id, ExecutionStatus::kCompleted).ok());
  EXPECT_THAT(*store().CompleteFinishedBatches(T(21)), IsEmpty());
  ASSERT_TRUE(SetStatus(all[1].id, ExecutionStatus::kInProgress).ok());
  EXPECT_THAT(*store().CompleteFinishedBatches(T(22)), IsEmpty());
  ASSERT_TRUE(SetStatus(all[1].id, ExecutionStatus::kNoAnswer).ok());
  EXPECT_THAT(*store().CompleteFinishedBatches(T(23)), UnorderedElementsAre(b.id));
  auto done = store().GetBatch(acc.id, b.id);
  EXPECT_EQ(done->status, BatchStatus::kCompleted);
  EXPECT_EQ(done->updated_at, T(23));
  EXPECT_EQ(store().GetBatch(acc.id, paused.id)->status, BatchStatus::kPaused);
  EXPECT_THAT(*store().CompleteFinishedBatches(T(24)), IsEmpty());
}

}  // namespace batchcall
