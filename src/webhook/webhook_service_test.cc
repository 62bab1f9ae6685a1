// WebhookService on a fake clock: a real SQLite store in a temp dir (changes
// journaled by the engine store operations) and a scripted HttpTransport.
#include "webhook/webhook_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "base/ids.h"
#include "base/time.h"
#include "metrics/app_metrics.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_transport.h"
#include "testing/temp_dir.h"
#include "webhook/signature.h"
#include "testing/wait.h"

namespace batchcall {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kSecret[] = "whsec_current";
constexpr char kAgentHook[] = "http://hooks.test/agent";

using test::FakeTransport;

std::string Header(const OutboundRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class WebhookServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    account_ = *store_->EnsureDefaultAccount(clock_.Now());
    ASSERT_TRUE(store_->RotateWebhookSecret(account_.id, kSecret, clock_.Now(), clock_.Now()).ok());
    options_.jitter_seed = 7;
    options_.backoff_initial = seconds(1);
    options_.backoff_max = seconds(60);
    renderer_ = [this](const WebhookChange& c) -> Result<RenderedPayload> {
      std::lock_guard<std::mutex> lock(render_mu_);
      ++render_calls_[c.object_id];
      if (gone_.count(c.object_id) > 0) return NotFound("gone");
      if (render_failures_[c.object_id] > 0) {
        --render_failures_[c.object_id];
        return Internal("database is locked");
      }
      nlohmann::json body = {{"id", c.object_id}, {"status", c.status}, {"sequence", c.seq}};
      RenderedPayload p;
      if (c.kind == "batch") {
        p.event_type = "batch." + c.status;
      } else {
        p.event_type = "execution.status_changed";
      }
      body["event"] = p.event_type;
      p.body = body.dump();
      return p;
    };
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
  }

  WebhookService& Service() {
    if (!service_) service_ = std::make_unique<WebhookService>(*store_, transport_, clock_, renderer_, options_, metrics_);
    return *service_;
  }

  Agent MakeAgent(std::optional<std::string> hook = std::string(kAgentHook)) {
    Agent a;
    a.id = NewUuid();
    a.account_id = account_.id;
    a.name = "agent-" + a.id.substr(0, 8);
    a.provider_type = "simulator";
    a.webhook_url = std::move(hook);
    a.calls_per_second = 0;
    a.created_at = a.updated_at = clock_.Now();
    EXPECT_TRUE(store_->CreateAgent(a).ok());
    return a;
  }

  // A running batch of n contacts whose executions are dialled (initiated).
  // Returns the attempt id of each execution, keyed by execution id.
  std::map<std::string, std::string> StartBatch(const Agent& agent, int n,
                                                std::optional<std::string> batch_hook = std::nullopt) {
    Batch draft;
    draft.id = NewBatchId();
    draft.account_id = account_.id;
    draft.agent_id = agent.id;
    draft.webhook_url = std::move(batch_hook);
    draft.created_at = draft.updated_at = clock_.Now();
    auto import = std::move(store_->BeginImport(draft)).value();
    for (int i = 0; i < n; ++i) {
      ContactRow row;
      row.row_index = i;
      row.line = i + 2;
      row.contact_number = "+1415555" + std::to_string(1000 + i);
      EXPECT_TRUE(import->AddContact(row).ok());
    }
    auto batch = import->Commit(n, n, 0);
    EXPECT_TRUE(batch.ok());
    batch_id_ = batch->id;
    BatchTransition t;
    t.to = BatchStatus::kScheduled;
    t.scheduled_at = clock_.Now();
    EXPECT_TRUE(store_->TransitionBatch(account_.id, batch->id, t, clock_.Now()).ok());
    EXPECT_TRUE(store_->StartDueBatches(clock_.Now()).ok());
    auto claimed = store_->ClaimExecutions(batch->id, n, "engine", clock_.Now(), clock_.Now() + seconds(60));
    EXPECT_TRUE(claimed.ok());
    std::vector<AttemptStart> starts;
    std::map<std::string, std::string> attempts;
    for (const Execution& e : *claimed) {
      AttemptStart s;
      s.attempt_id = NewUuid();
      s.execution_id = e.id;
      s.idempotency_key = s.attempt_id;
      starts.push_back(s);
      attempts[e.id] = s.attempt_id;
    }
    EXPECT_TRUE(store_->BeginAttempts(starts, "engine", clock_.Now()).ok());
    return attempts;
  }

