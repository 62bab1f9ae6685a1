// Release-only measurement of the engine's store path (not a test):
//   store_sqlite_engine_bench [executions=20000] [batch=500] [db path|-] [webhook]
// Runs every execution of one batch through a full call lifecycle the way
// the dispatcher batches it: per round one ClaimExecutions, one
// FilterDoNotCall, one BeginAttempts, one SetProviderCallIds and four
// ApplyCallUpdates (ringing, in-progress, call-disconnected, completed), plus
// the per-step ListRunningBatches / CompleteFinishedBatches / NextDueTime.
// With `webhook` the agent has a webhook_url, so every status change is
// journaled, and each round also moves the journal through the outbox
// (ReadWebhookChanges, EnqueueWebhooks, ClaimWebhookDeliveries,
// MarkWebhookDelivered) as the webhook service would, minus the HTTP.
// Prints lifecycles per second and the time per operation.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {
namespace {

using Clock = std::chrono::steady_clock;

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// Moves every journaled change through the outbox and marks it delivered.
void DrainWebhooks(Store& store, TimePoint now) {
  for (;;) {
    auto changes = Must(store.ReadWebhookChanges(1000), "read changes");
    if (changes.empty()) break;
    std::vector<Store::RenderedChange> rendered;
    for (const auto& c : changes) {
      WebhookDelivery d;
      d.event_id = c.kind + ":" + std::to_string(c.seq);
      d.account_id = c.account_id;
      d.url = c.url;
      d.event_type = "execution.status_changed";
      d.order_key = c.object_id;
      d.body = R"({"id":")" + c.object_id + R"(","status":")" + c.status + R"("})";
      d.created_at = d.next_attempt_at = now;
      rendered.push_back({c.seq, std::move(d)});
    }
    Must(store.EnqueueWebhooks(rendered), "enqueue");
  }
  for (;;) {
    auto claimed = Must(store.ClaimWebhookDeliveries(now, 1000, "bench", now + std::chrono::seconds(30)), "claim");
    if (claimed.empty()) break;
    for (const auto& d : claimed) Must(store.MarkWebhookDelivered(d.id, now), "delivered");
  }
}

int Run(int64_t total, int64_t per_round, const std::string& path, bool webhook) {
  SqliteStoreOptions options;
  options.path = path;
  auto store = Must(SqliteStore::Open(options), "open");
  TimePoint now = FromUnixMillis(1767225600000LL);
  Account account = Must(store->EnsureDefaultAccount(now), "account");
  Agent agent;
  agent.id = NewUuid();
  agent.account_id = account.id;
  agent.name = "bench";
  agent.provider_type = "simulator";
  agent.created_at = agent.updated_at = now;
  if (webhook) agent.webhook_url = "https://hooks.example/batchcall";
  Must(store->CreateAgent(agent), "agent");
  Must(store->AddDoNotCall(account.id, {"+19999999999"}, "bench", now), "dnc");
  Batch draft;
  draft.id = NewBatchId();
  draft.account_id = account.id;
  draft.agent_id = agent.id;
  draft.columns = {"name"};
  draft.created_at = draft.updated_at = now;
  auto import = Must(store->BeginImport(draft), "import");
  for (int64_t i = 0; i < total; ++i) {
    Must(import->AddContact({i, i + 2, "+1415" + std::to_string(5000000 + i), {"person" + std::to_string(i)}}),
         "add");
  }
  Batch batch = Must(import->Commit(total, total, 0), "commit");
  Must(store->TransitionBatch(account.id, batch.id, {BatchStatus::kScheduled, now, std::nullopt}, now).status(),
       "schedule");

  std::map<std::string, double> seconds;
  auto timed = [&](const char* name, auto&& f) {
    auto t0 = Clock::now();
    f();
    seconds[name] += std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto t_start = Clock::now();
  timed("StartDueBatches", [&] { Must(store->StartDueBatches(now), "start"); });
  int64_t done = 0;
  const ExecutionStatus kFlow[] = {ExecutionStatus::kRinging, ExecutionStatus::kInProgress,
                                   ExecutionStatus::kCallDisconnected, ExecutionStatus::kCompleted};
  while (done < total) {
    now += std::chrono::seconds(1);
    timed("ListRunningBatches", [&] { Must(store->ListRunningBatches(), "running"); });
    std::vector<Execution> claimed;
    timed("ClaimExecutions", [&] {
      claimed = Must(store->ClaimExecutions(batch.id, per_round, "bench", now, now + std::chrono::minutes(2)), "claim");
    });
    if (claimed.empty()) break;
    std::vector<std::string> numbers;
    for (const auto& e : claimed) numbers.push_back(e.contact_number);
    timed("FilterDoNotCall", [&] { Must(store->FilterDoNotCall(account.id, numbers), "filter"); });
    std::vector<AttemptStart> starts;
    for (const auto& e : claimed) {
      std::string id = NewUuid();
      starts.push_back({id, e.id, id, "+14155550100", e.retry_count + 1, {}});
    }
    timed("BeginAttempts", [&] { Must(store->BeginAttempts(starts, "bench", now), "begin"); });
    std::vector<std::pair<std::string, std::string>> call_ids;
    for (const auto& s : starts) call_ids.emplace_back(s.attempt_id, "CA" + s.attempt_id.substr(0, 8));
    timed("SetProviderCallIds", [&] { Must(store->SetProviderCallIds(call_ids), "call ids"); });
    for (ExecutionStatus status : kFlow) {
      std::vector<CallUpdate> updates;
      updates.reserve(starts.size());
      for (const auto& s : starts) {
        CallUpdate u;
        u.event.attempt_id = s.attempt_id;
        u.event.status = status;
        u.event.at = now;
        if (IsOutcome(u.event)) {
          u.event.duration_seconds = 30;
          u.event.cost = 0.02;
          u.event.transcript = "agent: Hi there\nuser: hello\nagent: bye";
          u.event.summary = "short call";
          u.event.hangup_by = "user";
        }
        updates.push_back(std::move(u));
      }
      timed("ApplyCallUpdates (x4)", [&] { Must(store->ApplyCallUpdates(updates, now), "apply"); });
    }
    timed("CompleteFinishedBatches", [&] { Must(store->CompleteFinishedBatches(now), "complete"); });
    timed("NextDueTime", [&] { Must(store->NextDueTime(), "next due"); });
    if (webhook) timed("webhooks (journal to delivered)", [&] { DrainWebhooks(*store, now); });
    done += static_cast<int64_t>(claimed.size());
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - t_start).count();
  Batch final_batch = Must(store->GetBatch(account.id, batch.id), "get batch");
  std::printf("%lld lifecycles in %.3f s = %.0f lifecycles/s (batch status %s)\n", static_cast<long long>(done),
              elapsed, done / elapsed, std::string(ToString(final_batch.status)).c_str());
  for (const auto& [name, s] : seconds) std::printf("  %-26s %8.3f s\n", name.c_str(), s);
  return 0;
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) {
  int64_t total = argc > 1 ? std::stoll(argv[1]) : 20000;
  int64_t per_round = argc > 2 ? std::stoll(argv[2]) : 500;
  std::string path;
  std::filesystem::path dir;
  const bool webhook = argc > 4 && std::string(argv[4]) == "webhook";
  if (argc > 3 && std::string(argv[3]) != "-") {
    path = argv[3];
  } else {
    dir = std::filesystem::temp_directory_path() / ("bc_engine_bench_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    path = (dir / "bench.db").string();
  }
  int rc = batchcall::Run(total, per_round, path, webhook);
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return rc;
}
