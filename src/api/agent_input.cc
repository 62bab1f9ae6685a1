#include "api/agent_input.h"

#include <date/tz.h>

#include <algorithm>
#include <cmath>

#include "domain/guardrails.h"
#include "domain/retry_config.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

using nlohmann::json;

constexpr double kMinCallsPerSecond = 0.01;
constexpr double kMaxCallsPerSecond = 1000;

Status Bad(const std::string& field, const std::string& what) {
  return InvalidArgument(field + " " + what + ".");
}

Result<double> Number(const json& v, const std::string& field, double lo, double hi) {
  if (!v.is_number()) return Bad(field, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return Bad(field, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  return d;
}

Result<int> Integer(const json& v, const std::string& field, int lo, int hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    return Bad(field, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v.get<int>();
}

Status ApplyProvider(const json& in, Agent* agent, const ProviderKinds& kinds) {
  if (!in.is_object()) return Bad("provider", "must be an object with a \"type\"");
  std::string type = in.contains("type") && in["type"].is_string() ? in["type"].get<std::string>()
                                                                   : agent->provider_type;
  if (type != agent->provider_type) agent->provider = json::object();
  const ProviderKind* kind = kinds.Find(type);
  if (!kind) return Bad("provider.type", "must be " + kinds.TypeList());
  const bool stored = agent->provider.is_object() && agent->provider.value("type", "") == type;
  BC_ASSIGN_OR_RETURN(agent->provider, kind->apply_settings(in, stored ? agent->provider : json()));
  agent->provider_type = type;
  return Status::Ok();
}

Status ApplyGuardrails(const json& v, Agent* agent, const RulePackSet& packs) {
  if (v.is_null()) {
    agent->calling_guardrails.reset();
    return Status::Ok();
  }
  if (!v.is_object()) return Bad("calling_guardrails", "must be an object or null");
  CallingGuardrails g = agent->calling_guardrails.value_or(CallingGuardrails{});
  for (const auto& [key, value] : v.items()) {
    std::string field = "calling_guardrails." + key;
    if (key == "call_start_hour") {
      auto h = Integer(value, field, 0, 23);
      if (!h.ok()) return h.status();
      g.call_start_hour = *h;
    } else if (key == "call_end_hour") {
      auto h = Integer(value, field, 1, 24);
      if (!h.ok()) return h.status();
      g.call_end_hour = *h;
    } else if (key == "default_timezone") {
      if (!value.is_string() || !IsKnownTimeZone(value.get<std::string>()))
        return Bad(field, "must be an IANA time zone name such as \"Asia/Kolkata\"");
      g.default_timezone = value.get<std::string>();
    } else if (key == "call_days") {
      BC_ASSIGN_OR_RETURN(g.call_days, ParseCallDays(value, field));
    } else if (key == "ambiguous_timezone") {
      auto p = value.is_string() ? ParseAmbiguousZonePolicy(value.get<std::string>()) : std::nullopt;
      if (!p) return Bad(field, "must be \"default\" or \"strictest\"");
      g.ambiguous_timezone = *p;
    } else if (key == "rule_packs") {
      if (!value.is_array() || value.size() > 8) return Bad(field, "must be a list of at most 8 rule pack names such as [\"us\"]");
      std::vector<std::string> names;
      for (const auto& n : value) {
        if (!n.is_string() || !packs.Find(n.get<std::string>()))
          return Bad(field, "must name known rule packs (" + packs.NameList() + "); got " + n.dump().substr(0, 40));
        if (std::find(names.begin(), names.end(), n.get<std::string>()) == names.end()) names.push_back(n.get<std::string>());
      }
      g.rule_packs = std::move(names);
    } else {
      return Bad(field,
                 "is not a guardrail setting (call_start_hour, call_end_hour, default_timezone, call_days, "
                 "ambiguous_timezone, rule_packs)");
    }
  }
  if (g.call_end_hour <= g.call_start_hour)
    return Bad("calling_guardrails.call_end_hour", "must be later than call_start_hour");
  agent->calling_guardrails = g;
  return Status::Ok();
}

}  // namespace

bool IsKnownTimeZone(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    (void)date::locate_zone(name);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Status ValidateFromNumbers(const std::vector<std::string>& numbers, std::string_view field) {
  if (numbers.size() > 100) return Bad(std::string(field), "may hold at most 100 numbers");
  PhoneValidator validator({PhoneValidationMode::kE164, ""});
  for (const auto& n : numbers) {
    auto check = validator.Check(n);
    if (!check.ok || check.e164 != n)
      return InvalidArgument(std::string(field) + " must hold E.164 numbers such as +14155552671; got \"" +
                             n.substr(0, 32) + "\".");
  }
  return Status::Ok();
}

Status ApplyAgentJson(const json& body, bool partial, Agent* agent, const OutboundPolicy& outbound,
                      const ProviderKinds& kinds, const RulePackSet& packs) {
  if (!body.is_object()) return InvalidArgument("The body must be a JSON object.");
  if (!partial) {
    if (!body.contains("agent_name")) return Bad("agent_name", "is required");
    if (!body.contains("provider")) return Bad("provider", "is required (for example {\"type\": \"simulator\"})");
  }
  for (const auto& [key, v] : body.items()) {
    if (key == "agent_name") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 200)
        return Bad(key, "must be a string of 1 to 200 characters");
      agent->name = v.get<std::string>();
    } else if (key == "provider") {
      BC_RETURN_IF_ERROR(ApplyProvider(v, agent, kinds));
    } else if (key == "from_phone_numbers") {
      if (!v.is_array()) return Bad(key, "must be an array of E.164 numbers");
      std::vector<std::string> numbers;
      for (const auto& n : v) {
        if (!n.is_string()) return Bad(key, "must be an array of E.164 numbers");
        numbers.push_back(n.get<std::string>());
      }
      BC_RETURN_IF_ERROR(ValidateFromNumbers(numbers, key));
      agent->from_phone_numbers = numbers;
    } else if (key == "webhook_url") {
      if (v.is_null()) {
        agent->webhook_url.reset();
      } else {
        if (!v.is_string()) return Bad(key, "must be a URL or null");
        BC_RETURN_IF_ERROR(ValidateOutboundUrl(v.get<std::string>(), key, outbound));
        agent->webhook_url = v.get<std::string>();
      }
    } else if (key == "welcome_message") {
      if (!v.is_string() || v.get<std::string>().size() > 4096) return Bad(key, "must be a string of at most 4096 bytes");
      agent->welcome_message = v.get<std::string>();
    } else if (key == "calling_guardrails") {
      BC_RETURN_IF_ERROR(ApplyGuardrails(v, agent, packs));
    } else if (key == "contact_limits") {
      BC_ASSIGN_OR_RETURN(agent->contact_limits, ParseContactLimits(v, key));
    } else if (key == "max_concurrency") {
      auto n = Integer(v, key, 1, 1000);
      if (!n.ok()) return n.status();
      agent->max_concurrency = *n;
    } else if (key == "calls_per_second") {
      // 0 is unpaced; a positive rate below 0.01 (one call per 100 s) would
      // only make the engine wake for nothing (1e-320 woke it every ms).
      auto d = Number(v, key, 0, kMaxCallsPerSecond);
      if (!d.ok() || (*d != 0 && *d < kMinCallsPerSecond)) {
        return Bad(key, "must be 0 (unpaced) or from 0.01 to 1000 calls per second");
      }
      agent->calls_per_second = *d;
    } else if (key == "retry_config") {
      if (v.is_null()) {
        agent->retry_config.reset();
      } else {
        auto r = ParseRetryConfig(v);
        if (!r.ok()) return r.status();
        agent->retry_config = *r;
      }
    } else if (key == "agent_id" || key == "created_at" || key == "updated_at") {
      continue;  // read-only fields echoed back by clients are ignored
    } else {
      return Bad("\"" + key + "\"", "is not an agent field");
    }
  }
  // Provider addresses the server connects to, as given in this body (a
  // stored one is checked again at every connection).
  const ProviderKind* kind = kinds.Find(agent->provider_type);
  if (auto given = body.find("provider"); kind && given != body.end() && given->is_object()) {
    for (const std::string& key : kind->outbound_url_settings) {
      if (given->contains(key) && agent->provider.contains(key) && agent->provider[key].is_string()) {
        BC_RETURN_IF_ERROR(outbound.CheckUrl(agent->provider[key].get<std::string>(), "provider." + key));
      }
    }
  }
  return Status::Ok();
}

}  // namespace batchcall