  void Update(const std::string& attempt_id, ExecutionStatus status) {
    CallUpdate u;
    u.event.attempt_id = attempt_id;
    u.event.idempotency_key = attempt_id;
    u.event.status = status;
    u.event.at = clock_.Now();
    ASSERT_TRUE(store_->ApplyCallUpdates({u}, clock_.Now()).ok());
  }

  // Rings, answers and completes every attempt.
  void CompleteAll(const std::map<std::string, std::string>& attempts) {
    for (ExecutionStatus s : {ExecutionStatus::kRinging, ExecutionStatus::kInProgress, ExecutionStatus::kCompleted}) {
      for (const auto& [execution, attempt] : attempts) Update(attempt, s);
    }
  }

  // Pumps at each next due time until nothing is pending (or the guard trips).
  void DrainUntil(TimePoint until) {
    for (int guard = 0; guard < 10'000; ++guard) {
      ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
      auto backlog = store_->GetWebhookBacklog();
      ASSERT_TRUE(backlog.ok());
      if (backlog->pending == 0 || !backlog->next_due.has_value() || *backlog->next_due > until) return;
      clock_.Set(std::max(*backlog->next_due, clock_.Now()));
    }
    FAIL() << "did not drain";
  }

  static nlohmann::json Body(const OutboundRequest& r) { return nlohmann::json::parse(r.body); }

  FakeClock clock_{*ParseIso8601("2026-06-01T10:00:00Z")};
  test::TempDir dir_{"bc-webhook-"};
  std::unique_ptr<SqliteStore> store_;
  Account account_;
  std::string batch_id_;
  FakeTransport transport_;
  WebhookOptions options_;
  WebhookRenderer renderer_;
  std::mutex render_mu_;
  std::set<std::string> gone_;
  std::map<std::string, int> render_failures_;
  std::map<std::string, int> render_calls_;
  metrics::Registry registry_;
  metrics::AppMetrics metrics_{registry_};
  std::unique_ptr<WebhookService> service_;
};

TEST_F(WebhookServiceTest, BackoffDoublesWithinJitterBoundsAndCaps) {
  WebhookService& s = Service();
  EXPECT_EQ(s.Backoff(1, 1.0), seconds(1));
  EXPECT_EQ(s.Backoff(1, 0.0), milliseconds(500));
  EXPECT_EQ(s.Backoff(2, 1.0), seconds(2));
  EXPECT_EQ(s.Backoff(4, 1.0), seconds(8));
  EXPECT_EQ(s.Backoff(4, 0.5), milliseconds(6000));
  EXPECT_EQ(s.Backoff(7, 1.0), seconds(60));  // 64 s capped
  EXPECT_EQ(s.Backoff(1000, 1.0), seconds(60));
  EXPECT_EQ(s.Backoff(1000, 0.0), seconds(30));
  EXPECT_EQ(s.Backoff(0, 1.0), seconds(1));   // treated as the first retry
  EXPECT_EQ(s.Backoff(3, 7.0), seconds(4));   // jitter clamped to [0, 1]
  EXPECT_EQ(s.Backoff(3, -1.0), seconds(2));
}

