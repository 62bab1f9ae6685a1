// SimulatorConfig::FromJson and RenderWelcomeMessage (declared in simulator.h).
#include <cmath>

#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace {

using nlohmann::json;

Status Bad(std::string_view field, std::string_view what) {
  std::string m = "provider.";
  m.append(field).append(" ").append(what).append(".");
  return InvalidArgument(std::move(m));
}

Status CheckNumber(const json& v, std::string_view field, double lo, double hi) {
  if (!v.is_number()) return Bad(field, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return Bad(field, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  return Status::Ok();
}

Status CheckRange(const json& v, std::string_view field) {
  if (!v.is_array() || v.size() != 2) return Bad(field, "must be [min, max] in seconds");
  BC_RETURN_IF_ERROR(CheckNumber(v[0], field, 0, 3600));
  BC_RETURN_IF_ERROR(CheckNumber(v[1], field, 0, 3600));
  if (v[0].get<double>() > v[1].get<double>()) return Bad(field, "must have min <= max");
  return Status::Ok();
}

bool IsRate(std::string_view key) {
  return key == "answer_rate" || key == "busy_rate" || key == "no_answer_rate" || key == "voicemail_rate" ||
         key == "failure_rate";
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ' ';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

json DefaultSimulatorSettings() {
  const SimulatorConfig c;
  // Whole seconds, as users write them.
  auto seconds = [](double lo, double hi) {
    return json::array({static_cast<int64_t>(lo), static_cast<int64_t>(hi)});
  };
  return {{"type", "simulator"},
          {"speed", c.speed},
          {"seed", c.seed},
          {"answer_rate", c.answer_rate},
          {"busy_rate", c.busy_rate},
          {"no_answer_rate", c.no_answer_rate},
          {"voicemail_rate", c.voicemail_rate},
          {"failure_rate", c.failure_rate},
          {"ring_seconds", seconds(c.ring_min_seconds, c.ring_max_seconds)},
          {"talk_seconds", seconds(c.talk_min_seconds, c.talk_max_seconds)}};
}

Status CheckSimulatorSetting(std::string_view key, const json& v) {
  if (key == "speed") return CheckNumber(v, key, 0.001, 1e6);
  if (key == "seed") return v.is_number_integer() ? Status::Ok() : Bad(key, "must be a whole number");
  if (IsRate(key)) return CheckNumber(v, key, 0, 1);
  if (key == "ring_seconds" || key == "talk_seconds") return CheckRange(v, key);
  return Bad(key, "is not a simulator setting (speed, seed, answer_rate, busy_rate, "
                  "no_answer_rate, voicemail_rate, failure_rate, ring_seconds, talk_seconds)");
}

Status CheckSimulatorRates(double sum) {
  if (std::fabs(sum - 1.0) > 0.001)
    return InvalidArgument("provider rates (answer, busy, no_answer, voicemail, failure) must sum to 1; they sum to " +
                           json(sum).dump() + ".");
  return Status::Ok();
}

Result<SimulatorConfig> SimulatorConfig::FromJson(const json& p) {
  if (!p.is_object()) return InvalidArgument("provider settings must be a JSON object");
  SimulatorConfig c;
  for (const auto& [key, v] : p.items()) {
    if (key == "type") {
      if (!v.is_string() || v.get<std::string>() != "simulator") return Bad("type", "must be \"simulator\"");
      continue;
    }
    BC_RETURN_IF_ERROR(CheckSimulatorSetting(key, v));
    if (key == "speed") {
      c.speed = v.get<double>();
    } else if (key == "seed") {
      c.seed = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
    } else if (key == "answer_rate") {
      c.answer_rate = v.get<double>();
    } else if (key == "busy_rate") {
      c.busy_rate = v.get<double>();
    } else if (key == "no_answer_rate") {
      c.no_answer_rate = v.get<double>();
    } else if (key == "voicemail_rate") {
      c.voicemail_rate = v.get<double>();
    } else if (key == "failure_rate") {
      c.failure_rate = v.get<double>();
    } else if (key == "ring_seconds") {
      c.ring_min_seconds = v[0].get<double>();
      c.ring_max_seconds = v[1].get<double>();
    } else if (key == "talk_seconds") {
      c.talk_min_seconds = v[0].get<double>();
      c.talk_max_seconds = v[1].get<double>();
    }
  }
  const double sum = c.answer_rate + c.busy_rate + c.no_answer_rate + c.voicemail_rate + c.failure_rate;
  BC_RETURN_IF_ERROR(CheckSimulatorRates(sum));
  c.answer_rate /= sum;
  c.busy_rate /= sum;
  c.no_answer_rate /= sum;
  c.voicemail_rate /= sum;
  c.failure_rate /= sum;
  return c;
}

std::string RenderWelcomeMessage(std::string_view t,
                                 const std::vector<std::pair<std::string, std::string>>& variables) {
  std::string out;
  out.reserve(t.size() + 32);
  size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      out.push_back('{');
      i += 2;
    } else if (c == '}' && i + 1 < t.size() && t[i + 1] == '}') {
      out.push_back('}');
      i += 2;
    } else if (c == '{') {
      size_t j = i + 1;
      while (j < t.size() && IsNameChar(t[j])) ++j;
      std::string_view name = j < t.size() && t[j] == '}' ? Trim(t.substr(i + 1, j - i - 1)) : std::string_view();
      if (name.empty()) {
        out.push_back('{');  // not a placeholder: copied as it is
        ++i;
        continue;
      }
      for (const auto& [k, v] : variables) {
        if (k == name) {
          out.append(v);
          break;
        }
      }
      i = j + 1;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace batchcall
