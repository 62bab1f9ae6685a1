// Store conformance suite, part 5: the webhook change journal (what the
// engine operations journal, and when not), the delivery outbox (idempotent
// enqueue, claim order, head-of-line per order_key, leases, retries, dead
// deliveries), webhook secrets, the attempt lookups of inbound callbacks and
// provider-specific telephony data.
#include <gmock/gmock.h>

#include <cstdio>

#include "store/conformance_test.h"

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using E = ExecutionStatus;

// (object id, status) of a change, for compact expectations.
using Seen = std::pair<std::string, std::string>;

// Begins one attempt for each execution in `dial` (ids, claimed by "w");
// returns attempt ids in the order of `dial`.
std::vector<std::string> Dial(Store& store, const std::vector<std::string>& dial, TimePoint now,
                              int attempt_number = 1) {
  static int counter = 0;
  std::vector<AttemptStart> starts;
  for (const auto& id : dial) {
    char attempt[40];
    std::snprintf(attempt, sizeof attempt, "00000000-0000-4000-9000-%012d", ++counter);
    starts.push_back({attempt, id, attempt, "+14155550100", attempt_number, {}});
  }
  auto begun = store.BeginAttempts(starts, "w", now);
  EXPECT_TRUE(begun.ok()) << begun.status().ToString();
  EXPECT_EQ(begun.ok() ? begun->size() : 0u, starts.size());
  return begun.ok() ? *begun : std::vector<std::string>{};
}

CallUpdate Update(const std::string& attempt_id, E s, TimePoint at) {
  CallUpdate u;
  u.event.attempt_id = attempt_id;
  u.event.idempotency_key = attempt_id;
  u.event.status = s;
  u.event.at = at;
  if (IsOutcome(u.event)) u.event.duration_seconds = 42.5;
  return u;
}

std::vector<WebhookChange> Changes(Store& store, int64_t limit = 1000) {
  auto r = store.ReadWebhookChanges(limit);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<WebhookChange>{};
}

std::vector<Seen> SeenOf(const std::vector<WebhookChange>& changes) {
  std::vector<Seen> out;
  for (const auto& c : changes) out.emplace_back(c.object_id, c.status);
  return out;
}

WebhookDelivery Delivery(const std::string& event_id, const std::string& order_key, TimePoint due) {
  WebhookDelivery d;
  d.event_id = event_id;
  d.account_id = "acc";
  d.url = "https://receiver.example/hook";
  d.event_type = "execution.status_changed";
  d.order_key = order_key;
  d.body = R"({"id":")" + order_key + R"("})";
  d.created_at = due;
  d.next_attempt_at = due;
  return d;
}

std::vector<std::string> EventIds(const Result<std::vector<WebhookDelivery>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& d : *r) out.push_back(d.event_id);
  return out;
}

}  // namespace

Batch StoreConformanceTest::ImportWithoutBatchWebhook(const Agent& agent, int contacts) {
  Batch draft = Draft(agent);
  draft.webhook_url.reset();
  auto import = store().BeginImport(draft);
  EXPECT_TRUE(import.ok()) << import.status().ToString();
  if (!import.ok()) return Batch{};
  for (int i = 0; i < contacts; ++i) {
    Status s = (*import)->AddContact({i, i + 2, "+1415555200" + std::to_string(i), {"a", "b"}});
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  auto batch = (*import)->Commit(contacts, contacts, 0);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (batch.ok()) imported_.push_back(*batch);
  return batch.ok() ? *batch : Batch{};
}

std::vector<int64_t> StoreConformanceTest::JournalChanges(int n) {
  Agent agent = NewAgent(NewAccount("hooks").id, "a");
  Batch b = Import(agent, 1);
  const std::string id = AllExecutions(b)[0].id;
  for (int i = 0; i < n; ++i) EXPECT_TRUE(SetStatus(id, i % 2 ? E::kPrepared : E::kQueued).ok());
  std::vector<int64_t> seqs;
  for (const auto& c : Changes(store())) seqs.push_back(c.seq);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(n));
  return seqs;
}

