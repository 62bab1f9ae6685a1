#include "app/provider_registry.h"

#include "telephony/http/http_agent_provider.h"
#include "telephony/metered_provider.h"
#include "telephony/provider_secrets.h"
#include "telephony/simulator/simulator.h"
#include "telephony/twilio/twilio_provider.h"

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
  if (agent.provider_type == "twilio" || agent.provider_type == "http") {
    if (!options_.transport) return InvalidArgument("outbound HTTP is not configured");
    std::unique_ptr<Provider> built;
    if (agent.provider_type == "twilio") {
      auto config = TwilioConfig::FromJson(agent.provider);
      if (!config.ok()) return config.status();
      TwilioOptions twilio;
      twilio.sleep = [w = waits_](std::chrono::milliseconds d) { w->SleepFor(d); };
      twilio.stopping = [w = waits_] {
        std::lock_guard lock(w->mu);
        return w->stopping;
      };
      built = std::make_unique<TwilioProvider>(*config, *options_.transport, clock_, std::move(twilio));
    } else {
      auto config = HttpAgentConfig::FromJson(agent.provider);
      if (!config.ok()) return config.status();
      built = std::make_unique<HttpAgentProvider>(*config, *options_.transport, HttpAgentOptions{});
    }
    return Keep(key, std::move(built), agent);
  }
  if (agent.provider_type != "simulator") {
    return InvalidArgument("provider type \"" + agent.provider_type + "\" is not known");
  }
  auto config = SimulatorConfig::FromJson(agent.provider);
  if (!config.ok()) return config.status();
  SimulatorOptions options;
  options.record_path = options_.simulator_record_path;
  options.provider_name = agent.id;
  // Only the first provider built for an agent resumes its unfinished calls;
  // a rebuilt one (settings edited) would deliver them a second time.
  options.resume_unfinished = options_.simulator_resume_unfinished;
  for (const auto& [k, _] : providers_)
    if (k.first == agent.id) options.resume_unfinished = false;
  auto sim = SimulatorProvider::Create(*config, clock_, timers_, sink_, options);
  if (!sim.ok()) return sim.status();
  return Keep(key, std::move(sim).value(), agent);
}

Provider* AppProviderRegistry::Keep(const Key& key, std::unique_ptr<Provider> built, const Agent& agent) {
  // Every provider, whatever its type: secrets redacted from its error texts, requests timed.
  built = std::make_unique<RedactingProvider>(std::move(built), SecretRedactor(agent.provider));
  built = std::make_unique<MeteredProvider>(std::move(built), agent.provider_type);
  Provider* p = built.get();
  providers_.emplace(key, std::move(built));
  return p;
}

}  // namespace batchcall
