#include "base/timer_queue.h"

namespace batchcall {

void TimerHeap::Push(TimePoint when, std::function<void()> fn) {
  heap_.push(Entry{when, next_seq_++, std::move(fn)});
}

std::optional<TimePoint> TimerHeap::NextDue() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.top().when;
}

std::optional<std::function<void()>> TimerHeap::PopDue(TimePoint now) {
  if (heap_.empty() || heap_.top().when > now) return std::nullopt;
  auto fn = std::move(const_cast<Entry&>(heap_.top()).fn);
  heap_.pop();
  return fn;
}

void ManualTimerQueue::At(TimePoint when, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  heap_.Push(when, std::move(fn));
}

int ManualTimerQueue::RunDue(TimePoint now) {
  int ran = 0;
  while (true) {
    std::optional<std::function<void()>> fn;
    {
      std::lock_guard lock(mu_);
      fn = heap_.PopDue(now);
    }
    if (!fn) return ran;
    (*fn)();
    ++ran;
  }
}

std::optional<TimePoint> ManualTimerQueue::NextDue() const {
  std::lock_guard lock(mu_);
  return heap_.NextDue();
}

size_t ManualTimerQueue::pending() const {
  std::lock_guard lock(mu_);
  return heap_.size();
}

ThreadTimerQueue::ThreadTimerQueue(const Clock& clock) : clock_(clock), thread_([this] { Run(); }) {}

ThreadTimerQueue::~ThreadTimerQueue() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ThreadTimerQueue::At(TimePoint when, std::function<void()> fn) {
  bool earliest;
  {
    std::lock_guard lock(mu_);
    auto next = heap_.NextDue();
    earliest = !next || when < *next;
    heap_.Push(when, std::move(fn));
  }
  if (earliest) cv_.notify_all();
}

void ThreadTimerQueue::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto next = heap_.NextDue();
    if (!next) {
      cv_.wait(lock);
      continue;
    }
    TimePoint now = clock_.Now();
    if (*next > now) {
      // The clock is the source of truth; wait on the steady clock for the gap.
      cv_.wait_for(lock, *next - now);
      continue;
    }
    auto fn = heap_.PopDue(now);
    lock.unlock();
    if (fn) (*fn)();
    lock.lock();
  }
}

}  // namespace batchcall
