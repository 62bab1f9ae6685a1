// EngineMetrics: what the dispatcher reports for monitoring. The composition
// root gives it an implementation over the process's metrics registry
// (app/metrics_adapters.h: batchcall_calls_total, _dials_total,
// _calls_in_flight, _rescheduled_total, _retries_total); NoEngineMetrics,
// the default, reports nothing (tests, tools). The engine names no metric.
//
// Thread-safety: the dispatcher calls it from its engine thread only; an
// implementation shared with other threads must be thread-safe itself.
#pragma once

#include <cstdint>
#include <string_view>

namespace batchcall {

class EngineMetrics {
 public:
  virtual ~EngineMetrics() = default;
  // Calls of this node dialled and not yet ended, after every change.
  virtual void SetCallsInFlight(int64_t calls) = 0;
  // `dials` dials started (attempts stored) for the agent named `agent_name`.
  // Also called with 0 once attempts of the agent were offered.
  virtual void Dialed(std::string_view agent_name, int64_t dials) = 0;
  // Executions pushed to the next calling window (outside calling hours).
  virtual void Rescheduled(int64_t executions) = 0;
  // An attempt closed; `status` its final status ("unknown" when the closing
  // event was not an outcome), `retried` when its execution was scheduled again.
  virtual void CallEnded(std::string_view status, bool retried) = 0;
};

// Reports nothing.
class NoEngineMetrics final : public EngineMetrics {
 public:
  void SetCallsInFlight(int64_t) override {}
  void Dialed(std::string_view, int64_t) override {}
  void Rescheduled(int64_t) override {}
  void CallEnded(std::string_view, bool) override {}
  // A process-wide instance (stateless), the Dispatcher's default.
  static NoEngineMetrics& Instance();
};

}  // namespace batchcall
