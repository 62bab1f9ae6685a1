#include "domain/retry_config.h"

#include <algorithm>

namespace batchcall {

std::string_view ToString(PhoneValidationMode m) {
  switch (m) {
    case PhoneValidationMode::kStrict: return "strict";
    case PhoneValidationMode::kPossible: return "possible";
    case PhoneValidationMode::kE164: return "e164";
  }
  return "strict";
}

std::optional<PhoneValidationMode> ParsePhoneValidationMode(std::string_view s) {
  if (s == "strict") return PhoneValidationMode::kStrict;
  if (s == "possible") return PhoneValidationMode::kPossible;
  if (s == "e164") return PhoneValidationMode::kE164;
  return std::nullopt;
}

Result<RetryConfig> ParseRetryConfig(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("retry_config must be a JSON object.");
  RetryConfig r;
  r.retry_on_statuses = {ExecutionStatus::kNoAnswer, ExecutionStatus::kBusy, ExecutionStatus::kFailed};
  for (const auto& [key, value] : j.items()) {
    if (key == "enabled") {
      if (!value.is_boolean()) return InvalidArgument("retry_config.enabled must be true or false.");
      r.enabled = value.get<bool>();
    } else if (key == "max_retries") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 10)
        return InvalidArgument("retry_config.max_retries must be an integer from 0 to 10.");
      r.max_retries = value.get<int>();
    } else if (key == "retry_on_statuses") {
      if (!value.is_array()) return InvalidArgument("retry_config.retry_on_statuses must be an array.");
      r.retry_on_statuses.clear();
      for (const auto& s : value) {
        auto st = s.is_string() ? ParseExecutionStatus(s.get<std::string>()) : std::nullopt;
        if (!st || (*st != ExecutionStatus::kNoAnswer && *st != ExecutionStatus::kBusy &&
                    *st != ExecutionStatus::kFailed && *st != ExecutionStatus::kError)) {
          return InvalidArgument(
              "retry_config.retry_on_statuses may only contain \"no-answer\", \"busy\", \"failed\" "
              "and \"error\".");
        }
        if (std::find(r.retry_on_statuses.begin(), r.retry_on_statuses.end(), *st) ==
            r.retry_on_statuses.end())
          r.retry_on_statuses.push_back(*st);
      }
    } else if (key == "retry_on_voicemail") {
      if (!value.is_boolean())
        return InvalidArgument("retry_config.retry_on_voicemail must be true or false.");
      r.retry_on_voicemail = value.get<bool>();
    } else if (key == "retry_intervals_minutes") {
      if (!value.is_array() || value.size() > 10)
        return InvalidArgument("retry_config.retry_intervals_minutes must be an array of at most 10 numbers.");
      for (const auto& m : value) {
        if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > 7 * 24 * 60)
          return InvalidArgument(
              "retry_config.retry_intervals_minutes must hold whole minutes from 1 to 10080.");
        r.retry_intervals_minutes.push_back(m.get<int>());
      }
    } else {
      return InvalidArgument("retry_config has an unknown field \"" + key + "\".");
    }
  }
  return r;
}

nlohmann::json ToJson(const RetryConfig& r) {
  nlohmann::json statuses = nlohmann::json::array();
  for (auto s : r.retry_on_statuses) statuses.push_back(std::string(ToString(s)));
  return {{"enabled", r.enabled},
          {"max_retries", r.max_retries},
          {"retry_on_statuses", statuses},
          {"retry_on_voicemail", r.retry_on_voicemail},
          {"retry_intervals_minutes", r.retry_intervals_minutes}};
}

int RetryIntervalMinutes(const RetryConfig& r, int retry) {
  if (r.retry_intervals_minutes.empty()) return 30;
  size_t i = static_cast<size_t>(std::max(1, retry) - 1);
  if (i >= r.retry_intervals_minutes.size()) i = r.retry_intervals_minutes.size() - 1;
  return r.retry_intervals_minutes[i];
}

}  // namespace batchcall
