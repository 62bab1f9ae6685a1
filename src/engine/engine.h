// Engine: runs a Dispatcher on its own thread. The thread sleeps until the
// dispatcher's next due time or a Notify() (an API change, a provider event);
// it never busy-polls. Stop() stops new dials, finishes the current step and
// joins; calls in flight are left to finish and are recovered at the next start.
//
// Thread-safety: Start/Stop from one thread; Notify from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <thread>

#include "base/clock.h"
#include "base/thread_annotations.h"
#include "engine/dispatcher.h"

namespace batchcall {

struct EngineOptions {
  // Longest sleep without any due time (a safety net for changes made by
  // other processes, e.g. another node or `batchcall keys`).
  std::chrono::milliseconds idle_wake{2'000};
  std::chrono::milliseconds error_backoff{1'000};  // after a failed step
};

class Engine {
 public:
  Engine(Dispatcher& dispatcher, const Clock& clock, EngineOptions options = {});
  ~Engine();
  // Recovers open attempts, then starts the thread.
  Status Start();
  void Notify() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);

  // Constant after construction.
  Dispatcher& dispatcher_;
  const Clock& clock_;
  EngineOptions options_;

  Mutex mu_;
  std::condition_variable cv_;
  bool notified_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // Start/Stop's thread only
};

}  // namespace batchcall
