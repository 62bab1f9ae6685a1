// Store conformance suite, part 4: provider call updates (forward-only
// progress, outcomes applied once, walked states, retries) and the
// do-not-call list.
#include <gmock/gmock.h>

#include "store/conformance_test.h"

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TimePoint At(int64_t seconds) { return FromUnixMillis(1767225600000LL + seconds * 1000); }

// Starts `b` at T(10), claims every execution for "w" and begins one
// attempt each (number = attempt_number) at `now`. Attempt ids in CSV order.
std::vector<std::string> BeginAll(Store& store, const Batch& b, TimePoint now, int attempt_number = 1) {
  auto claimed = store.ClaimExecutions(b.id, 1000, "w", now, now + std::chrono::minutes(1));
  EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
  std::vector<AttemptStart> starts;
  static int counter = 0;
  for (const auto& e : *claimed) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++counter);
    starts.push_back({id, e.id, id, "+14155550100", attempt_number, {}});
  }
  auto begun = store.BeginAttempts(starts, "w", now);
  EXPECT_TRUE(begun.ok()) << begun.status().ToString();
  EXPECT_EQ(begun->size(), starts.size());
  return *begun;
}

CallUpdate Event(const std::string& attempt_id, ExecutionStatus s, TimePoint at) {
  CallUpdate u;
  u.event.attempt_id = attempt_id;
  u.event.idempotency_key = attempt_id;
  u.event.status = s;
  u.event.at = at;
  return u;
}

CallUpdate Outcome(const std::string& attempt_id, ExecutionStatus s, TimePoint at) {
  CallUpdate u = Event(attempt_id, s, at);
  u.event.duration_seconds = 42.5;
  u.event.ring_seconds = 3;
  u.event.cost = 0.25;
  u.event.transcript = "agent: hi\nuser: hello";
  u.event.summary = "greeted";
  u.event.recording_url = "https://rec.example/1.wav";
  u.event.hangup_by = "user";
  u.event.hangup_reason = "normal";
  u.event.extracted_data = {{"interested", true}};
  return u;
}

}  // namespace

TEST_P(StoreConformanceTest, CallUpdatesMoveForwardOnlyAndOutcomeAppliesOnce) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 1);
  DriveTo(b, BatchStatus::kRunning);  // running without StartDueBatches: prepared rows get queued by it
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto ids = BeginAll(store(), b, T(10));
  ASSERT_EQ(ids.size(), 1u);
  const std::string exec_id = AllExecutions(b)[0].id;
  ASSERT_TRUE(store().SetProviderCallIds({{ids[0], "CA-1"}}).ok());

  EXPECT_THAT(Apply(store(), {Event(ids[0], ExecutionStatus::kRinging, T(11))}, T(11)), IsEmpty());
  Execution e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kRinging);
  EXPECT_EQ(e.updated_at, T(11));
  // Duplicate, earlier and unknown events change nothing.
  Apply(store(), {Event(ids[0], ExecutionStatus::kRinging, T(12)), Event(ids[0], ExecutionStatus::kInitiated, T(12)),
                  Event("00000000-0000-4000-8000-ffffffffffff", ExecutionStatus::kCompleted, T(12))},
        T(12));
  e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kRinging);
  EXPECT_EQ(e.updated_at, T(11));
  // Out of order within one call: in-progress then a late ringing.
  Apply(store(), {Event(ids[0], ExecutionStatus::kInProgress, T(13)), Event(ids[0], ExecutionStatus::kRinging, T(13))},
        T(13));
  EXPECT_EQ(store().GetExecution(acc.id, exec_id)->status, ExecutionStatus::kInProgress);
  EXPECT_EQ((*store().ListAttempts(exec_id))[0].status, ExecutionStatus::kInProgress);

  auto applied = Apply(store(), {Outcome(ids[0], ExecutionStatus::kCompleted, T(60))}, T(61));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].attempt_id, ids[0]);
  EXPECT_EQ(applied[0].execution_id, exec_id);
  EXPECT_EQ(applied[0].agent_id, agent.id);
  EXPECT_EQ(applied[0].execution_status, ExecutionStatus::kCompleted);
  e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e.conversation_duration, 42.5);
  EXPECT_EQ(e.total_cost, 0.25);
  EXPECT_EQ(e.transcript, "agent: hi\nuser: hello");
  EXPECT_EQ(e.summary, "greeted");
  EXPECT_EQ(e.extracted_data, nlohmann::json({{"interested", true}}));
  EXPECT_EQ(e.agent_number, "+14155550100");
  EXPECT_EQ(e.telephony_data["provider_call_id"], "CA-1");
  EXPECT_EQ(e.telephony_data["to_number"], e.contact_number);
  EXPECT_EQ(e.telephony_data["from_number"], "+14155550100");
  EXPECT_EQ(e.telephony_data["recording_url"], "https://rec.example/1.wav");
  EXPECT_EQ(e.telephony_data["hangup_by"], "user");
  EXPECT_EQ(e.telephony_data["duration"], 42.5);
  EXPECT_EQ(e.telephony_data["ring_duration"], 3.0);
  EXPECT_EQ(e.telephony_data["provider"], agent.provider_type);
  ASSERT_EQ(e.retry_history.size(), 1u);
  EXPECT_EQ(e.retry_history[0].attempt, 1);
  EXPECT_EQ(e.retry_history[0].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e.retry_history[0].at, T(10));
  auto attempts = *store().ListAttempts(exec_id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(attempts[0].provider_call_id, "CA-1");
  EXPECT_EQ(attempts[0].ended_at, std::optional<TimePoint>(T(60)));
  EXPECT_THAT(*store().ListOpenAttempts(), IsEmpty());

  // A second outcome for the closed attempt is ignored.
  EXPECT_THAT(Apply(store(), {Outcome(ids[0], ExecutionStatus::kBusy, T(70))}, T(70)), IsEmpty());
  e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e.retry_history.size(), 1u);
  EXPECT_EQ(e.updated_at, T(61));
  EXPECT_THAT(*store().CompleteFinishedBatches(T(71)), ElementsAre(b.id));
  // Deleting the batch deletes its attempts.
  ASSERT_TRUE(store().DeleteBatch(acc.id, b.id).ok());
  EXPECT_THAT(*store().ListAttempts(exec_id), IsEmpty());
}

