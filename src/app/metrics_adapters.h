// The metric sink the composition root gives to the engine (EngineMetrics):
// it forwards to the families of metrics::AppMetrics (docs/operations.md "Metrics"), so the metric names,
// labels and values live in metrics/ alone.
//
// Thread-safe (AppMetrics is).
#pragma once

#include "engine/engine_metrics.h"
#include "metrics/app_metrics.h"

namespace batchcall {

class AppEngineMetrics final : public EngineMetrics {
 public:
  // `metrics` must outlive this object.
  explicit AppEngineMetrics(const metrics::AppMetrics& metrics) : metrics_(metrics) {}
  void SetCallsInFlight(int64_t calls) override;
  void Dialed(std::string_view agent_name, int64_t dials) override;
  void Rescheduled(int64_t executions) override;
  void CallEnded(std::string_view status, bool retried) override;

 private:
  const metrics::AppMetrics& metrics_;
};

}  // namespace batchcall