TEST_P(StoreConformanceTest, EngineStatusChangesAreJournaledInOrder) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");  // webhook_url https://example.com/hook
  Batch b = Import(agent, 3);           // batch webhook_url https://example.com/batch-hook
  const auto execs = AllExecutions(b);
  const std::string e0 = execs[0].id, e1 = execs[1].id, e2 = execs[2].id;
  DriveTo(b, BatchStatus::kScheduled);
  EXPECT_THAT(Changes(store()), IsEmpty());  // prepared executions and a scheduled batch: nothing yet

  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto claimed = store().ClaimExecutions(b.id, 2, "w", T(10), T(70));  // e0, e1 (already queued: no change)
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  ASSERT_TRUE(store().CancelExecutions({Blocked(e1, "do not call")}, "w", T(11)).ok());
  auto attempts = Dial(store(), {e0}, T(12));
  ASSERT_EQ(attempts.size(), 1u);
  Apply(store(), {Update(attempts[0], E::kRinging, T(13)), Update(attempts[0], E::kRinging, T(13))}, T(13));
  Apply(store(), {Update(attempts[0], E::kInProgress, T(14))}, T(14));
  ASSERT_TRUE(store().StopBatch(acc.id, b.id, T(15)).ok());
  Apply(store(), {Update(attempts[0], E::kCompleted, T(16))}, T(16));  // skips call-disconnected: one change

  auto changes = Changes(store());
  EXPECT_THAT(SeenOf(changes), ElementsAre(Seen{e0, "queued"}, Seen{e1, "queued"}, Seen{e2, "queued"},
                                           Seen{e1, "canceled"}, Seen{e0, "initiated"}, Seen{e0, "ringing"},
                                           Seen{e0, "in-progress"}, Seen{e2, "stopped"}, Seen{b.id, "stopped"},
                                           Seen{e0, "completed"}));
  ASSERT_EQ(changes.size(), 10u);
  for (size_t i = 1; i < changes.size(); ++i) EXPECT_LT(changes[i - 1].seq, changes[i].seq);
  for (const auto& c : changes) {
    EXPECT_EQ(c.account_id, acc.id);
    const bool batch = c.object_id == b.id;
    EXPECT_EQ(c.kind, batch ? "batch" : "execution");
    EXPECT_EQ(c.url, batch ? "https://example.com/batch-hook" : "https://example.com/hook");
  }
  EXPECT_EQ(changes[0].at, T(10));
  EXPECT_EQ(changes[3].at, T(11));
  EXPECT_EQ(changes[5].at, T(13));
  EXPECT_EQ(changes[8].at, T(15));
  // Oldest first, at most limit.
  EXPECT_THAT(SeenOf(Changes(store(), 2)), ElementsAre(Seen{e0, "queued"}, Seen{e1, "queued"}));
}

TEST_P(StoreConformanceTest, RetriesReschedulesAndCompletionAreJournaled) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  const std::string e0 = AllExecutions(b)[0].id, e1 = AllExecutions(b)[1].id;
  DriveTo(b, BatchStatus::kScheduled);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().ClaimExecutions(b.id, 10, "w", T(10), T(70)).ok());
  ASSERT_TRUE(store().RescheduleExecutions({Held(e1, T(50))}, "w", T(10)).ok());
  auto first = Dial(store(), {e0}, T(11));
  CallUpdate busy = Update(first[0], E::kBusy, T(12));
  busy.retry = true;
  busy.next_attempt_at = T(40);
  Apply(store(), {busy}, T(12));
  ASSERT_EQ(store().ClaimExecutions(b.id, 10, "w", T(60), T(120))->size(), 2u);  // both due again
  auto second = Dial(store(), {e0, e1}, T(61), 2);
  Apply(store(), {Update(second[0], E::kCompleted, T(62)), Update(second[1], E::kNoAnswer, T(62))}, T(62));
  ASSERT_TRUE(store().CompleteFinishedBatches(T(63)).ok());
  EXPECT_THAT(SeenOf(Changes(store())),
              ElementsAre(Seen{e0, "queued"}, Seen{e1, "queued"}, Seen{e1, "rescheduled"}, Seen{e0, "initiated"},
                          Seen{e0, "scheduled"}, Seen{e0, "queued"}, Seen{e1, "queued"}, Seen{e0, "initiated"},
                          Seen{e1, "initiated"}, Seen{e0, "completed"}, Seen{e1, "no-answer"},
                          Seen{b.id, "completed"}));
}

