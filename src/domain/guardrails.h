// Names and JSON shapes of the calling-rule settings (CallingGuardrails,
// ContactLimit in domain/model.h): weekday names, the ambiguous-zone policy,
// contact limits. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

// "mon" ... "sun" for 0 (Monday) ... 6 (Sunday); "" outside that range.
std::string_view WeekdayName(int iso_index);
// 0..6 for "mon".."sun" (lowercase only); nullopt otherwise.
std::optional<int> ParseWeekdayName(std::string_view name);

// A call_days mask as its JSON list, Monday first: ["mon", "tue", ...].
nlohmann::json CallDaysJson(uint8_t mask);
// A JSON list of weekday names -> mask. InvalidArgument naming `field` for a
// non-list, an unknown or repeated name, or an empty list.
Result<uint8_t> ParseCallDays(const nlohmann::json& v, const std::string& field);

// The do-not-call reason written when a callee opts out on a call
// ("opt_out: execution <id>"), and whether a listed reason is one.
std::string OptOutReason(std::string_view execution_id);
bool IsOptOutReason(std::string_view dnc_reason);

inline constexpr int kMaxContactLimits = 4;
inline constexpr int kMaxContactLimitCalls = 100;
inline constexpr int kMaxContactLimitHours = 8760;

// [{"max_calls": 3, "per_hours": 24}, ...] -> limits. InvalidArgument naming
// the field (e.g. "contact_limits[1].per_hours") for anything else: more than
// kMaxContactLimits entries, values out of range, unknown keys. null or []
// give no limits.
Result<std::vector<ContactLimit>> ParseContactLimits(const nlohmann::json& v, const std::string& field);
nlohmann::json ContactLimitsJson(const std::vector<ContactLimit>& limits);

}  // namespace batchcall
