// SimulatorConfig::FromJson and RenderWelcomeMessage (declared in simulator.h).
#include <cmath>

#include "telephony/simulator/simulator.h"

namespace batchcall {
namespace {

using nlohmann::json;

Status Bad(std::string_view field, std::string_view what) {
  std::string m = "provider.";
  m.append(field).append(" ").append(what);
  return InvalidArgument(std::move(m));
}

Status ReadNumber(const json& p, const char* field, double lo, double hi, bool lo_open, double* out) {
  auto it = p.find(field);
  if (it == p.end()) return Status::Ok();
  if (!it->is_number()) return Bad(field, "must be a number");
  double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || (lo_open && v == lo) || v > hi) {
    std::string range = "must be in ";
    range.append(lo_open ? "(" : "[").append(json(lo).dump()).append(", ").append(json(hi).dump()).append("]");
    return Bad(field, range);
  }
  *out = v;
  return Status::Ok();
}

Status ReadRange(const json& p, const char* field, double* lo, double* hi) {
  auto it = p.find(field);
  if (it == p.end()) return Status::Ok();
  if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number() || !(*it)[1].is_number())
    return Bad(field, "must be [min, max] in seconds");
  double a = (*it)[0].get<double>();
  double b = (*it)[1].get<double>();
  if (!std::isfinite(a) || !std::isfinite(b) || a < 0 || b > 86400 || a > b)
    return Bad(field, "must be [min, max] with 0 <= min <= max <= 86400");
  *lo = a;
  *hi = b;
  return Status::Ok();
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

Result<SimulatorConfig> SimulatorConfig::FromJson(const json& p) {
  if (!p.is_object()) return InvalidArgument("provider settings must be a JSON object");
  auto type = p.find("type");
  if (type != p.end() && (!type->is_string() || type->get<std::string>() != "simulator"))
    return Bad("type", "must be \"simulator\"");
  SimulatorConfig c;
  BC_RETURN_IF_ERROR(ReadNumber(p, "speed", 0, 1e9, true, &c.speed));
  if (auto it = p.find("seed"); it != p.end()) {
    if (it->is_number_unsigned()) {
      c.seed = it->get<uint64_t>();
    } else if (it->is_number_integer()) {
      c.seed = static_cast<uint64_t>(it->get<int64_t>());
    } else {
      return Bad("seed", "must be a whole number");
    }
  }
  BC_RETURN_IF_ERROR(ReadNumber(p, "answer_rate", 0, 1, false, &c.answer_rate));
  BC_RETURN_IF_ERROR(ReadNumber(p, "busy_rate", 0, 1, false, &c.busy_rate));
  BC_RETURN_IF_ERROR(ReadNumber(p, "no_answer_rate", 0, 1, false, &c.no_answer_rate));
  BC_RETURN_IF_ERROR(ReadNumber(p, "voicemail_rate", 0, 1, false, &c.voicemail_rate));
  BC_RETURN_IF_ERROR(ReadNumber(p, "failure_rate", 0, 1, false, &c.failure_rate));
  double sum = c.answer_rate + c.busy_rate + c.no_answer_rate + c.voicemail_rate + c.failure_rate;
  if (std::fabs(sum - 1) > 0.01)
    return InvalidArgument(std::string("provider rates (answer, busy, no_answer, voicemail, failure) must sum to 1; ")
                               .append("they sum to ")
                               .append(json(sum).dump()));
  c.answer_rate /= sum;
  c.busy_rate /= sum;
  c.no_answer_rate /= sum;
  c.voicemail_rate /= sum;
  c.failure_rate /= sum;
  BC_RETURN_IF_ERROR(ReadRange(p, "ring_seconds", &c.ring_min_seconds, &c.ring_max_seconds));
  BC_RETURN_IF_ERROR(ReadRange(p, "talk_seconds", &c.talk_min_seconds, &c.talk_max_seconds));
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