TEST_P(StoreConformanceTest, NothingIsJournaledWithoutAReceiver) {
  Account acc = NewAccount("acme");
  NewAgent(acc.id, "hooked");  // another agent with a webhook exists
  Agent quiet = SampleAgent(acc.id, "quiet", T(0));
  quiet.webhook_url.reset();
  ASSERT_TRUE(store().CreateAgent(quiet).ok());
  Agent blank = SampleAgent(acc.id, "blank", T(0));
  blank.webhook_url = "";
  ASSERT_TRUE(store().CreateAgent(blank).ok());
  for (const Agent* a : {&quiet, &blank}) {
    Batch b = ImportWithoutBatchWebhook(*a, 2);
    DriveTo(b, BatchStatus::kRunning);
    ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
    ASSERT_TRUE(store().ClaimExecutions(b.id, 10, "w", T(10), T(70)).ok());
    auto ids = Dial(store(), {AllExecutions(b)[0].id, AllExecutions(b)[1].id}, T(11));
    Apply(store(), {Update(ids[0], E::kCompleted, T(12)), Update(ids[1], E::kFailed, T(12))}, T(12));
    ASSERT_EQ(store().CompleteFinishedBatches(T(13))->size(), 1u);
  }
  // Batch of an agent with a webhook, paused and resumed, then stopped: a batch
  // is journaled only on completed/stopped, and only with its own webhook_url.
  Agent hooked = *store().FindAgentByName(acc.id, "hooked");
  Batch b = ImportWithoutBatchWebhook(hooked, 0);
  DriveTo(b, BatchStatus::kPaused);
  ASSERT_TRUE(store().StopBatch(acc.id, b.id, T(20)).ok());
  EXPECT_THAT(Changes(store()), IsEmpty());
}

TEST_P(StoreConformanceTest, JournalFollowsTheAgentsCurrentWebhookUrl) {
  Account acc = NewAccount("acme");
  Agent agent = SampleAgent(acc.id, "a", T(0));
  agent.webhook_url.reset();
  ASSERT_TRUE(store().CreateAgent(agent).ok());
  Batch b = ImportWithoutBatchWebhook(agent, 1);
  const std::string e0 = AllExecutions(b)[0].id;
  DriveTo(b, BatchStatus::kRunning);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());  // queued: no receiver yet
  agent.webhook_url = "https://late.example/hook";
  ASSERT_TRUE(store().UpdateAgent(agent).ok());
  ASSERT_TRUE(store().ClaimExecutions(b.id, 10, "w", T(10), T(70)).ok());
  auto ids = Dial(store(), {e0}, T(11));
  agent.webhook_url.reset();
  ASSERT_TRUE(store().UpdateAgent(agent).ok());
  Apply(store(), {Update(ids[0], E::kCompleted, T(12))}, T(12));  // receiver gone again
  auto changes = Changes(store());
  EXPECT_THAT(SeenOf(changes), ElementsAre(Seen{e0, "initiated"}));
  // The url is read when the change is read: the agent has none now.
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].url, "");
}

TEST_P(StoreConformanceTest, BatchCompletionIsJournaledWithTheBatchUrl) {
  Account acc = NewAccount("acme");
  Agent agent = SampleAgent(acc.id, "a", T(0));
  agent.webhook_url.reset();
  ASSERT_TRUE(store().CreateAgent(agent).ok());
  Batch done = Import(agent, 0);  // batch webhook_url set
  DriveTo(done, BatchStatus::kRunning);
  ASSERT_TRUE(store().CompleteFinishedBatches(T(30)).ok());
  Batch stopped = Import(agent, 1);
  DriveTo(stopped, BatchStatus::kRunning);
  ASSERT_TRUE(store().StopBatch(acc.id, stopped.id, T(31)).ok());
  auto changes = Changes(store());
  EXPECT_THAT(SeenOf(changes), ElementsAre(Seen{done.id, "completed"}, Seen{stopped.id, "stopped"}));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, "batch");
  EXPECT_EQ(changes[0].url, "https://example.com/batch-hook");
  EXPECT_EQ(changes[0].account_id, acc.id);
  EXPECT_EQ(changes[0].at, T(30));
  EXPECT_EQ(changes[1].at, T(31));
}

