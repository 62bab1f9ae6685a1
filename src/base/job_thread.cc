#include "base/job_thread.h"

#include <utility>

namespace batchcall {

JobThread::~JobThread() {
  {
    MutexLock lock(mu_);
    while (busy_) lock.Wait(cv_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status JobThread::Start(std::function<Status()> job) {
  {
    MutexLock lock(mu_);
    while (busy_) lock.Wait(cv_);
    if (!status_.ok()) return status_;
    job_ = std::move(job);
    busy_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_all();
  return Status::Ok();
}

bool JobThread::StartIfIdle(std::function<Status()> job) {
  {
    MutexLock lock(mu_);
    if (busy_ || !status_.ok()) return false;
    job_ = std::move(job);
    busy_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_all();
  return true;
}

Status JobThread::Wait() {
  MutexLock lock(mu_);
  while (busy_) lock.Wait(cv_);
  return status_;
}

void JobThread::Run() {
  for (;;) {
    std::function<Status()> job;
    {
      MutexLock lock(mu_);
      while (!stop_ && job_ == nullptr) lock.Wait(cv_);
      if (job_ == nullptr) return;  // stopped, nothing left to run
      job = std::move(job_);
      job_ = nullptr;
    }
    Status s = job();
    {
      MutexLock lock(mu_);
      if (status_.ok() && !s.ok()) status_ = std::move(s);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace batchcall
