// Store conformance suite, part 6: compliance — the account-wide dial
// history, contact limits checked with the attempt start, hold reasons and
// the per-batch held counts.
#include <gmock/gmock.h>

#include "domain/guardrails.h"
#include "store/conformance_test.h"

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Starts the batch (scheduled at `at`, then due) and claims all of it.
std::vector<Execution> StartAndClaim(Store& store, const Batch& b, TimePoint at) {
  EXPECT_TRUE(store.TransitionBatch(b.account_id, b.id, {BatchStatus::kScheduled, at, std::nullopt}, at).ok());
  EXPECT_TRUE(store.StartDueBatches(at).ok());
  auto claimed = store.ClaimExecutions(b.id, 100, "w", at, at + std::chrono::hours(1));
  EXPECT_TRUE(claimed.ok());
  return claimed.ok() ? *claimed : std::vector<Execution>{};
}

AttemptStart Start(const Execution& e, const std::string& attempt, std::vector<ContactLimit> limits = {}) {
  return {attempt, e.id, attempt, "", e.retry_count + 1, std::move(limits)};
}

std::string AttemptId(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
  return id;
}

}  // namespace

TEST_P(StoreConformanceTest, DialHistoryIsAccountWideAndOutlivesItsBatches) {
  Account acc = NewAccount("acme");
  Account other = NewAccount("other");
  Agent a = NewAgent(acc.id, "a");
  Agent b = NewAgent(acc.id, "b");
  Agent c = NewAgent(other.id, "c");
  Batch b1 = Import(a, 2), b2 = Import(b, 2), b3 = Import(c, 2);  // row i has the same number in each
  auto e1 = StartAndClaim(store(), b1, T(10));
  auto e2 = StartAndClaim(store(), b2, T(10));
  auto e3 = StartAndClaim(store(), b3, T(10));
  ASSERT_EQ(e1.size(), 2u);
  const std::string number = e1[0].contact_number;
  ASSERT_EQ(e2[0].contact_number, number);
  ASSERT_EQ(store().BeginAttempts({Start(e1[0], AttemptId(1))}, "w", T(100))->size(), 1u);
  ASSERT_EQ(store().BeginAttempts({Start(e2[0], AttemptId(2))}, "w", T(200))->size(), 1u);
  ASSERT_EQ(store().BeginAttempts({Start(e3[0], AttemptId(3))}, "w", T(300))->size(), 1u);

  auto h = store().DialHistory(acc.id, {number, e1[1].contact_number, number}, T(0));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->size(), 1u);  // the second number was never dialled
  EXPECT_THAT(h->at(number), ElementsAre(T(100), T(200)));
  EXPECT_THAT(store().DialHistory(acc.id, {number}, T(150))->at(number), ElementsAre(T(200)));
  EXPECT_THAT(store().DialHistory(other.id, {number}, T(0))->at(number), ElementsAre(T(300)));
  EXPECT_THAT(*store().DialHistory(acc.id, {}, T(0)), IsEmpty());

  // A dial no call came of leaves the history.
  CallUpdate u;
  u.event.attempt_id = AttemptId(2);
  u.event.status = ExecutionStatus::kError;
  u.event.at = T(201);
  u.retry = true;
  u.next_attempt_at = T(201);
  u.never_placed = true;
  ASSERT_EQ(Apply(store(), {u}, T(201)).size(), 1u);
  EXPECT_THAT(store().DialHistory(acc.id, {number}, T(0))->at(number), ElementsAre(T(100)));

  // Deleting the batch keeps its dials: the law counts calls, not batches.
  CallUpdate done;
  done.event.attempt_id = AttemptId(1);
  done.event.status = ExecutionStatus::kCompleted;
  done.event.at = T(390);
  ASSERT_EQ(Apply(store(), {done}, T(390)).size(), 1u);
  ASSERT_TRUE(store().StopBatch(acc.id, b1.id, T(400)).ok());
  auto deleted = store().DeleteBatch(acc.id, b1.id);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_THAT(store().DialHistory(acc.id, {number}, T(0))->at(number), ElementsAre(T(100)));
}

