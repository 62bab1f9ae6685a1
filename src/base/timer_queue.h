// TimerQueue: run callbacks at (or after) given instants of a Clock.
//
// ThreadTimerQueue runs them on its own thread against the real clock;
// ManualTimerQueue runs them only when a test calls RunDue(now), so code that
// schedules work can be tested on a FakeClock without sleeps.
//
// Thread-safety: At() may be called from any thread, including from inside a
// callback. Callbacks run one at a time, in due-time order (ties in order of
// scheduling).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <vector>

#include "base/clock.h"

namespace batchcall {

class TimerQueue {
 public:
  virtual ~TimerQueue() = default;
  virtual void At(TimePoint when, std::function<void()> fn) = 0;
};

// Shared ordered storage of pending timers.
class TimerHeap {
 public:
  void Push(TimePoint when, std::function<void()> fn);
  std::optional<TimePoint> NextDue() const;
  // Pops the earliest timer if it is due at `now`.
  std::optional<std::function<void()>> PopDue(TimePoint now);
  size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    TimePoint when;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_seq_ = 0;
};

class ManualTimerQueue final : public TimerQueue {
 public:
  void At(TimePoint when, std::function<void()> fn) override;
  // Runs every callback due at `now` (including ones scheduled by callbacks
  // for times <= now). Returns how many ran.
  int RunDue(TimePoint now);
  std::optional<TimePoint> NextDue() const;
  size_t pending() const;

 private:
  mutable std::mutex mu_;
  TimerHeap heap_;
};

class ThreadTimerQueue final : public TimerQueue {
 public:
  explicit ThreadTimerQueue(const Clock& clock);
  ~ThreadTimerQueue() override;  // drops pending timers, joins the thread
  void At(TimePoint when, std::function<void()> fn) override;

 private:
  void Run();
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  TimerHeap heap_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace batchcall
