#include "engine/engine_metrics.h"

namespace batchcall {

NoEngineMetrics& NoEngineMetrics::Instance() {
  static NoEngineMetrics none;
  return none;
}

}  // namespace batchcall