TEST_P(StoreConformanceTest, BeginAttemptsRefusesANumberOverItsContactLimits) {
  Account acc = NewAccount("acme");
  Agent a = NewAgent(acc.id, "a");
  Agent b = NewAgent(acc.id, "b");
  Batch b1 = Import(a, 1), b2 = Import(b, 1), b3 = Import(a, 1), b4 = Import(a, 2);
  auto e1 = StartAndClaim(store(), b1, T(0));
  auto e2 = StartAndClaim(store(), b2, T(0));
  auto e3 = StartAndClaim(store(), b3, T(0));
  const std::vector<ContactLimit> two_per_hour = {{2, 1}};
  EXPECT_EQ(store().BeginAttempts({Start(e1[0], AttemptId(1), two_per_hour)}, "w", T(0))->size(), 1u);
  EXPECT_EQ(store().BeginAttempts({Start(e2[0], AttemptId(2), two_per_hour)}, "w", T(60))->size(), 1u);
  // The third dial within the hour, from any agent of the account: refused,
  // and the execution is released (still queued, claimable again).
  EXPECT_THAT(*store().BeginAttempts({Start(e3[0], AttemptId(3), two_per_hour)}, "w", T(120)), IsEmpty());
  EXPECT_EQ(store().GetExecution(acc.id, e3[0].id)->status, ExecutionStatus::kQueued);
  auto again = store().ClaimExecutions(b3.id, 10, "w2", T(3599), T(4000));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_THAT(*store().BeginAttempts({Start((*again)[0], AttemptId(4), two_per_hour)}, "w2", T(3599)), IsEmpty());
  // One hour after the first dial it no longer counts.
  again = store().ClaimExecutions(b3.id, 10, "w2", T(3600), T(4000));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(store().BeginAttempts({Start((*again)[0], AttemptId(5), two_per_hour)}, "w2", T(3600))->size(), 1u);
  // Without limits the history is recorded but never checked.
  auto e4 = StartAndClaim(store(), b4, T(3700));
  ASSERT_EQ(e4.size(), 2u);
  // Two starts of one call under a limit of one: the first counts for the second.
  const std::vector<ContactLimit> one_per_day = {{1, 24}};
  AttemptStart s0 = Start(e4[0], AttemptId(6), {}), s1 = Start(e4[1], AttemptId(7), one_per_day);
  auto begun = store().BeginAttempts({s0, s1}, "w", T(3700));
  ASSERT_TRUE(begun.ok());
  EXPECT_THAT(*begun, ElementsAre(AttemptId(6), AttemptId(7)));  // different numbers
  Batch b5 = Import(a, 2);
  auto e5 = StartAndClaim(store(), b5, T(3800));
  begun = store().BeginAttempts({Start(e5[0], AttemptId(8), one_per_day), Start(e5[1], AttemptId(9), one_per_day)},
                                "w", T(3800));
  ASSERT_TRUE(begun.ok());
  EXPECT_THAT(*begun, IsEmpty());  // both numbers were dialled within the day
}

