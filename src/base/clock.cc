#include "base/clock.h"

namespace batchcall {

TimePoint SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace batchcall
