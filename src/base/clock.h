// Clock: the only source of "now" for domain and engine code.
//
// SystemClock reads the real clock; FakeClock is set by tests. Both are
// thread-safe.
#pragma once

#include <atomic>
#include <chrono>

namespace batchcall {

// Milliseconds since the Unix epoch, UTC. Stored as an integer everywhere.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(ms_.load())); }
  void Set(TimePoint t) { ms_.store(t.time_since_epoch().count()); }
  void Advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count()); }

 private:
  std::atomic<long long> ms_;
};

inline long long ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(long long ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace batchcall