TEST_P(StoreConformanceTest, HoldReasonsAreKeptWithTheirCountsAndClearedByTheDial) {
  Account acc = NewAccount("acme");
  Agent a = NewAgent(acc.id, "a");
  Batch b = Import(a, 3);
  auto e = StartAndClaim(store(), b, T(10));
  ASSERT_EQ(e.size(), 3u);
  ASSERT_TRUE(store()
                  .RescheduleExecutions({Held(e[0].id, T(100)), Held(e[1].id, T(100), "state_hours:FL")}, "w", T(11))
                  .ok());
  ASSERT_TRUE(store().CancelExecutions({Blocked(e[2].id, "on the list")}, "w", T(11)).ok());
  auto got = store().GetBatchWithCounts(acc.id, b.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->held, (std::map<std::string, int64_t>{{"calling_hours", 1}, {"state_hours:FL", 1}, {"do_not_call", 1}}));
  EXPECT_EQ(store().GetExecution(acc.id, e[1].id)->hold_reason, "state_hours:FL");
  auto canceled = store().GetExecution(acc.id, e[2].id);
  EXPECT_EQ(canceled->status, ExecutionStatus::kCanceled);
  EXPECT_EQ(canceled->hold_reason, "do_not_call");
  EXPECT_EQ(canceled->error_message, "on the list");

  // Due again: the claim keeps the reason; a new decision replaces it, the dial clears it.
  auto due = store().ClaimExecutions(b.id, 10, "w", T(100), T(200));
  ASSERT_EQ(due->size(), 2u);
  for (const Execution& x : *due) EXPECT_TRUE(x.hold_reason.has_value());
  const Execution& first = (*due)[0].id == e[0].id ? (*due)[0] : (*due)[1];
  const Execution& second = (*due)[0].id == e[0].id ? (*due)[1] : (*due)[0];
  ASSERT_TRUE(store().RescheduleExecutions({Held(second.id, T(300), "contact_limit", second.hold_reason)}, "w", T(100)).ok());
  ASSERT_EQ(store().BeginAttempts({Start(first, AttemptId(1))}, "w", T(100))->size(), 1u);
  got = store().GetBatchWithCounts(acc.id, b.id);
  EXPECT_EQ(got->held, (std::map<std::string, int64_t>{{"contact_limit", 1}, {"do_not_call", 1}}));
  EXPECT_FALSE(store().GetExecution(acc.id, first.id)->hold_reason.has_value());
  EXPECT_EQ(store().GetExecution(acc.id, second.id)->hold_reason, "contact_limit");

  // The audit trail keeps every hold and cancel, oldest first.
  auto holds = store().ListHolds(second.id);
  ASSERT_TRUE(holds.ok()) << holds.status().ToString();
  ASSERT_EQ(holds->size(), 2u);
  EXPECT_EQ((*holds)[0].reason, "state_hours:FL");
  EXPECT_EQ((*holds)[0].at, T(11));
  EXPECT_EQ((*holds)[0].until, T(100));
  EXPECT_FALSE((*holds)[0].canceled);
  EXPECT_EQ((*holds)[1].reason, "contact_limit");
  EXPECT_EQ((*holds)[1].until, T(300));
  auto cancels = store().ListHolds(e[2].id);
  ASSERT_EQ(cancels->size(), 1u);
  EXPECT_TRUE((*cancels)[0].canceled);
  EXPECT_FALSE((*cancels)[0].until.has_value());
  EXPECT_THAT(*store().ListHolds(first.id), ::testing::SizeIs(1));
  EXPECT_THAT(*store().ListHolds("00000000-0000-4000-8000-000000000000"), IsEmpty());
}

}  // namespace batchcall

namespace batchcall {

TEST_P(StoreConformanceTest, AnOptOutListsTheNumberInTheOutcomesTransaction) {
  Account acc = NewAccount("acme");
  Agent a = NewAgent(acc.id, "a");
  Batch b = Import(a, 2);
  auto e = StartAndClaim(store(), b, T(10));
  ASSERT_EQ(e.size(), 2u);
  ASSERT_EQ(store().BeginAttempts({Start(e[0], AttemptId(1)), Start(e[1], AttemptId(2))}, "w", T(10))->size(), 2u);
  CallUpdate out;
  out.event.attempt_id = AttemptId(1);
  out.event.status = ExecutionStatus::kCompleted;
  out.event.at = T(20);
  out.event.opt_out = true;
  CallUpdate plain = out;
  plain.event.attempt_id = AttemptId(2);
  plain.event.opt_out = false;
  ASSERT_EQ(Apply(store(), {out, plain}, T(20)).size(), 2u);
  const std::vector<std::string> numbers = {e[0].contact_number, e[1].contact_number};
  EXPECT_THAT(*store().FilterDoNotCall(acc.id, numbers), ElementsAre(e[0].contact_number));
  auto reasons = store().DoNotCallReasons(acc.id, numbers);
  ASSERT_TRUE(reasons.ok()) << reasons.status().ToString();
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ(reasons->at(e[0].contact_number), "opt_out: execution " + e[0].id);
  EXPECT_TRUE(IsOptOutReason(reasons->at(e[0].contact_number)));
  EXPECT_THAT(*store().DoNotCallReasons(NewAccount("other").id, numbers), IsEmpty());
}

}  // namespace batchcall
