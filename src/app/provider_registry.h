// AppProviderRegistry: builds and caches one Provider per agent settings,
// with the builder of the agent's provider kind (telephony/provider_kind.h).
//
// Providers are kept alive until the registry is destroyed (an agent edited
// mid-batch still has calls in flight on its previous provider instance).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/timer_queue.h"
#include "engine/dispatcher.h"
#include "metrics/app_metrics.h"
#include "net/http_transport.h"
#include "telephony/provider_kinds.h"

namespace batchcall {

struct ProviderRegistryOptions {
  // Append-only record of simulated calls (see src/telephony/README.md); empty = memory only.
  std::string simulator_record_path;
  // Whether a new simulator keeps delivering the unfinished calls of its record.
  bool simulator_resume_unfinished = true;
  // Outbound HTTP for the twilio and http providers (not owned; required for them).
  HttpTransport* transport = nullptr;
  // The kinds whose builders make the providers (not owned).
  const ProviderKinds* kinds = &BuiltInProviderKinds();
  // Where every provider request is timed (MeteredProvider; not owned).
  // nullptr: providers are not metered.
  const metrics::AppMetrics* metrics = nullptr;
};

class AppProviderRegistry final : public ProviderRegistry {
 public:
  AppProviderRegistry(const Clock& clock, TimerQueue& timers, CallEventSink& sink,
                      ProviderRegistryOptions options);
  ~AppProviderRegistry() override;
  Result<Provider*> ForAgent(const Agent& agent) override;

  // Shutdown: wakes providers waiting between retries and makes them give
  // up instead of trying again. Idempotent.
  void InterruptWaits();

 private:
  // Waits between provider retries that InterruptWaits cuts short.
  struct Waits {
    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    void SleepFor(std::chrono::milliseconds d);
  };

  using Key = std::pair<std::string, std::string>;  // (agent id, settings JSON)
  // Wraps `built` (RedactingProvider, MeteredProvider), stores it under
  // `key` and returns it. Caller holds mu_.
  Provider* Keep(const Key& key, std::unique_ptr<Provider> built, const Agent& agent);

  const Clock& clock_;
  TimerQueue& timers_;
  CallEventSink& sink_;
  ProviderRegistryOptions options_;
  std::shared_ptr<Waits> waits_ = std::make_shared<Waits>();
  std::mutex mu_;
  std::map<Key, std::unique_ptr<Provider>> providers_;
};

}  // namespace batchcall