TEST_P(StoreConformanceTest, EnqueueConsumesEachChangeOnce) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 3);
  DriveTo(b, BatchStatus::kScheduled);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  auto changes = Changes(store());
  ASSERT_EQ(changes.size(), 3u);
  std::vector<Store::RenderedChange> rendered = {
      {changes[0].seq, Delivery("ev-0", changes[0].object_id, T(10))},
      {changes[1].seq, std::nullopt},  // dropped by the renderer
  };
  EXPECT_EQ(*store().EnqueueWebhooks(rendered), 1);
  // Enqueued again (another node read the same changes): nothing added.
  rendered[1].delivery = Delivery("ev-1", changes[1].object_id, T(10));
  EXPECT_EQ(*store().EnqueueWebhooks(rendered), 0);
  EXPECT_THAT(SeenOf(Changes(store())), ElementsAre(Seen{changes[2].object_id, "queued"}));
  auto backlog = store().GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 1);
  EXPECT_EQ(backlog->dead, 0);
  EXPECT_EQ(backlog->next_due, T(10));
  auto claimed = store().ClaimWebhookDeliveries(T(10), 10, "n1", T(40));
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  const WebhookDelivery& d = (*claimed)[0];
  EXPECT_GT(d.id, 0);
  EXPECT_EQ(d.event_id, "ev-0");
  EXPECT_EQ(d.account_id, "acc");
  EXPECT_EQ(d.url, "https://receiver.example/hook");
  EXPECT_EQ(d.event_type, "execution.status_changed");
  EXPECT_EQ(d.order_key, changes[0].object_id);
  EXPECT_EQ(d.body, R"({"id":")" + changes[0].object_id + R"("})");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.created_at, T(10));
  EXPECT_EQ(d.next_attempt_at, T(10));
  EXPECT_EQ(d.last_error, "");
}

TEST_P(StoreConformanceTest, DeletedBatchLeavesNoChangesBehind) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch gone = Import(agent, 2);
  Batch kept = Import(agent, 1);
  DriveTo(gone, BatchStatus::kScheduled);
  DriveTo(kept, BatchStatus::kScheduled);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().StopBatch(acc.id, gone.id, T(11)).ok());
  ASSERT_EQ(Changes(store()).size(), 6u);  // 3 queued, 2 stopped, gone stopped
  ASSERT_TRUE(store().DeleteBatch(acc.id, gone.id).ok());
  EXPECT_THAT(SeenOf(Changes(store())), ElementsAre(Seen{AllExecutions(kept)[0].id, "queued"}));
}

TEST_P(StoreConformanceTest, ClaimsHeadsOfLineOldestDueFirst) {
  auto seqs = JournalChanges(6);
  ASSERT_EQ(seqs.size(), 6u);
  ASSERT_EQ(*store().EnqueueWebhooks({{seqs[0], Delivery("a1", "A", T(5))},
                                      {seqs[1], Delivery("a2", "A", T(0))},
                                      {seqs[2], Delivery("b1", "B", T(3))},
                                      {seqs[3], Delivery("c1", "C", T(100))},
                                      {seqs[4], Delivery("b2", "B", T(0))}}),
            5);
  // a2 and b2 wait behind a1 and b1 although they are due earlier; c1 is not due.
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(10), 10, "n1", T(40))), ElementsAre("b1", "a1"));
  // Leased: nobody (not even n1) gets them again until the lease ends.
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(20), 10, "n2", T(50))), IsEmpty());
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(20), 10, "n1", T(50))), IsEmpty());
  auto backlog = store().GetWebhookBacklog();
  EXPECT_EQ(backlog->pending, 5);
  EXPECT_EQ(backlog->next_due, T(40));  // the leases end before c1 is due
  // n1 crashed: after the lease another node takes them; limit applies.
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(40), 1, "n2", T(70))), ElementsAre("b1"));
  auto a = store().ClaimWebhookDeliveries(T(40), 10, "n2", T(70));
  ASSERT_THAT(EventIds(a), ElementsAre("a1"));
  const int64_t a1 = (*a)[0].id;
  // Delivered: removed, and the next of its order_key moves up.
  ASSERT_TRUE(store().MarkWebhookDelivered(a1, T(41)).ok());
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(41), 10, "n2", T(70))), ElementsAre("a2"));
  EXPECT_EQ(store().MarkWebhookDelivered(a1, T(42)).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetWebhookBacklog()->pending, 4);
  // Leases of n2 ended too: everything due comes back, oldest due first.
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(100), 10, "n3", T(130))), ElementsAre("a2", "b1", "c1"));
}

