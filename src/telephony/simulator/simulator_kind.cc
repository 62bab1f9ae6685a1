#include "telephony/simulator/simulator_kind.h"

#include <cmath>

#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace {

using nlohmann::json;

// The settings of a new simulator provider (SimulatorConfig's defaults).
json SimulatorDefaults() {
  return {{"type", "simulator"}, {"speed", 1.0}, {"seed", 0}, {"answer_rate", 0.6}, {"busy_rate", 0.1},
          {"no_answer_rate", 0.15}, {"voicemail_rate", 0.1}, {"failure_rate", 0.05},
          {"ring_seconds", {3, 15}}, {"talk_seconds", {20, 90}}};
}

Status SimulatorNumber(const json& v, const std::string& field, double lo, double hi) {
  if (!v.is_number()) return InvalidSetting(field, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return InvalidSetting(field, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  return Status::Ok();
}

Status SimulatorRange(const json& v, const std::string& field) {
  if (!v.is_array() || v.size() != 2) return InvalidSetting(field, "must be [min, max] in seconds");
  BC_RETURN_IF_ERROR(SimulatorNumber(v[0], field, 0, 3600));
  BC_RETURN_IF_ERROR(SimulatorNumber(v[1], field, 0, 3600));
  if (v[0].get<double>() > v[1].get<double>()) return InvalidSetting(field, "must have min <= max");
  return Status::Ok();
}

Status CheckSimulatorSetting(const std::string& key, const json& v) {
  std::string field = "provider." + key;
  if (key == "speed") return SimulatorNumber(v, field, 0.001, 1e6);
  if (key == "seed") return v.is_number_integer() ? Status::Ok() : InvalidSetting(field, "must be a whole number");
  if (key == "answer_rate" || key == "busy_rate" || key == "no_answer_rate" || key == "voicemail_rate" ||
      key == "failure_rate")
    return SimulatorNumber(v, field, 0, 1);
  if (key == "ring_seconds" || key == "talk_seconds") return SimulatorRange(v, field);
  return InvalidSetting(field, "is not a simulator setting (speed, seed, answer_rate, busy_rate, "
                               "no_answer_rate, voicemail_rate, failure_rate, ring_seconds, talk_seconds)");
}

Result<json> ApplySimulatorSettings(const json& in, const json& stored) {
  json p = stored.is_object() && stored.contains("speed") ? stored : SimulatorDefaults();
  for (const auto& [key, v] : in.items()) {
    if (key == "type") continue;
    BC_RETURN_IF_ERROR(CheckSimulatorSetting(key, v));
    p[key] = v;
  }
  double sum = 0;
  for (const char* k : {"answer_rate", "busy_rate", "no_answer_rate", "voicemail_rate", "failure_rate"})
    sum += p[k].get<double>();
  if (std::fabs(sum - 1.0) > 0.001)
    return InvalidArgument("provider rates (answer, busy, no_answer, voicemail, failure) must sum to 1; they sum to " +
                           json(sum).dump() + ".");
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
