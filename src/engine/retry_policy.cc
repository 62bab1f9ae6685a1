#include "engine/retry_policy.h"

#include <algorithm>

#include "domain/retry_config.h"

namespace batchcall {

RetryDecision DecideRetry(const std::optional<RetryConfig>& config, ExecutionStatus outcome,
                          bool answered_by_voice_mail, int retries_done, TimePoint now) {
  RetryDecision d;
  if (!config || !config->enabled || retries_done >= config->max_retries) return d;
  bool by_status = std::find(config->retry_on_statuses.begin(), config->retry_on_statuses.end(), outcome) !=
                   config->retry_on_statuses.end();
  bool by_voicemail = answered_by_voice_mail && config->retry_on_voicemail;
  if (!by_status && !by_voicemail) return d;
  d.retry = true;
  d.next_attempt_at = now + std::chrono::minutes(RetryIntervalMinutes(*config, retries_done + 1));
  return d;
}

std::optional<RetryConfig> EffectiveRetryConfig(const Batch& batch, const Agent& agent) {
  if (batch.retry_config) return batch.retry_config;
  return agent.retry_config;
}

}  // namespace batchcall
