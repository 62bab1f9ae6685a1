// GET /metrics: the Prometheus text exposition (format 0.0.4) of the
// registry of the metrics the Api was given (ApiOptions::metrics; the
// process-wide one in the server). An operator endpoint (it shows every
// account's agents): it takes `Authorization: Bearer <metrics_token>`,
// compared in constant time; tenant API keys get 401, and without a
// configured token it answers 403.
//
// Gauges that need the store (queue depth, webhook outbox backlog) are
// sampled here at scrape time, at most once per kSampleEvery for the whole
// process, so scraping often costs no extra queries. A failed query keeps the
// previous value.
#include <mutex>
#include <optional>

#include "api/api.h"
#include "base/crypto.h"
#include "metrics/app_metrics.h"

namespace batchcall {
namespace {

constexpr auto kSampleEvery = std::chrono::seconds(5);

std::mutex sample_mu;
std::optional<TimePoint> last_sample;  // guarded by sample_mu

void SampleStoreGauges(Store& store, const metrics::AppMetrics& m, TimePoint now) {
  std::lock_guard lock(sample_mu);
  if (last_sample && now - *last_sample < kSampleEvery && now >= *last_sample) return;
  last_sample = now;
  if (auto backlog = store.GetWebhookBacklog(); backlog.ok())
    m.webhook_backlog.Set(static_cast<double>(backlog->pending));
  auto running = store.ListRunningBatches();
  if (!running.ok()) return;
  int64_t queued = 0;
  for (const RunningBatch& rb : *running) {
    auto counts = store.CountExecutions(rb.batch.id);
    if (!counts.ok()) return;
    auto it = counts->find(ExecutionStatus::kQueued);
    if (it != counts->end()) queued += it->second;
  }
  m.eligible_executions.Set(static_cast<double>(queued));
}

}  // namespace

Result<HttpResponse> Api::GetMetrics(RouteContext& ctx) {
  if (options_.metrics_token.empty())
    return PermissionDenied(
        "/metrics is disabled: set metrics_token in the configuration file or BATCHCALL_METRICS_TOKEN "
        "in the environment, then send it as Authorization: Bearer <token>.");
  auto header = ctx.request.Header("Authorization");
  std::string_view token = header ? std::string_view(*header) : std::string_view();
  constexpr std::string_view kBearer = "Bearer ";
  bool bearer = token.size() > kBearer.size() && token.substr(0, kBearer.size()) == kBearer;
  if (!bearer || !ConstantTimeEquals(token.substr(kBearer.size()), options_.metrics_token)) {
    HttpResponse r = ErrorResponse(Unauthenticated("/metrics needs Authorization: Bearer <metrics_token>."));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  HttpResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", std::string(metrics::kContentType));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (options_.metrics != nullptr) {
    SampleStoreGauges(store_, *options_.metrics, clock_.Now());
    r.body = options_.metrics->registry.Render();
  }
  return r;
}

}  // namespace batchcall
