// Retry decisions from a RetryConfig and an attempt's outcome. Pure; thread-safe.
#pragma once

#include <optional>

#include "base/clock.h"
#include "domain/model.h"

namespace batchcall {

struct RetryDecision {
  bool retry = false;
  TimePoint next_attempt_at;  // when retry
};

// `retries_done` counts retries already made (0 after the first attempt).
// Retries when the config is enabled, retries are left (max_retries counts
// retries after the first attempt) and the outcome is in retry_on_statuses, or
// the call was answered by voicemail and retry_on_voicemail is set. The next
// attempt is due now + retry_intervals_minutes[retries_done] (the last
// interval repeats). Calling hours are applied later, when it is claimed.
RetryDecision DecideRetry(const std::optional<RetryConfig>& config, ExecutionStatus outcome,
                          bool answered_by_voice_mail, int retries_done, TimePoint now);

// The batch's retry_config, else the agent's, else none.
std::optional<RetryConfig> EffectiveRetryConfig(const Batch& batch, const Agent& agent);

}  // namespace batchcall
