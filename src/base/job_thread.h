// JobThread: one job at a time on a thread of its own, so the caller can
// prepare the next job while the last one runs (an import stages rows while
// its previous rows are written).
//
// Thread-safety: every method may be called from any thread, one owner at a
// time by convention (the destructor last, by the owner); the job runs on the JobThread's thread and must not
// touch what the owner uses until Wait() returned.
#pragma once

#include <condition_variable>
#include <functional>
#include <thread>

#include "base/status.h"
#include "base/thread_annotations.h"

namespace batchcall {

class JobThread {
 public:
  JobThread() = default;
  // Waits for the running job, then stops the thread.
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  // Waits for the previous job; if it failed, returns its status and does
  // not run `job` (the first failure sticks). Otherwise starts `job` (the
  // thread itself on the first call) and returns Ok at once.
  Status Start(std::function<Status()> job);
  // Starts `job` only if no job runs and none failed; false otherwise (the
  // job is dropped). For work that may be skipped when one is under way.
  bool StartIfIdle(std::function<Status()> job);
  // Waits until no job runs; the first failure of any job so far, or Ok.
  Status Wait();

 private:
  void Run();

  Mutex mu_;
  std::condition_variable cv_;
  std::function<Status()> job_ GUARDED_BY(mu_);
  bool busy_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  Status status_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace batchcall
