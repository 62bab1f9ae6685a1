// The webhook SQL of the SQLite backend (migration 3 is in
// sqlite_migrations.h; sqlite_sql.h includes this file): the executions journal trigger the store creates
// and drops, and the journal, outbox and secret statements. Constants only;
// thread-safe.
#pragma once

namespace batchcall::sqlite_sql {

// Journals an execution's status change when its agent has a webhook_url
// (two primary-key probes: batches by seq, agents by id). Any trigger on
// executions costs every status update (measured: +13% CPU on the dispatch
// path for an empty trigger, +22% with this WHEN check), so the store creates
// it only while at least one agent has a webhook_url and drops it when none
// has (SyncExecutionWebhookTrigger, in the transaction of every agent write
// and at Open). Journaling therefore follows "a receiver is configured at that
// moment" exactly.
inline constexpr const char* kCreateExecutionWebhookTrigger = R"sql(
CREATE TRIGGER IF NOT EXISTS executions_webhook_journal AFTER UPDATE OF status ON executions
WHEN NEW.status IS NOT OLD.status
 AND (SELECT a.webhook_url FROM batches b JOIN agents a ON a.id = b.agent_id WHERE b.seq = NEW.batch_seq) <> ''
BEGIN
  INSERT INTO webhook_journal(kind, execution_key, batch_seq, status, at)
  VALUES ('execution', NEW.key, NEW.batch_seq, NEW.status, NEW.updated_at);
END)sql";
inline constexpr const char* kDropExecutionWebhookTrigger = "DROP TRIGGER IF EXISTS executions_webhook_journal";
// (want, have): does any agent have a webhook_url, does the trigger exist.
inline constexpr const char* kSelectWebhookTriggerState =
    "SELECT EXISTS (SELECT 1 FROM agents WHERE webhook_url <> ''), "
    "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'executions_webhook_journal')";

// --- webhooks
// The oldest journaled changes (limit). A change whose execution or batch is
// gone (none should be: DeleteBatchRows removes them) comes back with NULL
// account, object and url. Columns: seq, kind, status, at, account_id,
// object_id, url.
inline constexpr const char* kSelectWebhookChanges =
    "SELECT j.seq, j.kind, j.status, j.at, b.account_id, "
    "CASE WHEN j.kind = 'execution' THEN e.id ELSE b.id END, "
    "CASE WHEN j.kind = 'execution' THEN a.webhook_url ELSE b.webhook_url END "
    "FROM webhook_journal j "
    "LEFT JOIN executions e ON j.kind = 'execution' AND e.key = j.execution_key "
    "LEFT JOIN batches b ON b.seq = j.batch_seq "
    "LEFT JOIN agents a ON j.kind = 'execution' AND a.id = b.agent_id "
    "ORDER BY j.seq LIMIT ?";
inline constexpr const char* kDeleteWebhookChange = "DELETE FROM webhook_journal WHERE seq = ?";
// (batch seq): the journal rows of a batch being deleted (scan; the journal is short-lived).
inline constexpr const char* kDeleteWebhookChangesOfBatch = "DELETE FROM webhook_journal WHERE batch_seq = ?";
// (event_id, account_id, url, event_type, order_key, body, attempts, created_at, next_attempt_at,
//  last_error): a new row is the head of its order_key when no other row of it is pending.
inline constexpr const char* kInsertWebhookDelivery =
    "INSERT INTO webhook_outbox(event_id, account_id, url, event_type, order_key, body, attempts, created_at, "
    "next_attempt_at, last_error, state, head) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', "
    "NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE order_key = ?5 AND state = 'pending')) "
    "ON CONFLICT(event_id) DO NOTHING";
#define BC_DELIVERY_COLUMNS                                                                       \
  "id, event_id, account_id, url, event_type, order_key, body, attempts, created_at, next_attempt_at, " \
  "last_error"
// (now, limit): due heads without a live lease, oldest due first.
inline constexpr const char* kSelectDueDeliveries =
    "SELECT " BC_DELIVERY_COLUMNS
    " FROM webhook_outbox WHERE state = 'pending' AND head = 1 AND next_attempt_at <= ?1"
    " AND (lease_owner IS NULL OR lease_until <= ?1) ORDER BY next_attempt_at, id LIMIT ?2";
// (worker, lease_until, id)
inline constexpr const char* kLeaseDelivery = "UPDATE webhook_outbox SET lease_owner = ?, lease_until = ? WHERE id = ?";
inline constexpr const char* kSelectDeliveryOrderKey = "SELECT order_key FROM webhook_outbox WHERE id = ?";
inline constexpr const char* kDeleteDelivery = "DELETE FROM webhook_outbox WHERE id = ?";
// (error, next_attempt_at or NULL = dead, id)
inline constexpr const char* kFailDelivery =
    "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?1, "
    "next_attempt_at = COALESCE(?2, next_attempt_at), "
    "state = CASE WHEN ?2 IS NULL THEN 'dead' ELSE state END, "
    "head = CASE WHEN ?2 IS NULL THEN 0 ELSE head END, "
    "lease_owner = NULL, lease_until = NULL WHERE id = ?3";
// (order_key): the oldest pending row becomes the head.
inline constexpr const char* kPromoteDeliveryHead =
    "UPDATE webhook_outbox SET head = 1 WHERE id = "
    "(SELECT MIN(id) FROM webhook_outbox WHERE order_key = ? AND state = 'pending') AND head = 0";
// pending, dead, and when the next claim can return something (a head's
// next_attempt_at, or the end of its lease when later).
inline constexpr const char* kSelectWebhookBacklog =
    "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'dead'), 0), "
    "MIN(CASE WHEN state = 'pending' AND head = 1 THEN MAX(next_attempt_at, COALESCE(lease_until, 0)) END) "
    "FROM webhook_outbox";
// (account_id, sealed secret, now, previous_until): the current secret becomes the previous one.
inline constexpr const char* kRotateWebhookSecret =
    "INSERT INTO webhook_secrets(account_id, current, created_at, previous, previous_until) "
    "VALUES (?1, ?2, ?3, NULL, NULL) ON CONFLICT(account_id) DO UPDATE SET "
    "previous = webhook_secrets.current, previous_until = ?4, "
    "current = excluded.current, created_at = excluded.created_at";
inline constexpr const char* kSelectWebhookSecrets =
    "SELECT current, created_at, previous, previous_until FROM webhook_secrets WHERE account_id = ?";

}  // namespace batchcall::sqlite_sql
