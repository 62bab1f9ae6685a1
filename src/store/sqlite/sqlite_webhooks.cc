// SqliteStore: attempt lookups for inbound callbacks, the webhook change
// journal, the delivery outbox and the accounts' webhook secrets.
// PLACEHOLDER: replaced by the store work for issue 4.
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

Result<OpenAttempt> SqliteStore::FindAttempt(const std::string&) { return Internal("not implemented"); }
Result<OpenAttempt> SqliteStore::FindLatestAttempt(const std::string&) { return Internal("not implemented"); }
Status SqliteStore::RotateWebhookSecret(const std::string&, const std::string&, TimePoint, TimePoint) {
  return Internal("not implemented");
}
Result<WebhookSecrets> SqliteStore::GetWebhookSecrets(const std::string&) { return Internal("not implemented"); }
Result<std::vector<WebhookChange>> SqliteStore::ReadWebhookChanges(int64_t) {
  return std::vector<WebhookChange>{};
}
Result<int64_t> SqliteStore::EnqueueWebhooks(const std::vector<RenderedChange>&) { return int64_t{0}; }
Result<std::vector<WebhookDelivery>> SqliteStore::ClaimWebhookDeliveries(TimePoint, int64_t, const std::string&,
                                                                         TimePoint) {
  return std::vector<WebhookDelivery>{};
}
Status SqliteStore::MarkWebhookDelivered(int64_t, TimePoint) { return Internal("not implemented"); }
Status SqliteStore::MarkWebhookFailed(int64_t, std::optional<TimePoint>, const std::string&, TimePoint) {
  return Internal("not implemented");
}
Result<Store::WebhookBacklog> SqliteStore::GetWebhookBacklog() { return WebhookBacklog{}; }

}  // namespace batchcall