TEST_P(StoreConformanceTest, FailedDeliveriesRetryLaterAndDeadOnesStopBlocking) {
  auto seqs = JournalChanges(3);
  ASSERT_EQ(*store().EnqueueWebhooks({{seqs[0], Delivery("b1", "B", T(0))},
                                      {seqs[1], Delivery("b2", "B", T(0))},
                                      {seqs[2], Delivery("x1", "X", T(0))}}),
            3);
  auto first = store().ClaimWebhookDeliveries(T(1), 10, "n1", T(31));
  ASSERT_THAT(EventIds(first), ElementsAre("b1", "x1"));
  const int64_t b1 = (*first)[0].id, x1 = (*first)[1].id;
  ASSERT_TRUE(store().MarkWebhookFailed(b1, T(60), "HTTP 503", T(2)).ok());
  ASSERT_TRUE(store().MarkWebhookFailed(x1, T(10), "timeout", T(2)).ok());
  // Lease cleared, but not due yet; b2 still waits behind b1.
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(5), 10, "n1", T(35))), IsEmpty());
  EXPECT_EQ(store().GetWebhookBacklog()->next_due, T(10));
  auto retried = store().ClaimWebhookDeliveries(T(60), 10, "n1", T(90));
  ASSERT_THAT(EventIds(retried), ElementsAre("x1", "b1"));  // oldest next_attempt_at first
  EXPECT_EQ((*retried)[1].attempts, 1);
  EXPECT_EQ((*retried)[1].last_error, "HTTP 503");
  EXPECT_EQ((*retried)[1].next_attempt_at, T(60));
  // Given up: kept as dead, no longer blocking b2.
  ASSERT_TRUE(store().MarkWebhookFailed(b1, std::nullopt, "HTTP 410", T(61)).ok());
  ASSERT_TRUE(store().MarkWebhookDelivered(x1, T(61)).ok());
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(61), 10, "n1", T(91))), ElementsAre("b2"));
  auto backlog = store().GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 1);
  EXPECT_EQ(backlog->dead, 1);
  EXPECT_EQ(store().MarkWebhookFailed(987654, T(1), "x", T(61)).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, EmptyOutboxHasNoBacklog) {
  auto backlog = store().GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 0);
  EXPECT_EQ(backlog->dead, 0);
  EXPECT_FALSE(backlog->next_due.has_value());
  EXPECT_THAT(EventIds(store().ClaimWebhookDeliveries(T(0), 10, "n", T(1))), IsEmpty());
  EXPECT_THAT(Changes(store()), IsEmpty());
  EXPECT_EQ(*store().EnqueueWebhooks({}), 0);
}

