// Store conformance suite, part 5: what many nodes (or a restarted node)
// rely on — per-agent limits enforced by the store across workers, node
// heartbeats and adoption of orphaned attempts, and which attempts other
// nodes closed.
#include <gmock/gmock.h>

#include "store/conformance_test.h"

namespace batchcall {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

std::vector<AttemptStart> Starts(const std::vector<Execution>& claimed) {
  std::vector<AttemptStart> out;
  for (const auto& e : claimed) {
    AttemptStart s;
    s.attempt_id = "att-" + e.id;
    s.execution_id = e.id;
    s.idempotency_key = s.attempt_id;
    s.attempt_number = 1;
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_P(StoreConformanceTest, BeginAttemptsLimitedCapsInFlightAcrossWorkers) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 10);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(1)).ok());
  auto a_claimed = *store().ClaimExecutions(b.id, 5, "node-a", T(1), T(100));
  auto b_claimed = *store().ClaimExecutions(b.id, 5, "node-b", T(1), T(100));
  ASSERT_THAT(a_claimed, SizeIs(5));
  ASSERT_THAT(b_claimed, SizeIs(5));
  DialLimits limits{agent.id, 3, 0};
  auto a_begun = store().BeginAttemptsLimited(Starts(a_claimed), "node-a", T(1), limits);
  ASSERT_TRUE(a_begun.ok()) << a_begun.status().ToString();
  EXPECT_THAT(*a_begun, SizeIs(3));
  auto b_begun = store().BeginAttemptsLimited(Starts(b_claimed), "node-b", T(1), limits);
  ASSERT_TRUE(b_begun.ok());
  EXPECT_THAT(*b_begun, IsEmpty());
  // Refused starts stay queued and their leases are released: claimable again.
  auto again = *store().ClaimExecutions(b.id, 10, "node-c", T(2), T(100));
  EXPECT_THAT(again, SizeIs(7));
  // Closing one attempt frees one slot.
  CallUpdate done;
  done.event.attempt_id = (*a_begun)[0];
  done.event.status = ExecutionStatus::kCompleted;
  done.event.at = T(3);
  ASSERT_TRUE(store().ApplyCallUpdates({done}, T(3)).ok());
  auto c_begun = store().BeginAttemptsLimited(Starts(again), "node-c", T(3), limits);
  ASSERT_TRUE(c_begun.ok());
  EXPECT_THAT(*c_begun, SizeIs(1));
}

TEST_P(StoreConformanceTest, BeginAttemptsLimitedPacesPerSlidingSecond) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 12);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(1)).ok());
  DialLimits limits{agent.id, 0, 2.5};  // at most 2 in any 1 s
  auto begin_at = [&](TimePoint now, const std::string& worker) {
    auto claimed = *store().ClaimExecutions(b.id, 5, worker, now, now + std::chrono::seconds(60));
    auto begun = store().BeginAttemptsLimited(Starts(claimed), worker, now, limits);
    EXPECT_TRUE(begun.ok()) << begun.status().ToString();
    return begun.ok() ? begun->size() : 0u;
  };
  const TimePoint t0 = T(10);
  EXPECT_EQ(begin_at(t0, "node-a"), 2u);
  EXPECT_EQ(begin_at(t0 + std::chrono::milliseconds(500), "node-b"), 0u);
  EXPECT_EQ(begin_at(t0 + std::chrono::milliseconds(999), "node-b"), 0u);
  // Any half-open 1 s window holds at most 2: t0 and t0 + 1 s are never in the same one.
  EXPECT_EQ(begin_at(t0 + std::chrono::milliseconds(1000), "node-b"), 2u);
  EXPECT_EQ(begin_at(t0 + std::chrono::milliseconds(1500), "node-a"), 0u);

  Agent slow = NewAgent(acc.id, "slow");
  Batch sb = Import(slow, 4);
  DriveTo(sb, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(1)).ok());
  DialLimits slow_limits{slow.id, 0, 0.5};  // one per 2 s
  auto slow_at = [&](TimePoint now) {
    auto claimed = *store().ClaimExecutions(sb.id, 2, "node-a", now, now + std::chrono::seconds(60));
    auto begun = store().BeginAttemptsLimited(Starts(claimed), "node-a", now, slow_limits);
    return begun.ok() ? begun->size() : 99u;
  };
  EXPECT_EQ(slow_at(T(100)), 1u);
  EXPECT_EQ(slow_at(T(101)), 0u);
  EXPECT_EQ(slow_at(T(102)), 1u);
}

TEST_P(StoreConformanceTest, OrphanedAttemptsAreAdoptedOnceAndClosedOnesAreReported) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 4);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(1)).ok());
  auto claimed = *store().ClaimExecutions(b.id, 4, "node-a", T(1), T(100));
  ASSERT_THAT(claimed, SizeIs(4));
  auto begun = *store().BeginAttemptsLimited(Starts(claimed), "node-a", T(1), DialLimits{agent.id, 0, 0});
  ASSERT_THAT(begun, SizeIs(4));
  ASSERT_TRUE(store().Heartbeat("node-a", T(1)).ok());
  ASSERT_TRUE(store().Heartbeat("node-b", T(1)).ok());

  // node-a is alive: nothing to adopt.
  EXPECT_THAT(*store().AdoptOrphanAttempts("node-b", T(0), false), IsEmpty());
  // node-a restarted: it takes its own back.
  auto own = store().AdoptOrphanAttempts("node-a", T(0), true);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_THAT(*own, SizeIs(4));

  // One call ends elsewhere (a callback reached another node).
  CallUpdate done;
  done.event.attempt_id = begun[0];
  done.event.status = ExecutionStatus::kBusy;
  done.event.at = T(2);
  ASSERT_TRUE(store().ApplyCallUpdates({done}, T(2)).ok());
  auto closed = store().FilterClosedAttempts({begun[0], begun[1], "no-such-attempt"});
  ASSERT_TRUE(closed.ok());
  EXPECT_THAT(*closed, UnorderedElementsAreArray({begun[0], std::string("no-such-attempt")}));

  // node-a stops beating: node-b adopts its three open attempts, exactly once.
  ASSERT_TRUE(store().Heartbeat("node-b", T(30)).ok());
  auto adopted = store().AdoptOrphanAttempts("node-b", T(20), false);
  ASSERT_TRUE(adopted.ok());
  ASSERT_THAT(*adopted, SizeIs(3));
  for (const OpenAttempt& o : *adopted) {
    EXPECT_EQ(o.account_id, acc.id);
    EXPECT_EQ(o.batch_id, b.id);
    EXPECT_FALSE(o.contact_number.empty());
    EXPECT_FALSE(o.closed);
  }
  EXPECT_THAT(*store().AdoptOrphanAttempts("node-c", T(20), false), IsEmpty());  // node-b is alive
}

}  // namespace batchcall