TEST_F(WebhookServiceTest, DeliversSignedPayloadWithHeaders) {
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 1);
  const std::string execution = attempts.begin()->first;
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  auto requests = transport_.requests();
  ASSERT_FALSE(requests.empty()) << "no change was journaled for the dialled execution";
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, kAgentHook);
    EXPECT_EQ(r.timeout, options_.request_timeout);
    EXPECT_EQ(Header(r, "Content-Type"), "application/json");
    EXPECT_EQ(Header(r, "User-Agent"), "batchcall-webhooks/0.1");
    EXPECT_EQ(Header(r, kEventTypeHeader), "execution.status_changed");
    EXPECT_TRUE(NormalizeUuid(Header(r, kEventIdHeader)).has_value()) << Header(r, kEventIdHeader);
    const std::string sig = Header(r, kSignatureHeader);
    EXPECT_TRUE(VerifyPayload(kSecret, sig, r.body, clock_.Now()).ok()) << sig;
    EXPECT_FALSE(VerifyPayload(kSecret, sig, r.body + " ", clock_.Now()).ok());
    EXPECT_EQ(Body(r)["id"], execution);
  }
  EXPECT_EQ(Service().stats().delivered, static_cast<int64_t>(requests.size()));
  EXPECT_EQ(Service().stats().rendered, static_cast<int64_t>(requests.size()));
  auto backlog = store_->GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 0);

  // Later changes become new deliveries with new event ids.
  transport_.Clear();
  CompleteAll(attempts);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  auto later = transport_.requests();
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(Body(later.back())["status"], "completed");
  std::set<std::string> ids;
  for (const auto& r : requests) ids.insert(Header(r, kEventIdHeader));
  for (const auto& r : later) EXPECT_TRUE(ids.insert(Header(r, kEventIdHeader)).second);
}

TEST_F(WebhookServiceTest, AgentWithoutWebhookUrlSendsNothing) {
  Agent a = MakeAgent(std::nullopt);
  CompleteAll(StartBatch(a, 2));
  EXPECT_EQ(*Service().Pump(clock_.Now()), 0);
  EXPECT_TRUE(transport_.requests().empty());
}

// Regression (issue 4 review): changes journaled while the agent had a
// webhook_url, rendered after it was removed, became deliveries to "" that
// were retried for max_age.
TEST_F(WebhookServiceTest, WebhookUrlRemovedBeforeRenderingSendsNothing) {
  Agent a = MakeAgent();
  CompleteAll(StartBatch(a, 2));
  a.webhook_url = std::nullopt;
  a.updated_at = clock_.Now();
  ASSERT_TRUE(store_->UpdateAgent(a).ok());
  EXPECT_EQ(*Service().Pump(clock_.Now()), 0);
  EXPECT_TRUE(transport_.requests().empty());
  auto backlog = store_->GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 0);
  EXPECT_EQ(backlog->dead, 0);
}

TEST_F(WebhookServiceTest, UnusableUrlIsGivenUpAtOnce) {
  Agent a = MakeAgent(std::string("not a url"));
  StartBatch(a, 1);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  EXPECT_TRUE(transport_.requests().empty());
  auto backlog = store_->GetWebhookBacklog();
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->pending, 0);
  EXPECT_GE(backlog->dead, 1);
}

