// AppMetrics: every batchcall metric family (docs/operations.md "Metrics"),
// registered in one Registry, with cached children for fixed label values so
// hot paths never look a child up.
//
// The composition root (app/) takes App() (over the process-wide Default()
// registry) and passes it to what reports metrics (the API, webhooks,
// providers; the engine through EngineMetrics); tests build their own
// AppMetrics over a private Registry. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "metrics/registry.h"

namespace batchcall::metrics {

struct AppMetrics {
  explicit AppMetrics(Registry& registry);

  Registry& registry;  // where every family below is registered (GET /metrics renders it)

  // Engine.
  CounterFamily& calls;           // batchcall_calls_total{status}
  CounterFamily& dials;           // batchcall_dials_total{agent} (agent name, capped)
  Gauge& calls_in_flight;         // batchcall_calls_in_flight
  Gauge& eligible_executions;     // batchcall_eligible_executions (sampled)
  Counter& rescheduled;           // batchcall_rescheduled_total
  CounterFamily& retries;         // batchcall_retries_total{reason}
  // Webhooks.
  Gauge& webhook_backlog;         // batchcall_webhook_outbox_backlog (sampled)
  Counter& webhook_delivered;     // batchcall_webhook_deliveries_total{result="delivered"}
  Counter& webhook_failed;        // ...{result="failed"} (will be retried)
  Counter& webhook_given_up;      // ...{result="given_up"}
  // Providers.
  HistogramFamily& provider_duration;  // batchcall_provider_request_duration_seconds{provider,operation}
  CounterFamily& provider_errors;      // batchcall_provider_errors_total{provider,operation}
  // HTTP API.
  HistogramFamily& http_duration;  // batchcall_http_request_duration_seconds{method,route,code}
  // CSV ingest.
  Counter& ingest_accepted;        // batchcall_ingest_rows_total{result="accepted"}
  Counter& ingest_rejected;        // batchcall_ingest_rows_total{result="rejected"}
  Counter& ingest_seconds;         // batchcall_ingest_duration_seconds_total
  Gauge& ingest_last_rate;         // batchcall_ingest_last_rows_per_second
  // Process.
  GaugeFamily& build_info;         // batchcall_build_info{version} 1
  Gauge& process_start_time;       // process_start_time_seconds

  // One answered HTTP request. method outside the usual verbs is "other",
  // an empty route "unmatched", code its class ("2xx").
  void ObserveHttp(std::string_view method, std::string_view route, int status,
                   std::chrono::nanoseconds duration) const;
  // One CSV ingest: rows accepted and rejected, and how long it took.
  void ObserveIngest(int64_t accepted, int64_t rejected, std::chrono::nanoseconds duration) const;
  // The dials counter of an agent, labelled by its name (AgentLabel).
  Counter& DialsFor(std::string_view agent_name) const;
};

// The metrics of the Default() registry.
const AppMetrics& App();

// An agent name as a label value: "other" when it contains 6 or more
// digits (it could be a phone number), else the name (truncated).
std::string AgentLabel(std::string_view name);

// "2xx" for 200..299 etc.; "other" outside 100..599.
std::string_view StatusClass(int status);

}  // namespace batchcall::metrics
