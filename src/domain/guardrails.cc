#include "domain/guardrails.h"

#include <array>

namespace batchcall {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Status Bad(const std::string& field, const std::string& what) { return InvalidArgument(field + " " + what + "."); }

}  // namespace

std::string OptOutReason(std::string_view execution_id) {
  return "opt_out: execution " + std::string(execution_id);
}

bool IsOptOutReason(std::string_view dnc_reason) { return dnc_reason.rfind("opt_out", 0) == 0; }

std::string_view ToString(AmbiguousZonePolicy p) {
  return p == AmbiguousZonePolicy::kStrictest ? "strictest" : "default";
}

std::optional<AmbiguousZonePolicy> ParseAmbiguousZonePolicy(std::string_view s) {
  if (s == "default") return AmbiguousZonePolicy::kDefault;
  if (s == "strictest") return AmbiguousZonePolicy::kStrictest;
  return std::nullopt;
}

std::string_view WeekdayName(int iso_index) {
  return iso_index >= 0 && iso_index < 7 ? kWeekdays[static_cast<size_t>(iso_index)] : std::string_view();
}

std::optional<int> ParseWeekdayName(std::string_view name) {
  for (size_t i = 0; i < kWeekdays.size(); ++i)
    if (kWeekdays[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

nlohmann::json CallDaysJson(uint8_t mask) {
  nlohmann::json out = nlohmann::json::array();
  for (int i = 0; i < 7; ++i)
    if (mask & (1u << i)) out.push_back(WeekdayName(i));
  return out;
}

Result<uint8_t> ParseCallDays(const nlohmann::json& v, const std::string& field) {
  const std::string what = "must be a list of weekdays such as [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]";
  if (!v.is_array() || v.empty()) return Bad(field, what);
  uint8_t mask = 0;
  for (const auto& d : v) {
    std::optional<int> day = d.is_string() ? ParseWeekdayName(d.get<std::string>()) : std::nullopt;
    if (!day) return Bad(field, what + " (mon, tue, wed, thu, fri, sat, sun)");
    if (mask & (1u << *day)) return Bad(field, "names " + std::string(WeekdayName(*day)) + " twice");
    mask = static_cast<uint8_t>(mask | (1u << *day));
  }
  return mask;
}

Result<std::vector<ContactLimit>> ParseContactLimits(const nlohmann::json& v, const std::string& field) {
  std::vector<ContactLimit> out;
  if (v.is_null()) return out;
  if (!v.is_array())
    return Bad(field, "must be a list such as [{\"max_calls\": 3, \"per_hours\": 24}] or null");
  if (v.size() > static_cast<size_t>(kMaxContactLimits))
    return Bad(field, "may hold at most " + std::to_string(kMaxContactLimits) + " limits");
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = field + "[" + std::to_string(i) + "]";
    const auto& item = v[i];
    if (!item.is_object()) return Bad(at, "must be an object {\"max_calls\": N, \"per_hours\": H}");
    ContactLimit limit;
    bool calls = false, hours = false;
    for (const auto& [key, value] : item.items()) {
      if (key == "max_calls") {
        if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > kMaxContactLimitCalls)
          return Bad(at + ".max_calls", "must be a whole number from 1 to " + std::to_string(kMaxContactLimitCalls));
        limit.max_calls = value.get<int>();
        calls = true;
      } else if (key == "per_hours") {
        if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > kMaxContactLimitHours)
          return Bad(at + ".per_hours", "must be a whole number from 1 to " + std::to_string(kMaxContactLimitHours));
        limit.per_hours = value.get<int>();
        hours = true;
      } else {
        return Bad(at + "." + key, "is not a limit setting (max_calls, per_hours)");
      }
    }
    if (!calls) return Bad(at + ".max_calls", "is required");
    if (!hours) return Bad(at + ".per_hours", "is required");
    out.push_back(limit);
  }
  return out;
}

nlohmann::json ContactLimitsJson(const std::vector<ContactLimit>& limits) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : limits) out.push_back({{"max_calls", l.max_calls}, {"per_hours", l.per_hours}});
  return out;
}

}  // namespace batchcall
