#include "app/provider_registry.h"

#include "telephony/simulator/simulator.h"

namespace batchcall {

AppProviderRegistry::AppProviderRegistry(const Clock& clock, TimerQueue& timers, CallEventSink& sink,
                                         ProviderRegistryOptions options)
    : clock_(clock), timers_(timers), sink_(sink), options_(std::move(options)) {}

AppProviderRegistry::~AppProviderRegistry() = default;

Result<Provider*> AppProviderRegistry::ForAgent(const Agent& agent) {
  std::string settings = agent.provider.dump();
  std::lock_guard lock(mu_);
  auto key = std::make_pair(agent.id, settings);
  auto it = providers_.find(key);
  if (it != providers_.end()) return it->second.get();
  if (agent.provider_type != "simulator") {
    return InvalidArgument("provider type \"" + agent.provider_type + "\" cannot place calls in this version");
  }
  auto config = SimulatorConfig::FromJson(agent.provider);
  if (!config.ok()) return config.status();
  SimulatorOptions options;
  options.record_path = options_.simulator_record_path;
  options.provider_name = agent.id;
  // Only the first provider built for an agent resumes its unfinished calls;
  // a rebuilt one (settings edited) would deliver them a second time.
  for (const auto& [k, _] : providers_)
    if (k.first == agent.id) options.resume_unfinished = false;
  auto sim = SimulatorProvider::Create(*config, clock_, timers_, sink_, options);
  if (!sim.ok()) return sim.status();
  Provider* p = sim->get();
  providers_.emplace(key, std::move(sim).value());
  return p;
}

}  // namespace batchcall