TEST_P(StoreConformanceTest, WebhookSecretsRotateKeepingThePreviousOne) {
  Account acc = NewAccount("acme");
  Account other = NewAccount("other");
  auto none = store().GetWebhookSecrets(acc.id);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->current, "");
  EXPECT_EQ(none->previous, "");
  EXPECT_FALSE(none->previous_until.has_value());

  ASSERT_TRUE(store().RotateWebhookSecret(acc.id, "whsec_first", T(100), T(1)).ok());
  auto s1 = store().GetWebhookSecrets(acc.id);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ(s1->current, "whsec_first");
  EXPECT_EQ(s1->created_at, T(1));
  EXPECT_EQ(s1->previous, "");
  EXPECT_FALSE(s1->previous_until.has_value());

  ASSERT_TRUE(store().RotateWebhookSecret(acc.id, "whsec_second", T(200), T(2)).ok());
  auto s2 = store().GetWebhookSecrets(acc.id);
  EXPECT_EQ(s2->current, "whsec_second");
  EXPECT_EQ(s2->created_at, T(2));
  EXPECT_EQ(s2->previous, "whsec_first");
  EXPECT_EQ(s2->previous_until, T(200));
  EXPECT_EQ(store().GetWebhookSecrets(other.id)->current, "");  // per account
  EXPECT_FALSE(store().RotateWebhookSecret("no-such-account", "whsec_x", T(1), T(1)).ok());
}

TEST_P(StoreConformanceTest, AttemptLookupsForInboundCallbacks) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 2);
  const auto execs = AllExecutions(b);
  DriveTo(b, BatchStatus::kScheduled);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().ClaimExecutions(b.id, 10, "w", T(10), T(70)).ok());
  auto first = Dial(store(), {execs[0].id}, T(11));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(store().SetProviderCallIds({{first[0], "CA-first"}}).ok());

  auto open = store().FindAttempt(first[0]);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_EQ(open->attempt.id, first[0]);
  EXPECT_EQ(open->attempt.execution_id, execs[0].id);
  EXPECT_EQ(open->attempt.provider_call_id, "CA-first");
  EXPECT_EQ(open->attempt.number, 1);
  EXPECT_EQ(open->account_id, acc.id);
  EXPECT_EQ(open->batch_id, b.id);
  EXPECT_EQ(open->contact_number, execs[0].contact_number);
  EXPECT_FALSE(open->closed);
  auto listed = store().ListOpenAttempts();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].contact_number, execs[0].contact_number);

  CallUpdate busy = Update(first[0], E::kBusy, T(12));
  busy.retry = true;
  busy.next_attempt_at = T(20);
  Apply(store(), {busy}, T(12));
  auto closed = store().FindAttempt(first[0]);
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(closed->closed);
  EXPECT_EQ(closed->attempt.status, E::kBusy);
  EXPECT_EQ(closed->retry_count, 1);

  ASSERT_EQ(store().ClaimExecutions(b.id, 10, "w", T(20), T(80))->size(), 2u);
  auto second = Dial(store(), {execs[0].id}, T(21), 2);
  auto latest = store().FindLatestAttempt(execs[0].id);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->attempt.id, second[0]);
  EXPECT_EQ(latest->attempt.number, 2);
  EXPECT_EQ(latest->account_id, acc.id);
  EXPECT_EQ(latest->contact_number, execs[0].contact_number);
  EXPECT_FALSE(latest->closed);

  EXPECT_EQ(store().FindAttempt("00000000-0000-4000-8000-000000000000").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindLatestAttempt(execs[1].id).status().code(), StatusCode::kNotFound);  // never dialled
  EXPECT_EQ(store().FindLatestAttempt("no-such-execution").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, TelephonyExtraIsMergedWithoutReplacingStandardKeys) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "a");
  Batch b = Import(agent, 1);
  const std::string id = AllExecutions(b)[0].id;
  DriveTo(b, BatchStatus::kScheduled);
  ASSERT_TRUE(store().StartDueBatches(T(10)).ok());
  ASSERT_TRUE(store().ClaimExecutions(b.id, 10, "w", T(10), T(70)).ok());
  auto ids = Dial(store(), {id}, T(11));
  CallUpdate u = Update(ids[0], E::kCompleted, T(12));
  u.event.telephony_extra = {{"answered_by", "human"}, {"sip_response_code", 200}, {"duration", 999}};
  Apply(store(), {u}, T(12));
  auto e = store().GetExecution(acc.id, id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->telephony_data.value("answered_by", ""), "human");
  EXPECT_EQ(e->telephony_data.value("sip_response_code", 0), 200);
  EXPECT_EQ(e->telephony_data.value("duration", 0.0), 42.5);
  EXPECT_EQ(e->telephony_data.value("to_number", ""), e->contact_number);
}

}  // namespace batchcall