TEST_F(WebhookServiceTest, ReceiverDownIsRetriedWithGrowingBackoffThenEverythingArrivesInOrder) {
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 3);
  CompleteAll(attempts);
  const TimePoint t0 = clock_.Now();
  // Down for an hour: connection refused, then 503s.
  std::map<std::string, std::vector<int64_t>> accepted;  // execution -> sequences answered 200, in order
  transport_.SetHandler([&](const OutboundRequest& r) -> Result<OutboundResponse> {
    if (clock_.Now() < t0 + std::chrono::minutes(30)) return Unavailable("connection refused");
    if (clock_.Now() < t0 + hours(1)) return FakeTransport::Answer(503);
    accepted[Body(r)["id"].get<std::string>()].push_back(Body(r)["sequence"].get<int64_t>());
    return FakeTransport::Answer(200);
  });
  DrainUntil(t0 + hours(2));
  auto requests = transport_.requests();
  const WebhookStats stats = Service().stats();
  ASSERT_GT(stats.rendered, 9);  // at least ringing, in-progress, completed for 3 executions
  EXPECT_EQ(stats.delivered, stats.rendered);
  EXPECT_EQ(stats.dead, 0);
  EXPECT_GT(stats.failed_attempts, 0);

  // While down, only the oldest event of each execution is tried, and the
  // waits between its tries grow (within the jitter bounds).
  std::map<std::string, std::vector<TimePoint>> tries;  // event id -> send times (by sequence of calls)
  std::set<std::string> ok_ids;
  // Reconstruct send times: the clock only moves between Pump calls, so use
  // the signature's t (send time in seconds).
  for (const auto& r : requests) {
    const std::string sig = Header(r, kSignatureHeader);
    const int64_t t = std::stoll(sig.substr(2, sig.find(',') - 2));
    tries[Header(r, kEventIdHeader)].push_back(FromUnixMillis(t * 1000));
  }
  for (const auto& r : requests) {
    if (tries[Header(r, kEventIdHeader)].back() >= t0 + hours(1)) ok_ids.insert(Header(r, kEventIdHeader));
  }
  EXPECT_EQ(static_cast<int64_t>(ok_ids.size()), stats.rendered);
  size_t retried = 0;
  for (const auto& [id, times] : tries) {
    if (times.size() < 4) continue;
    ++retried;
    for (size_t i = 1; i + 1 < times.size() && times[i + 1] < t0 + hours(1); ++i) {
      const auto gap = times[i + 1] - times[i];
      const auto expected = Service().Backoff(static_cast<int>(i + 1), 1.0);
      EXPECT_GE(gap, expected / 2 - seconds(1)) << "try " << i;
      EXPECT_LE(gap, expected + seconds(1)) << "try " << i;
    }
    EXPECT_GT(times[2] - times[1], times[1] - times[0] - seconds(1));
  }
  EXPECT_EQ(retried, 3u);  // the head event of each execution, and only those

  // Per execution, each event was accepted once, strictly in journal order.
  ASSERT_EQ(accepted.size(), 3u);
  for (const auto& [execution, seqs] : accepted) {
    EXPECT_GE(seqs.size(), 4u) << execution;
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << execution;
    EXPECT_EQ(std::set<int64_t>(seqs.begin(), seqs.end()).size(), seqs.size()) << execution;
  }
  auto backlog = store_->GetWebhookBacklog();
  EXPECT_EQ(backlog->pending, 0);
}

TEST_F(WebhookServiceTest, FailedEarlierEventBlocksLaterEventsOfTheSameExecutionOnly) {
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 2);
  const std::string slow_exec = attempts.begin()->first;
  CompleteAll(attempts);
  // The receiver fails the first try of each event of one execution.
  std::set<std::string> failed_once;
  transport_.SetHandler([&](const OutboundRequest& r) -> Result<OutboundResponse> {
    const std::string id = Header(r, kEventIdHeader);
    if (Body(r)["id"] == slow_exec && failed_once.insert(id).second) return FakeTransport::Answer(500);
    return FakeTransport::Answer(200);
  });
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  // The other execution got everything at once; the failing one only its first try.
  std::map<std::string, int> per_exec;
  for (const auto& r : transport_.requests()) ++per_exec[Body(r)["id"].get<std::string>()];
  EXPECT_EQ(per_exec[slow_exec], 1);
  EXPECT_GE(per_exec[std::next(attempts.begin())->first], 4);
  DrainUntil(clock_.Now() + hours(1));
  // Each event of slow_exec was sent twice (fail, success) and in order: the
  // sends of event n+1 come after both sends of event n.
  std::vector<int64_t> sends;
  for (const auto& r : transport_.requests()) {
    if (Body(r)["id"] == slow_exec) sends.push_back(Body(r)["sequence"].get<int64_t>());
  }
  ASSERT_GE(sends.size(), 8u);
  EXPECT_TRUE(std::is_sorted(sends.begin(), sends.end()));
  for (size_t i = 0; i + 1 < sends.size(); i += 2) EXPECT_EQ(sends[i], sends[i + 1]);
  EXPECT_EQ(Service().stats().delivered, Service().stats().rendered);
}

