#include "app/metrics_adapters.h"

namespace batchcall {

void AppEngineMetrics::SetCallsInFlight(int64_t calls) { metrics_.calls_in_flight.Set(static_cast<double>(calls)); }

void AppEngineMetrics::Dialed(std::string_view agent_name, int64_t dials) {
  metrics_.DialsFor(agent_name).Inc(static_cast<double>(dials));  // the child exists from the first offer
}

void AppEngineMetrics::Rescheduled(int64_t executions) { metrics_.rescheduled.Inc(static_cast<double>(executions)); }

void AppEngineMetrics::CallEnded(std::string_view status, bool retried) {
  metrics_.calls.With({status}).Inc();
  if (retried) metrics_.retries.With({status}).Inc();
}

}  // namespace batchcall