TEST_P(StoreConformanceTest, LostProgressEventsAreWalkedOver) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto ids = BeginAll(store(), b, T(10));
  ASSERT_EQ(ids.size(), 2u);
  auto all = AllExecutions(b);
  // initiated -> completed (ringing, in-progress, call-disconnected lost).
  auto applied = Apply(store(), {Outcome(ids[0], ExecutionStatus::kCompleted, T(50)),
                                 Event(ids[1], ExecutionStatus::kCallDisconnected, T(50))},
                       T(50));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(store().GetExecution(acc.id, all[0].id)->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(store().GetExecution(acc.id, all[1].id)->status, ExecutionStatus::kCallDisconnected);
  Apply(store(), {Event(ids[1], ExecutionStatus::kInProgress, T(51))}, T(51));
  EXPECT_EQ(store().GetExecution(acc.id, all[1].id)->status, ExecutionStatus::kCallDisconnected);
}

TEST_P(StoreConformanceTest, RetryOutcomeSchedulesTheNextAttempt) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 1);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto first = BeginAll(store(), b, T(10));
  const std::string exec_id = AllExecutions(b)[0].id;
  CallUpdate retry = Outcome(first[0], ExecutionStatus::kNoAnswer, T(40));
  retry.retry = true;
  retry.next_attempt_at = T(500);
  auto applied = Apply(store(), {Event(first[0], ExecutionStatus::kRinging, T(11)), retry}, T(41));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].execution_status, ExecutionStatus::kScheduled);
  Execution e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kScheduled);
  EXPECT_EQ(e.next_attempt_at, std::optional<TimePoint>(T(500)));
  EXPECT_EQ(e.retry_count, 1);
  EXPECT_EQ(e.attempt_count, 1);
  ASSERT_EQ(e.retry_history.size(), 1u);
  EXPECT_EQ(e.retry_history[0].status, ExecutionStatus::kNoAnswer);
  EXPECT_EQ(*store().NextDueTime(), std::optional<TimePoint>(T(500)));
  EXPECT_THAT(*store().CompleteFinishedBatches(T(42)), IsEmpty());

  EXPECT_THAT(*store().ClaimExecutions(b.id, 10, "w", T(499), T(560)), IsEmpty());
  auto second = BeginAll(store(), b, T(500), /*attempt_number=*/2);
  ASSERT_EQ(second.size(), 1u);
  Apply(store(), {Outcome(second[0], ExecutionStatus::kCompleted, T(600))}, T(600));
  e = *store().GetExecution(acc.id, exec_id);
  EXPECT_EQ(e.status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e.retry_count, 1);
  EXPECT_EQ(e.attempt_count, 2);
  EXPECT_EQ(e.total_cost, 0.5);  // both attempts
  EXPECT_FALSE(e.next_attempt_at.has_value());
  ASSERT_EQ(e.retry_history.size(), 2u);
  EXPECT_EQ(e.retry_history[1].attempt, 2);
  EXPECT_EQ(e.retry_history[1].status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e.retry_history[1].at, T(500));
  auto attempts = *store().ListAttempts(exec_id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[1].number, 2);
}

