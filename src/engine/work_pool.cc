#include "engine/work_pool.h"

namespace batchcall {

WorkPool::WorkPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stop_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

size_t WorkPool::Pending() const {
  MutexLock lock(mu_);
  return queue_.size() + running_;
}

bool WorkPool::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!(queue_.empty() && running_ == 0)) {
    if (!lock.WaitUntil(idle_cv_, deadline)) return queue_.empty() && running_ == 0;
  }
  return true;
}

size_t WorkPool::Stop() {
  size_t dropped = 0;
  {
    MutexLock lock(mu_);
    if (stop_ && threads_.empty()) return 0;
    stop_ = true;
    dropped = queue_.size();
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  return dropped;
}

void WorkPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stop_ && queue_.empty()) lock.Wait(cv_);
      if (stop_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    MutexLock lock(mu_);
    --running_;
    idle_cv_.notify_all();
  }
}

}  // namespace batchcall
