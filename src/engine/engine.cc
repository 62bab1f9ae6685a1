#include "engine/engine.h"

#include <optional>

#include "base/log.h"

namespace batchcall {

Engine::Engine(Dispatcher& dispatcher, const Clock& clock, EngineOptions options)
    : dispatcher_(dispatcher), clock_(clock), options_(options) {}

Engine::~Engine() { Stop(); }

Status Engine::Start() {
  dispatcher_.SetWakeCallback([this] { Notify(); });
  BC_RETURN_IF_ERROR(dispatcher_.Recover(clock_.Now()));
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Engine::Notify() {
  {
    MutexLock lock(mu_);
    notified_ = true;
  }
  cv_.notify_one();
}

void Engine::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  dispatcher_.SetWakeCallback(nullptr);
}

void Engine::Run() {
  while (true) {
    {
      MutexLock lock(mu_);
      if (stop_) break;
      notified_ = false;
    }
    TimePoint now = clock_.Now();
    auto next = dispatcher_.Step(now);
    MutexLock lock(mu_);
    if (stop_) break;
    if (notified_) continue;
    std::optional<TimePoint> until;
    if (!next.ok()) {
      LogError("engine step failed", {{"error", next.status().ToString()}});
      until = now + options_.error_backoff;
    } else if (!next->has_value()) {
      until = now + options_.idle_wake;
    } else if (**next > now) {
      until = std::min(**next, now + options_.idle_wake);
    }
    if (until) {
      // Sleep on the steady clock for the distance to *until on the engine's clock.
      const auto deadline = std::chrono::steady_clock::now() + (*until - clock_.Now());
      while (!notified_ && !stop_ && lock.WaitUntil(cv_, deadline)) {
      }
    }
  }
  dispatcher_.SetDialing(false);
}

}  // namespace batchcall
