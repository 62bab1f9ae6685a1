#include "telephony/simulator/simulator_kind.h"

#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace {

using nlohmann::json;

Result<json> ApplySimulatorSettings(const json& in, const json& stored) {
  json p = stored.is_object() && stored.contains("speed") ? stored : DefaultSimulatorSettings();
  for (const auto& [key, v] : in.items()) {
    if (key == "type") continue;
    BC_RETURN_IF_ERROR(CheckSimulatorSetting(key, v));
    p[key] = v;
  }
  double sum = 0;
  for (const char* k : {"answer_rate", "busy_rate", "no_answer_rate", "voicemail_rate", "failure_rate"})
    sum += p[k].get<double>();
  BC_RETURN_IF_ERROR(CheckSimulatorRates(sum));
  return p;
}

Result<std::unique_ptr<Provider>> BuildSimulator(const json& settings, const ProviderEnvironment& env) {
  BC_ASSIGN_OR_RETURN(SimulatorConfig config, SimulatorConfig::FromJson(settings));
  SimulatorOptions options;
  options.record_path = env.record_path;
  options.provider_name = env.agent_id;
  options.resume_unfinished = env.resume_unfinished;
  BC_ASSIGN_OR_RETURN(std::unique_ptr<SimulatorProvider> sim,
                      SimulatorProvider::Create(config, *env.clock, *env.timers, *env.sink, options));
  return std::unique_ptr<Provider>(std::move(sim));
}

}  // namespace

ProviderKind SimulatorKind() {
  ProviderKind kind;
  kind.type = "simulator";
  kind.display_name = "the simulator";
  kind.apply_settings = ApplySimulatorSettings;
  kind.build = BuildSimulator;
  return kind;
}

}  // namespace batchcall
