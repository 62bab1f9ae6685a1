// RetryConfig <-> JSON, validated. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

// Parses {"enabled", "max_retries", "retry_on_statuses", "retry_on_voicemail",
// "retry_intervals_minutes"}. Missing fields take RetryConfig's defaults,
// except retry_on_statuses, which defaults to ["no-answer", "busy", "failed"]
// when absent. Unknown fields, wrong types and out-of-range values are
// InvalidArgument with a message naming the field.
Result<RetryConfig> ParseRetryConfig(const nlohmann::json& j);

nlohmann::json ToJson(const RetryConfig& r);

// Interval before retry number `retry` (1-based): the last interval repeats.
int RetryIntervalMinutes(const RetryConfig& r, int retry);

}  // namespace batchcall
