#include "app/provider_registry.h"

#include "telephony/metered_provider.h"
#include "telephony/provider_secrets.h"

namespace batchcall {

AppProviderRegistry::AppProviderRegistry(const Clock& clock, TimerQueue& timers, CallEventSink& sink,
                                         ProviderRegistryOptions options)
    : clock_(clock), timers_(timers), sink_(sink), options_(std::move(options)) {}

AppProviderRegistry::~AppProviderRegistry() = default;

void AppProviderRegistry::Waits::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu);
  cv.wait_for(lock, d, [this] { return stopping; });
}

void AppProviderRegistry::InterruptWaits() {
  {
    std::lock_guard lock(waits_->mu);
    waits_->stopping = true;
  }
  waits_->cv.notify_all();
}

Result<Provider*> AppProviderRegistry::ForAgent(const Agent& agent) {
  std::string settings = agent.provider.dump();
  std::lock_guard lock(mu_);
  auto key = std::make_pair(agent.id, settings);
  auto it = providers_.find(key);
  if (it != providers_.end()) return it->second.get();
  const ProviderKind* kind = options_.kinds->Find(agent.provider_type);
  if (!kind) return InvalidArgument("provider type \"" + agent.provider_type + "\" is not known");
  ProviderEnvironment env;
  env.clock = &clock_;
  env.timers = &timers_;
  env.sink = &sink_;
  env.transport = options_.transport;
  env.sleep = [w = waits_](std::chrono::milliseconds d) { w->SleepFor(d); };
  env.stopping = [w = waits_] {
    std::lock_guard lock(w->mu);
    return w->stopping;
  };
  env.record_path = options_.simulator_record_path;
  env.agent_id = agent.id;
  // Only the first provider built for an agent resumes its unfinished calls;
  // a rebuilt one (settings edited) would deliver them a second time.
  env.resume_unfinished = options_.simulator_resume_unfinished;
  for (const auto& [k, _] : providers_)
    if (k.first == agent.id) env.resume_unfinished = false;
  BC_ASSIGN_OR_RETURN(std::unique_ptr<Provider> built, kind->build(agent.provider, env));
  return Keep(key, std::move(built), agent);
}

Provider* AppProviderRegistry::Keep(const Key& key, std::unique_ptr<Provider> built, const Agent& agent) {
  // Every provider, whatever its type: secrets redacted from its error texts, requests timed.
  built = std::make_unique<RedactingProvider>(std::move(built), SecretRedactor(agent.provider));
  if (options_.metrics != nullptr)
    built = std::make_unique<MeteredProvider>(std::move(built), agent.provider_type, *options_.metrics);
  Provider* p = built.get();
  providers_.emplace(key, std::move(built));
  return p;
}

}  // namespace batchcall