TEST_P(StoreConformanceTest, RetryIsSuppressedWhenTheBatchWasStopped) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto claimed = *store().ClaimExecutions(b.id, 1, "w", T(10), T(70));
  ASSERT_EQ(claimed.size(), 1u);
  const std::string attempt = "00000000-0000-4000-8000-0000000000aa";
  ASSERT_EQ(store().BeginAttempts({{attempt, claimed[0].id, attempt, "", 1, {}}}, "w", T(10))->size(), 1u);
  ASSERT_TRUE(store().StopBatch(acc.id, b.id, T(20)).ok());
  auto all = AllExecutions(b);
  EXPECT_EQ(all[0].status, ExecutionStatus::kInitiated);  // live call left alone
  EXPECT_EQ(all[1].status, ExecutionStatus::kStopped);
  CallUpdate busy = Outcome(attempt, ExecutionStatus::kBusy, T(30));
  busy.retry = true;
  busy.next_attempt_at = T(100);
  auto applied = Apply(store(), {busy}, T(30));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].execution_status, ExecutionStatus::kBusy);
  Execution e = *store().GetExecution(acc.id, claimed[0].id);
  EXPECT_EQ(e.status, ExecutionStatus::kBusy);
  EXPECT_EQ(e.retry_count, 0);
  EXPECT_FALSE(e.next_attempt_at.has_value());
  EXPECT_EQ(store().GetBatch(acc.id, b.id)->status, BatchStatus::kStopped);
}

TEST_P(StoreConformanceTest, DoNotCallIsPerAccount) {
  Account acme = NewAccount("acme");
  Account other = NewAccount("other");
  auto added = store().AddDoNotCall(acme.id, {"+14155550001", "+14155550003", "+14155550001"}, "asked", At(5));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(*store().AddDoNotCall(acme.id, {"+14155550003", "+14155550002"}, "again", At(6)), 1);
  EXPECT_EQ(*store().AddDoNotCall(other.id, {"+14155550009"}, "x", At(6)), 1);

  auto page = *store().ListDoNotCall(acme.id, "", 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].number, "+14155550001");
  EXPECT_EQ(page[0].reason, "asked");
  EXPECT_EQ(page[0].created_at, At(5));
  EXPECT_EQ(page[1].number, "+14155550002");
  auto rest = *store().ListDoNotCall(acme.id, page[1].number, 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].number, "+14155550003");
  EXPECT_EQ(rest[0].reason, "asked");  // kept, not replaced

  std::vector<std::string> probe = {"+14155550003", "+14155550009", "+14155550001", "+14155550004"};
  EXPECT_THAT(*store().FilterDoNotCall(acme.id, probe), UnorderedElementsAre("+14155550003", "+14155550001"));
  EXPECT_THAT(*store().FilterDoNotCall(other.id, probe), ElementsAre("+14155550009"));
  EXPECT_THAT(*store().FilterDoNotCall(NewAccount("empty").id, probe), IsEmpty());

  EXPECT_EQ(store().RemoveDoNotCall(other.id, "+14155550001").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().RemoveDoNotCall(acme.id, "+14155550001").ok());
  EXPECT_EQ(store().RemoveDoNotCall(acme.id, "+14155550001").code(), StatusCode::kNotFound);
  EXPECT_THAT(*store().FilterDoNotCall(acme.id, probe), ElementsAre("+14155550003"));
  EXPECT_EQ(store().ListDoNotCall(acme.id, "", 100)->size(), 2u);
}

}  // namespace batchcall