TEST_F(WebhookServiceTest, PastMaxAgeTheDeliveryIsDeadAndTheNextEventProceeds) {
  options_.max_age = std::chrono::minutes(10);
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 1);
  const std::string attempt = attempts.begin()->second;
  // Render the first change(s) now; later changes are created 20 minutes on.
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());  // delivered (200 by default)
  transport_.Clear();
  Update(attempt, ExecutionStatus::kRinging);
  std::string doomed;
  transport_.SetHandler([&](const OutboundRequest& r) -> Result<OutboundResponse> {
    if (Body(r)["status"] == "ringing") {
      doomed = Header(r, kEventIdHeader);
      return FakeTransport::Answer(503);
    }
    return FakeTransport::Answer(200);
  });
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  ASSERT_FALSE(doomed.empty());
  Update(attempt, ExecutionStatus::kInProgress);
  Update(attempt, ExecutionStatus::kCompleted);
  DrainUntil(clock_.Now() + hours(1));
  EXPECT_GE(clock_.Now() - *ParseIso8601("2026-06-01T10:00:00Z"), std::chrono::minutes(10));
  const WebhookStats stats = Service().stats();
  EXPECT_EQ(stats.dead, 1);
  auto backlog = store_->GetWebhookBacklog();
  EXPECT_EQ(backlog->pending, 0);
  EXPECT_EQ(backlog->dead, 1);
  std::vector<std::string> ok_statuses;
  for (const auto& r : transport_.requests()) {
    if (Header(r, kEventIdHeader) != doomed) ok_statuses.push_back(Body(r)["status"]);
  }
  EXPECT_EQ(ok_statuses, (std::vector<std::string>{"in-progress", "completed"}));
}

TEST_F(WebhookServiceTest, RedirectToTheSameHostIsFollowedWithTheSameBody) {
  Agent a = MakeAgent();
  StartBatch(a, 1);
  transport_.SetHandler([&](const OutboundRequest& r) -> Result<OutboundResponse> {
    if (r.url == kAgentHook) return FakeTransport::Answer(307, {{"location", "/moved"}});
    if (r.url == "http://hooks.test/moved") {
      return FakeTransport::Answer(308, {{"Location", "http://HOOKS.test/final"}});
    }
    return FakeTransport::Answer(200);
  });
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  auto requests = transport_.requests();
  ASSERT_GE(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, kAgentHook);
  EXPECT_EQ(requests[1].url, "http://hooks.test/moved");
  EXPECT_EQ(requests[2].url, "http://HOOKS.test/final");
  EXPECT_EQ(requests[2].body, requests[0].body);
  EXPECT_EQ(Header(requests[2], kEventIdHeader), Header(requests[0], kEventIdHeader));
  EXPECT_TRUE(VerifyPayload(kSecret, Header(requests[2], kSignatureHeader), requests[2].body, clock_.Now()).ok());
  EXPECT_EQ(Service().stats().failed_attempts, 0);
  EXPECT_GE(Service().stats().delivered, 1);
}

TEST_F(WebhookServiceTest, RedirectToAnotherHostOrTooManyHopsIsAFailure) {
  Agent a = MakeAgent();
  Agent b = MakeAgent("http://loop.test/a");
  StartBatch(a, 1);
  StartBatch(b, 1);
  transport_.SetHandler([&](const OutboundRequest& r) -> Result<OutboundResponse> {
    if (r.url.rfind("http://loop.test/", 0) == 0) return FakeTransport::Answer(302, {{"Location", "/again"}});
    return FakeTransport::Answer(302, {{"Location", "https://evil.test/x"}});
  });
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  int evil = 0, loop = 0;
  for (const auto& r : transport_.requests()) {
    EXPECT_EQ(r.url.find("evil.test"), std::string::npos);
    if (r.url == kAgentHook) ++evil;
    if (r.url.rfind("http://loop.test/", 0) == 0) ++loop;
  }
  EXPECT_EQ(evil, 1);
  EXPECT_EQ(loop, 4);  // the first request and 3 hops
  EXPECT_EQ(Service().stats().delivered, 0);
  // The recorded errors, seen by claiming the retries directly.
  clock_.Advance(hours(1));
  auto claimed = store_->ClaimWebhookDeliveries(clock_.Now(), 10, "probe", clock_.Now() + seconds(60));
  ASSERT_TRUE(claimed.ok());
  std::set<std::string> errors;
  for (const auto& d : *claimed) {
    EXPECT_EQ(d.attempts, 1);
    errors.insert(d.last_error);
  }
  EXPECT_EQ(errors, (std::set<std::string>{"redirect to another host not followed: https://evil.test",
                                           "too many redirects (more than 3)"}));
}

