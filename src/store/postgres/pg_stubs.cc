// TEMPORARY stubs of the engine, webhook and do-not-call methods of
// PostgresStore so the backend links while P2 implements them; P2 deletes
// each stub as its real method lands (and this file when empty).
#include "store/postgres/pg_store_impl.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

namespace batchcall {

Result<std::vector<std::string>> PostgresStore::StartDueBatches(TimePoint now) {
  return Internal("PostgresStore::StartDueBatches is not implemented yet");
}

Result<std::vector<RunningBatch>> PostgresStore::ListRunningBatches() {
  return Internal("PostgresStore::ListRunningBatches is not implemented yet");
}

Result<std::vector<Execution>> PostgresStore::ClaimExecutions(const std::string& batch_id, int64_t limit, const std::string& worker, TimePoint now, TimePoint lease_until) {
  return Internal("PostgresStore::ClaimExecutions is not implemented yet");
}

Status PostgresStore::RescheduleExecutions(const std::vector<std::pair<std::string, TimePoint>>& ids_and_times, const std::string& worker, TimePoint now) {
  return Internal("PostgresStore::RescheduleExecutions is not implemented yet");
}

Status PostgresStore::CancelExecutions(const std::vector<std::pair<std::string, std::string>>& ids_and_messages, const std::string& worker, TimePoint now) {
  return Internal("PostgresStore::CancelExecutions is not implemented yet");
}

Status PostgresStore::ReleaseExecutions(const std::vector<std::string>& execution_ids, const std::string& worker) {
  return Internal("PostgresStore::ReleaseExecutions is not implemented yet");
}

Result<std::vector<std::string>> PostgresStore::BeginAttempts(const std::vector<AttemptStart>& starts, const std::string& worker, TimePoint now) {
  return Internal("PostgresStore::BeginAttempts is not implemented yet");
}

Result<std::vector<std::string>> PostgresStore::BeginAttemptsLimited(const std::vector<AttemptStart>& starts, const std::string& worker, TimePoint now, const DialLimits& limits) {
  return Internal("PostgresStore::BeginAttemptsLimited is not implemented yet");
}

Status PostgresStore::Heartbeat(const std::string& worker, TimePoint now) {
  return Internal("PostgresStore::Heartbeat is not implemented yet");
}

Result<std::vector<OpenAttempt>> PostgresStore::AdoptOrphanAttempts(const std::string& worker, TimePoint stale_before, bool include_own) {
  return Internal("PostgresStore::AdoptOrphanAttempts is not implemented yet");
}

Result<std::vector<std::string>> PostgresStore::FilterClosedAttempts(const std::vector<std::string>& attempt_ids) {
  return Internal("PostgresStore::FilterClosedAttempts is not implemented yet");
}

Status PostgresStore::SetProviderCallIds(const std::vector<std::pair<std::string, std::string>>& ids) {
  return Internal("PostgresStore::SetProviderCallIds is not implemented yet");
}

Result<std::vector<AppliedOutcome>> PostgresStore::ApplyCallUpdates(const std::vector<CallUpdate>& updates, TimePoint now) {
  return Internal("PostgresStore::ApplyCallUpdates is not implemented yet");
}

Result<std::vector<std::string>> PostgresStore::CompleteFinishedBatches(TimePoint now) {
  return Internal("PostgresStore::CompleteFinishedBatches is not implemented yet");
}

Result<std::optional<TimePoint>> PostgresStore::NextDueTime() {
  return Internal("PostgresStore::NextDueTime is not implemented yet");
}

Result<std::vector<OpenAttempt>> PostgresStore::ListOpenAttempts() {
  return Internal("PostgresStore::ListOpenAttempts is not implemented yet");
}

Result<std::vector<Attempt>> PostgresStore::ListAttempts(const std::string& execution_id) {
  return Internal("PostgresStore::ListAttempts is not implemented yet");
}

Result<OpenAttempt> PostgresStore::FindAttempt(const std::string& attempt_id) {
  return Internal("PostgresStore::FindAttempt is not implemented yet");
}

Result<OpenAttempt> PostgresStore::FindLatestAttempt(const std::string& execution_id) {
  return Internal("PostgresStore::FindLatestAttempt is not implemented yet");
}

Status PostgresStore::RotateWebhookSecret(const std::string& account_id, const std::string& secret, TimePoint previous_until, TimePoint now) {
  return Internal("PostgresStore::RotateWebhookSecret is not implemented yet");
}

Result<WebhookSecrets> PostgresStore::GetWebhookSecrets(const std::string& account_id) {
  return Internal("PostgresStore::GetWebhookSecrets is not implemented yet");
}

Result<std::vector<WebhookChange>> PostgresStore::ReadWebhookChanges(int64_t limit) {
  return Internal("PostgresStore::ReadWebhookChanges is not implemented yet");
}

Result<int64_t> PostgresStore::EnqueueWebhooks(const std::vector<Store::RenderedChange>& changes) {
  return Internal("PostgresStore::EnqueueWebhooks is not implemented yet");
}

Result<std::vector<WebhookDelivery>> PostgresStore::ClaimWebhookDeliveries(TimePoint now, int64_t limit, const std::string& worker, TimePoint lease_until) {
  return Internal("PostgresStore::ClaimWebhookDeliveries is not implemented yet");
}

Status PostgresStore::MarkWebhookDelivered(int64_t id, TimePoint now) {
  return Internal("PostgresStore::MarkWebhookDelivered is not implemented yet");
}

Status PostgresStore::MarkWebhookFailed(int64_t id, std::optional<TimePoint> next_attempt_at, const std::string& error, TimePoint now) {
  return Internal("PostgresStore::MarkWebhookFailed is not implemented yet");
}

Result<Store::WebhookBacklog> PostgresStore::GetWebhookBacklog() {
  return Internal("PostgresStore::GetWebhookBacklog is not implemented yet");
}

Result<int64_t> PostgresStore::AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers, const std::string& reason, TimePoint now) {
  return Internal("PostgresStore::AddDoNotCall is not implemented yet");
}

Result<std::vector<DncEntry>> PostgresStore::ListDoNotCall(const std::string& account_id, const std::string& after_number, int64_t limit) {
  return Internal("PostgresStore::ListDoNotCall is not implemented yet");
}

Status PostgresStore::RemoveDoNotCall(const std::string& account_id, const std::string& number) {
  return Internal("PostgresStore::RemoveDoNotCall is not implemented yet");
}

Result<std::vector<std::string>> PostgresStore::FilterDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers) {
  return Internal("PostgresStore::FilterDoNotCall is not implemented yet");
}

}  // namespace batchcall
