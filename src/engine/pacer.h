// Pacer: the per-agent dial rate limit.
//
// Guarantees that no window of one second ever holds more than
// max(1, floor(calls_per_second)) dials, and dials at calls_per_second on
// average while work is waiting. A small token bucket (50 ms worth of dials)
// keeps the flow smooth instead of one burst per second. calls_per_second 0
// means unpaced.
//
// Not thread-safe: owned by the dispatcher thread. Driven by explicit time
// arguments, so tests run on a fake clock.
#pragma once

#include <deque>
#include <optional>

#include "base/clock.h"

namespace batchcall {

class Pacer {
 public:
  explicit Pacer(double calls_per_second);

  // Changes the rate (agent edited); keeps the record of recent dials.
  void SetRate(double calls_per_second);
  double rate() const { return rate_; }
  bool unpaced() const { return rate_ <= 0; }

  // How many dials may start at `now` (a large number when unpaced).
  int Available(TimePoint now);
  // Records `n` dials started at `now`. Precondition: n <= Available(now).
  void Consume(TimePoint now, int n);
  // The earliest instant > now at which Available() becomes positive, or
  // nullopt when unpaced or already positive at now.
  std::optional<TimePoint> NextAvailable(TimePoint now);

 private:
  void Refill(TimePoint now);
  void Expire(TimePoint now);
  int WindowCap() const;

  double rate_ = 0;
  double capacity_ = 1;  // bucket size, in dials
  double tokens_ = 1;
  std::optional<TimePoint> last_refill_;
  std::deque<TimePoint> recent_;  // dial instants within the last second
};

}  // namespace batchcall