TEST_F(WebhookServiceTest, RendererNotFoundDropsTheChangeAndOtherErrorsRetry) {
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 3);
  auto it = attempts.begin();
  const std::string gone = it->first;
  const std::string flaky = (++it)->first;
  const std::string fine = (++it)->first;
  gone_.insert(gone);
  render_failures_[flaky] = 1;
  CompleteAll(attempts);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  std::map<std::string, std::vector<int64_t>> seen;
  for (const auto& r : transport_.requests()) {
    seen[Body(r)["id"].get<std::string>()].push_back(Body(r)["sequence"].get<int64_t>());
  }
  EXPECT_EQ(seen.count(gone), 0u);
  EXPECT_EQ(seen.count(flaky), 0u);  // its first change failed to render: all its changes wait
  EXPECT_GE(seen[fine].size(), 4u);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  seen.clear();
  for (const auto& r : transport_.requests()) {
    seen[Body(r)["id"].get<std::string>()].push_back(Body(r)["sequence"].get<int64_t>());
  }
  EXPECT_EQ(seen[flaky].size(), seen[fine].size());
  EXPECT_TRUE(std::is_sorted(seen[flaky].begin(), seen[flaky].end()));
  EXPECT_EQ(seen.count(gone), 0u);
  EXPECT_TRUE(store_->ReadWebhookChanges(100)->empty());  // dropped changes left the journal
}

TEST_F(WebhookServiceTest, DuringRotationBothSecretsSign) {
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 1);
  ASSERT_TRUE(store_->RotateWebhookSecret(account_.id, "whsec_next", clock_.Now() + hours(24), clock_.Now()).ok());
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  ASSERT_FALSE(transport_.requests().empty());
  const OutboundRequest r = transport_.requests().front();
  const std::string sig = Header(r, kSignatureHeader);
  EXPECT_EQ(std::count(sig.begin(), sig.end(), ','), 2) << sig;
  EXPECT_TRUE(VerifyPayload("whsec_next", sig, r.body, clock_.Now()).ok());
  EXPECT_TRUE(VerifyPayload(kSecret, sig, r.body, clock_.Now()).ok());

  // After the overlap only the new secret signs.
  transport_.Clear();
  clock_.Advance(hours(25));
  Update(attempts.begin()->second, ExecutionStatus::kRinging);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  ASSERT_EQ(transport_.requests().size(), 1u);
  const OutboundRequest later = transport_.requests().front();
  const std::string later_sig = Header(later, kSignatureHeader);
  EXPECT_EQ(std::count(later_sig.begin(), later_sig.end(), ','), 1) << later_sig;
  EXPECT_TRUE(VerifyPayload("whsec_next", later_sig, later.body, clock_.Now()).ok());
  EXPECT_FALSE(VerifyPayload(kSecret, later_sig, later.body, clock_.Now()).ok());
}

TEST_F(WebhookServiceTest, AccountWithoutSecretIsNotDeliveredUnsigned) {
  auto other = store_->CreateAccount("no-secret", clock_.Now());
  ASSERT_TRUE(other.ok());
  account_ = *other;
  Agent a = MakeAgent();
  StartBatch(a, 1);
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  EXPECT_TRUE(transport_.requests().empty());
  EXPECT_GE(Service().stats().failed_attempts, 1);
  clock_.Advance(hours(1));
  auto claimed = store_->ClaimWebhookDeliveries(clock_.Now(), 10, "probe", clock_.Now() + seconds(60));
  ASSERT_TRUE(claimed.ok());
  ASSERT_FALSE(claimed->empty());
  EXPECT_EQ(claimed->front().last_error, "account has no webhook secret");
}

