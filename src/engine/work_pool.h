// WorkPool: a fixed set of threads running submitted tasks in FIFO order.
// The engine uses it for provider calls that block on the network, so the
// engine thread never waits on a remote provider.
//
// Thread-safety: Submit from any thread. Stop (and the destructor) from the
// owner: it drops tasks not yet started, waits for running ones, and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"

namespace batchcall {

class WorkPool {
 public:
  explicit WorkPool(int threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // False once stopped (the task is not run).
  bool Submit(std::function<void()> task) EXCLUDES(mu_);
  // Tasks queued or running.
  size_t Pending() const EXCLUDES(mu_);
  // Waits until no task is queued or running, at most `timeout`; true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout) EXCLUDES(mu_);
  // Returns the number of queued tasks dropped.
  size_t Stop() EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);

  mutable Mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;  // signalled when a task ends
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  size_t running_ GUARDED_BY(mu_) = 0;
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // owner's thread only (constructor, Stop)
};

}  // namespace batchcall
