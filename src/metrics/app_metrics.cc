#include "metrics/app_metrics.h"

#include <chrono>

#ifndef BATCHCALL_VERSION
#define BATCHCALL_VERSION "unknown"
#endif

namespace batchcall::metrics {
namespace {

FamilyOptions Labels(std::vector<std::string> names, size_t max_children = 100) {
  FamilyOptions o;
  o.label_names = std::move(names);
  o.max_children = max_children;
  return o;
}

std::string_view MethodLabel(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == known) return known;
  return kOtherLabelValue;
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string_view StatusClass(int status) {
  switch (status / 100) {
    case 1: return "1xx";
    case 2: return "2xx";
    case 3: return "3xx";
    case 4: return "4xx";
    case 5: return "5xx";
    default: return kOtherLabelValue;
  }
}

std::string AgentLabel(std::string_view name) {
  int digits = 0;
  for (char c : name)
    if (c >= '0' && c <= '9') ++digits;
  if (digits >= 6 || name.empty()) return std::string(kOtherLabelValue);
  return TruncateUtf8(name, kMaxLabelValueBytes);
}

AppMetrics::AppMetrics(Registry& r)
    : registry(r),
      calls(r.AddCounter("batchcall_calls_total", "Call attempts that reached a final status, by status.",
                         Labels({"status"}, 50))),
      dials(r.AddCounter("batchcall_dials_total", "Dials started, by agent name (at most 100 agents; the rest are \"other\").",
                         Labels({"agent"}, 100))),
      calls_in_flight(r.AddGauge("batchcall_calls_in_flight",
                                 "Calls of this node dialled and not yet ended (initiated, ringing, in progress).")
                          .Get()),
      eligible_executions(r.AddGauge("batchcall_eligible_executions",
                                     "Queued executions of running batches, waiting to be dialled (sampled at most every 5 s).")
                              .Get()),
      rescheduled(r.AddCounter("batchcall_rescheduled_total",
                               "Executions pushed to the next calling window (outside calling hours).")
                      .Get()),
      retries(r.AddCounter("batchcall_retries_total", "Retries scheduled, by the outcome that caused them.",
                           Labels({"reason"}, 50))),
      webhook_backlog(r.AddGauge("batchcall_webhook_outbox_backlog",
                                 "Webhook deliveries pending in the outbox (sampled at most every 5 s).")
                          .Get()),
      webhook_delivered(r.AddCounter("batchcall_webhook_deliveries_total",
                                     "Webhook delivery attempts by result: delivered, failed (retried later), given_up.",
                                     Labels({"result"}))
                            .With({"delivered"})),
      webhook_failed(r.AddCounter("batchcall_webhook_deliveries_total", "", Labels({"result"})).With({"failed"})),
      webhook_given_up(r.AddCounter("batchcall_webhook_deliveries_total", "", Labels({"result"})).With({"given_up"})),
      provider_duration(r.AddHistogram("batchcall_provider_request_duration_seconds",
                                       "Time spent in telephony provider requests, by provider type and operation.",
                                       Labels({"provider", "operation"}, 50))),
      provider_errors(r.AddCounter("batchcall_provider_errors_total",
                                   "Failed telephony provider requests, by provider type and operation.",
                                   Labels({"provider", "operation"}, 50))),
      http_duration(r.AddHistogram("batchcall_http_request_duration_seconds",
                                   "HTTP requests answered, by method, matched route pattern and status class.",
                                   Labels({"method", "route", "code"}, 500))),
      ingest_accepted(r.AddCounter("batchcall_ingest_rows_total", "CSV contact rows ingested, by result.",
                                   Labels({"result"}))
                          .With({"accepted"})),
      ingest_rejected(r.AddCounter("batchcall_ingest_rows_total", "", Labels({"result"})).With({"rejected"})),
      ingest_seconds(r.AddCounter("batchcall_ingest_duration_seconds_total",
                                  "Time spent ingesting CSV uploads; rate(rows)/rate(this) is rows per second.")
                         .Get()),
      ingest_last_rate(r.AddGauge("batchcall_ingest_last_rows_per_second",
                                  "Rows per second of the most recent CSV ingest.")
                           .Get()),
      build_info(r.AddGauge("batchcall_build_info", "Always 1; the version label names the running build.",
                            Labels({"version"}, 1))),
      process_start_time(r.AddGauge("process_start_time_seconds",
                                    "Start time of the process since the Unix epoch, in seconds.")
                             .Get()) {
  build_info.With({BATCHCALL_VERSION}).Set(1);
  // system_clock: this is the wall-clock start time Prometheus expects.
  process_start_time.Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void AppMetrics::ObserveHttp(std::string_view method, std::string_view route, int status,
                             std::chrono::nanoseconds duration) const {
  http_duration.With({MethodLabel(method), route.empty() ? std::string_view("unmatched") : route, StatusClass(status)})
      .Observe(Seconds(duration));
}

void AppMetrics::ObserveIngest(int64_t accepted, int64_t rejected, std::chrono::nanoseconds duration) const {
  ingest_accepted.Inc(static_cast<double>(accepted));
  ingest_rejected.Inc(static_cast<double>(rejected));
  double s = Seconds(duration);
  ingest_seconds.Inc(s);
  if (s > 0) ingest_last_rate.Set(static_cast<double>(accepted + rejected) / s);
}

Counter& AppMetrics::DialsFor(std::string_view agent_name) const { return dials.With({AgentLabel(agent_name)}); }

const AppMetrics& App() {
  static const AppMetrics* app = new AppMetrics(Default());
  return *app;
}

}  // namespace batchcall::metrics