TEST_F(WebhookServiceTest, BatchWebhookGetsTheBatchEvent) {
  Agent a = MakeAgent(std::nullopt);
  auto attempts = StartBatch(a, 2, "http://hooks.test/batch");
  CompleteAll(attempts);
  ASSERT_TRUE(store_->CompleteFinishedBatches(clock_.Now()).ok());
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  auto requests = transport_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].url, "http://hooks.test/batch");
  EXPECT_EQ(Header(requests[0], kEventTypeHeader), "batch.completed");
  EXPECT_EQ(Body(requests[0])["id"], batch_id_);
}

TEST_F(WebhookServiceTest, SlowReceiverOnThreadsAllDeliveredAndStopIsPrompt) {
  options_.delivery_threads = 4;
  Agent a = MakeAgent();
  auto attempts = StartBatch(a, 8);
  CompleteAll(attempts);
  std::atomic<int> in_flight{0}, max_in_flight{0};
  transport_.SetHandler([&](const OutboundRequest&) -> Result<OutboundResponse> {
    int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(milliseconds(200));  // the receiver's latency, not a wait
    --in_flight;
    return FakeTransport::Answer(200);
  });
  const size_t expected = store_->ReadWebhookChanges(1000)->size();
  ASSERT_GE(expected, 32u);
  ASSERT_TRUE(Service().Start().ok());
  Service().Notify();
  test::WaitUntil([&] { return Service().stats().delivered >= static_cast<int64_t>(expected); }, seconds(20));
  EXPECT_EQ(Service().stats().delivered, static_cast<int64_t>(expected));
  // The workers shared the slow receiver's load (4 in the usual case).
  EXPECT_GE(max_in_flight.load(), 3);
  EXPECT_LE(max_in_flight.load(), 4);

  // More events arrive; Stop() during their deliveries returns after the
  // requests in flight, not after the backlog.
  for (const auto& [e, attempt] : StartBatch(a, 8)) Update(attempt, ExecutionStatus::kRinging);
  Service().Notify();
  ASSERT_TRUE(test::WaitUntil([&] { return in_flight.load() > 0; }));  // deliveries are running
  const auto before = std::chrono::steady_clock::now();
  Service().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(600));
  EXPECT_GT(store_->GetWebhookBacklog()->pending, 0);  // left for the next start, not lost
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

TEST_F(WebhookServiceTest, DeliveryResultsAreCountedInMetrics) {
  const metrics::AppMetrics& m = metrics_;
  const double delivered0 = m.webhook_delivered.Value();
  const double failed0 = m.webhook_failed.Value();
  const double given_up0 = m.webhook_given_up.Value();
  Agent a = MakeAgent();
  StartBatch(a, 1);
  int answered = 0;
  transport_.SetHandler([&](const OutboundRequest&) -> Result<OutboundResponse> {
    return FakeTransport::Answer(++answered == 1 ? 503 : 200);  // the first try fails, then all succeed
  });
  DrainUntil(clock_.Now() + hours(1));
  StartBatch(MakeAgent(std::string("not a url")), 1);  // given up at once
  ASSERT_TRUE(Service().Pump(clock_.Now()).ok());
  const WebhookStats stats = Service().stats();
  ASSERT_GT(stats.delivered, 0);
  ASSERT_GE(stats.dead, 1);
  EXPECT_EQ(m.webhook_delivered.Value() - delivered0, stats.delivered);
  EXPECT_EQ(m.webhook_failed.Value() - failed0, 1);
  EXPECT_EQ(m.webhook_given_up.Value() - given_up0, stats.dead);
}

}  // namespace
}  // namespace batchcall
