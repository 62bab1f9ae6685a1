// Every SQL text of the SQLite backend: the statements, and (included from
// sqlite_migrations.h) the numbered schema migrations. Values are always bound ("?"), never spliced into the text.
// Constants only; thread-safe.
//
// Row keys: an execution's integer key is
//   key = (batches.seq << 32) | row_index,
// so a batch's rows are one contiguous rowid range in CSV order: listing in
// CSV order and deleting a batch are rowid range scans that need no index.
#pragma once

#include <string>
#include <string_view>

#include "store/sqlite/sqlite_migrations.h"  // IWYU pragma: export

namespace batchcall::sqlite_sql {

inline constexpr const char* kJournalModeWal = "PRAGMA journal_mode = WAL";
inline constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
inline constexpr const char* kMaxMigration = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
inline constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)";

// --- accounts and keys
inline constexpr const char* kSelectDefaultAccount =
    "SELECT id, name, created_at FROM accounts WHERE is_default = 1";
inline constexpr const char* kInsertAccount =
    "INSERT INTO accounts(id, name, is_default, created_at) VALUES (?, ?, ?, ?)";
inline constexpr const char* kInsertApiKey =
    "INSERT INTO api_keys(id, account_id, name, key_hash, created_at, prefix) VALUES (?, ?, ?, ?, ?, ?)";
// Column order is the one ReadApiKey expects.
#define BC_API_KEY_COLUMNS "id, account_id, name, key_hash, created_at, prefix, last_used_at"
inline constexpr const char* kSelectActiveKeyByHash =
    "SELECT " BC_API_KEY_COLUMNS " FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL";
inline constexpr const char* kCountApiKeys = "SELECT COUNT(*) FROM api_keys";
// (account_id or '' for every account)
inline constexpr const char* kSelectActiveKeys =
    "SELECT " BC_API_KEY_COLUMNS " FROM api_keys WHERE revoked_at IS NULL AND (?1 = '' OR account_id = ?1) "
    "ORDER BY created_at, rowid";
// (now, key id, account_id or '')
inline constexpr const char* kRevokeApiKey =
    "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND (?3 = '' OR account_id = ?3) AND revoked_at IS NULL";
// (time, key id)
inline constexpr const char* kRecordApiKeyUse =
    "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?1) WHERE id = ?2";

// --- agents. Column order is the one ReadAgent expects.
#define BC_AGENT_COLUMNS                                                                       \
  "id, account_id, name, provider_type, provider, from_phone_numbers, webhook_url, "           \
  "welcome_message, calling_guardrails, max_concurrency, calls_per_second, retry_config, " \
  "created_at, updated_at, contact_limits"
inline constexpr const char* kInsertAgent =
    "INSERT INTO agents(" BC_AGENT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kSelectAgent =
    "SELECT " BC_AGENT_COLUMNS " FROM agents WHERE id = ? AND account_id = ?";
inline constexpr const char* kSelectAgentsOfAccount =
    "SELECT " BC_AGENT_COLUMNS " FROM agents WHERE account_id = ? ORDER BY created_at, rowid";
inline constexpr const char* kSelectAgentByName =
    "SELECT " BC_AGENT_COLUMNS
    " FROM agents WHERE account_id = ? AND name = ? ORDER BY created_at, rowid LIMIT 1";
// Binds the 15 columns in order; matched by (?1 id, ?2 account_id).
inline constexpr const char* kUpdateAgent =
    "UPDATE agents SET id = ?1, account_id = ?2, name = ?3, provider_type = ?4, provider = ?5, "
    "from_phone_numbers = ?6, webhook_url = ?7, welcome_message = ?8, calling_guardrails = ?9, "
    "max_concurrency = ?10, calls_per_second = ?11, retry_config = ?12, created_at = ?13, "
    "updated_at = ?14, contact_limits = ?15 WHERE id = ?1 AND account_id = ?2";
inline constexpr const char* kDeleteAgent = "DELETE FROM agents WHERE id = ? AND account_id = ?";
inline constexpr const char* kCountActiveBatchesOfAgent =
    "SELECT COUNT(*) FROM batches WHERE agent_id = ? AND status IN ('scheduled', 'running', 'paused')";
inline constexpr const char* kSelectBatchSeqsOfAgent = "SELECT seq FROM batches WHERE agent_id = ?";

// --- batches. Column order is the one ReadBatch expects.
#define BC_BATCH_COLUMNS                                                                         \
  "seq, id, account_id, agent_id, status, scheduled_at, created_at, updated_at, file_name, "     \
  "total_contacts, valid_contacts, invalid_contacts, columns, from_phone_numbers, retry_config, " \
  "webhook_url, phone_validation, default_country, allow_duplicates, bypass_call_guardrails"
// A batch whose upload is still being written is stored with status
// 'importing', one whose rows are being deleted after a failed upload with
// 'discarding' (neither is a BatchStatus): every read of a batch row by id or
// seq and every list leaves them out and nothing claims them
// (sqlite_import.cc). An import's last transaction makes it 'created'.
#define BC_VISIBLE_BATCH "status NOT IN ('importing', 'discarding')"
// (id, account_id, agent_id, scheduled_at, created_at, updated_at, file_name,
// columns, from_phone_numbers, retry_config, webhook_url, phone_validation,
// default_country, allow_duplicates, bypass_call_guardrails, importer,
// import_seen_at)
inline constexpr const char* kInsertImportingBatch =
    "INSERT INTO batches(id, account_id, agent_id, status, scheduled_at, created_at, updated_at, "
    "file_name, columns, from_phone_numbers, retry_config, webhook_url, phone_validation, "
    "default_country, allow_duplicates, bypass_call_guardrails, importer, import_seen_at) "
    "VALUES (?, ?, ?, 'importing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kSelectBatch =
    "SELECT " BC_BATCH_COLUMNS " FROM batches WHERE id = ? AND account_id = ? AND " BC_VISIBLE_BATCH;
inline constexpr const char* kSelectBatchBySeq =
    "SELECT " BC_BATCH_COLUMNS " FROM batches WHERE seq = ? AND " BC_VISIBLE_BATCH;
inline constexpr const char* kSelectBatchSeq = "SELECT seq FROM batches WHERE id = ? AND " BC_VISIBLE_BATCH;
inline constexpr const char* kSelectBatchesOfAgent =
    "SELECT " BC_BATCH_COLUMNS " FROM batches WHERE account_id = ? AND agent_id = ? AND " BC_VISIBLE_BATCH
    " ORDER BY created_at DESC, seq DESC";
// (batch_seq, status, n) of every visible batch of an agent.
inline constexpr const char* kSelectStatusCountsOfAgent =
    "SELECT c.batch_seq, c.status, c.n FROM batch_status_counts c JOIN batches b ON b.seq = c.batch_seq"
    " WHERE b.account_id = ? AND b.agent_id = ? AND b." BC_VISIBLE_BATCH;
inline constexpr const char* kSelectAgentOfAccount = "SELECT 1 FROM agents WHERE id = ? AND account_id = ?";
// --- imports in progress (import_seen_at: wall-clock ms of the import's
// last transaction; importer: the node writing it)
// (import_seen_at, seq): the import's batch is still there (deleting its agent deletes it).
inline constexpr const char* kTouchImport =
    "UPDATE batches SET import_seen_at = ? WHERE seq = ? AND status = 'importing'";
// (total, valid, invalid, seq): the import's last transaction.
inline constexpr const char* kFinishImport =
    "UPDATE batches SET status = 'created', importer = NULL, import_seen_at = NULL, total_contacts = ?, "
    "valid_contacts = ?, invalid_contacts = ? WHERE seq = ? AND status = 'importing'";
// (node, seen_before): imports of this node's previous run, or that nobody
// has written for a long time.
inline constexpr const char* kSelectAbandonedImports =
    "SELECT seq FROM batches WHERE status IN ('importing', 'discarding') "
    "AND ((?1 <> '' AND importer = ?1) OR import_seen_at < ?2)";
// (seq): the import will not finish; its rows are being deleted.
inline constexpr const char* kMarkDiscarding =
    "UPDATE batches SET status = 'discarding' WHERE seq = ? AND status IN ('importing', 'discarding')";
// (importer, import_seen_at, seq): DeleteBatch hides the batch, then
// deletes it as an abandoned upload is (DiscardBatch).
inline constexpr const char* kMarkDeleting =
    "UPDATE batches SET status = 'discarding', importer = ?, import_seen_at = ? WHERE seq = ?";
// (seq): the last step of a discard.
inline constexpr const char* kSelectDiscarding = "SELECT 1 FROM batches WHERE seq = ? AND status = 'discarding'";
// (key_lo, key_hi, n): the first n executions of a range, and their ids
// (ids first: they are found through executions).
inline constexpr const char* kDeleteExecutionIdsChunk =
    "DELETE FROM execution_ids WHERE id IN (SELECT id FROM executions WHERE key BETWEEN ?1 AND ?2 ORDER BY key LIMIT ?3)";
inline constexpr const char* kDeleteExecutionsChunk =
    "DELETE FROM executions WHERE key IN (SELECT key FROM executions WHERE key BETWEEN ?1 AND ?2 ORDER BY key LIMIT ?3)";
// (key_lo, key_hi, n): up to n attempts of a range of executions.
inline constexpr const char* kDeleteAttemptsChunk =
    "DELETE FROM attempts WHERE rowid IN (SELECT rowid FROM attempts WHERE execution_key BETWEEN ?1 AND ?2 LIMIT ?3)";
// (batch_seq, n)
inline constexpr const char* kDeleteRejectsChunk =
    "DELETE FROM rejected_rows WHERE rowid IN (SELECT rowid FROM rejected_rows WHERE batch_seq = ? LIMIT ?)";
// --- idempotency keys
inline constexpr const char* kDeleteExpiredIdempotencyKeys = "DELETE FROM idempotency_keys WHERE created_at < ?";
inline constexpr const char* kInsertIdempotencyKey =
    "INSERT INTO idempotency_keys(account_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)";
// (account_id, key, not_before)
inline constexpr const char* kSelectIdempotencyKey =
    "SELECT account_id, key, request_hash, status, body, created_at FROM idempotency_keys "
    "WHERE account_id = ? AND key = ? AND created_at >= ?";
// (status, set_scheduled_at, scheduled_at, set_bypass, bypass, updated_at, seq)
inline constexpr const char* kUpdateBatchTransition =
    "UPDATE batches SET status = ?1, "
    "scheduled_at = CASE WHEN ?2 THEN ?3 ELSE scheduled_at END, "
    "bypass_call_guardrails = CASE WHEN ?4 THEN ?5 ELSE bypass_call_guardrails END, "
    "updated_at = ?6 WHERE seq = ?7";
inline constexpr const char* kDeleteBatch = "DELETE FROM batches WHERE seq = ?";

// --- executions, rejects. Ranges are [key_lo, key_hi].
// Import inserts. Rows go kImportRowsPerInsert per statement (fewer
// statement runs), the tail one at a time. Executions: (key, id, batch_seq,
// row_index, line, contact_number, variables, created_at, updated_at) per row.
inline constexpr int kImportRowsPerInsert = 64;
inline constexpr int kExecutionParams = 9;
#define BC_INSERT_EXECUTION_HEAD                                                                \
  "INSERT INTO executions(key, id, batch_seq, row_index, line, contact_number, variables, status, " \
  "created_at, updated_at) VALUES "
#define BC_INSERT_EXECUTION_TUPLE "(?, ?, ?, ?, ?, ?, ?, 'prepared', ?, ?)"
inline constexpr const char* kInsertExecution = BC_INSERT_EXECUTION_HEAD BC_INSERT_EXECUTION_TUPLE;
// Execution ids, inserted at commit in id order: (id, key) per row.
inline constexpr int kExecutionIdParams = 2;
#define BC_INSERT_EXECUTION_ID_HEAD "INSERT INTO execution_ids(id, key) VALUES "
#define BC_INSERT_EXECUTION_ID_TUPLE "(?, ?)"
inline constexpr const char* kInsertExecutionId = BC_INSERT_EXECUTION_ID_HEAD BC_INSERT_EXECUTION_ID_TUPLE;

// head + `tuple` repeated kImportRowsPerInsert times, built once per call site.
inline std::string RepeatTuples(const char* head, const char* tuple) {
  std::string t = head;
  for (int i = 0; i < kImportRowsPerInsert; ++i) t.append(i ? ", " : "").append(tuple);
  return t;
}
inline const char* InsertExecutionsSql() {
  static const std::string text = RepeatTuples(BC_INSERT_EXECUTION_HEAD, BC_INSERT_EXECUTION_TUPLE);
  return text.c_str();
}
inline const char* InsertExecutionIdsSql() {
  static const std::string text = RepeatTuples(BC_INSERT_EXECUTION_ID_HEAD, BC_INSERT_EXECUTION_ID_TUPLE);
  return text.c_str();
}
inline constexpr const char* kInsertReject =
    "INSERT INTO rejected_rows(batch_seq, line, contact_number, code, message) VALUES (?, ?, ?, ?, ?)";

// Column order is the one ReadExecution expects.
#define BC_EXECUTION_COLUMNS                                                                    \
  "e.key, e.id, e.batch_seq, e.row_index, e.line, e.contact_number, e.variables, e.status, "    \
  "e.agent_number, e.conversation_duration, e.total_cost, e.answered_by_voice_mail, "           \
  "e.transcript, e.summary, e.extracted_data, e.telephony_data, e.error_message, "              \
  "e.retry_count, e.attempt_count, e.retry_history, e.next_attempt_at, e.created_at, e.updated_at, " \
  "e.hold_reason"
inline constexpr const char* kSelectExecutionRange =
    "SELECT " BC_EXECUTION_COLUMNS
    " FROM executions e"
    " WHERE e.key BETWEEN ? AND ? ORDER BY e.key LIMIT ?";
// The CSV export's columns at BC_EXECUTION_COLUMNS' positions, NULL elsewhere
// (ExecutionQuery::csv_columns_only: SQLite's column decoding was most of an
// export's cost).
#define BC_EXECUTION_CSV_COLUMNS                                                                         \
  "e.key, e.id, NULL, e.row_index, NULL, e.contact_number, e.variables, e.status, NULL, "              \
  "e.conversation_duration, NULL, e.answered_by_voice_mail, NULL, NULL, NULL, NULL, e.error_message, " \
  "NULL, e.attempt_count, NULL, NULL, e.created_at, e.updated_at, e.hold_reason"
inline constexpr const char* kSelectExecutionCsvRange =
    "SELECT " BC_EXECUTION_CSV_COLUMNS
    " FROM executions e"
    " WHERE e.key BETWEEN ? AND ? ORDER BY e.key LIMIT ?";
inline constexpr const char* kSelectExecutionCsvByKey =
    "SELECT " BC_EXECUTION_CSV_COLUMNS " FROM executions e WHERE e.key = ?";
inline constexpr const char* kSelectExecutionByKey =
    "SELECT " BC_EXECUTION_COLUMNS " FROM executions e WHERE e.key = ?";
inline constexpr const char* kSelectExecutionById =
    "SELECT " BC_EXECUTION_COLUMNS " FROM execution_ids x JOIN executions e ON e.key = x.key WHERE x.id = ?";
// Keys of one status of one batch from key_lo on, in key order (index only).
inline constexpr const char* kSelectExecutionKeysByStatus =
    "SELECT key FROM executions WHERE batch_seq = ? AND status = ? AND key >= ? ORDER BY key LIMIT ?";
// (status, n) of one batch: batch_status_counts, never a count of its rows.
inline constexpr const char* kSelectStatusCounts =
    "SELECT status, n FROM batch_status_counts WHERE batch_seq = ?";
// (batch_seq, status, change): one transaction's change of one count.
inline constexpr const char* kAddStatusCount =
    "INSERT INTO batch_status_counts(batch_seq, status, n) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (batch_seq, status) DO UPDATE SET n = n + ?3";
inline constexpr const char* kDeleteStatusCounts = "DELETE FROM batch_status_counts WHERE batch_seq = ?";
inline constexpr const char* kSelectAnyInFlight =
    "SELECT 1 FROM executions WHERE batch_seq = ? AND status IN "
    "('initiated', 'ringing', 'in-progress', 'call-disconnected') LIMIT 1";
// (updated_at, batch_seq, status): run once per pre-dial status (prepared,
// queued, rescheduled, scheduled: the order the status index gives), so
// each run's change count is one status's.
inline constexpr const char* kStopPreDialExecutions =
    "UPDATE executions SET status = 'stopped', updated_at = ?, next_attempt_at = NULL, "
    "lease_owner = NULL, lease_expires_at = NULL "
    "WHERE batch_seq = ? AND status = ?";
inline constexpr const char* kDeleteExecutionIds =
    "DELETE FROM execution_ids WHERE id IN (SELECT id FROM executions WHERE key BETWEEN ? AND ?)";
inline constexpr const char* kDeleteExecutionRange = "DELETE FROM executions WHERE key BETWEEN ? AND ?";
inline constexpr const char* kDeleteRejects = "DELETE FROM rejected_rows WHERE batch_seq = ?";
inline constexpr const char* kSelectRejects =
    "SELECT line, contact_number, code, message FROM rejected_rows"
    " WHERE batch_seq = ? AND line > ? ORDER BY line, rowid LIMIT ?";
// Test hook: (id) -> key, status; then (status, updated_at, key).
inline constexpr const char* kSelectExecutionStatusById =
    "SELECT e.key, e.status FROM execution_ids x JOIN executions e ON e.key = x.key WHERE x.id = ?";
inline constexpr const char* kSetExecutionStatus = "UPDATE executions SET status = ?, updated_at = ? WHERE key = ?";


// --- engine. Non-terminal statuses, for "is anything left in this batch".
#define BC_OPEN_EXECUTION_STATUSES \
  "('prepared', 'queued', 'rescheduled', 'scheduled', 'initiated', 'ringing', 'in-progress', 'call-disconnected')"
// Due batch starts: (now).
inline constexpr const char* kSelectDueBatchSeqs =
    "SELECT seq, id FROM batches WHERE status = 'scheduled' AND (scheduled_at IS NULL OR scheduled_at <= ?)";
inline constexpr const char* kSelectRunningBatchSeqs = "SELECT seq, id FROM batches WHERE status = 'running'";
inline constexpr const char* kSelectRunningBatches =
    "SELECT " BC_BATCH_COLUMNS " FROM batches WHERE status = 'running' ORDER BY created_at, seq";
inline constexpr const char* kSelectBatchByIdOnly = "SELECT " BC_BATCH_COLUMNS " FROM batches WHERE id = ?";
// (updated_at, seq)
inline constexpr const char* kStartBatch =
    "UPDATE batches SET status = 'running', updated_at = ? WHERE seq = ? AND status = 'scheduled'";
inline constexpr const char* kCompleteBatch =
    "UPDATE batches SET status = 'completed', updated_at = ? WHERE seq = ? AND status = 'running'";
// (seq)
inline constexpr const char* kAnyPrepared =
    "SELECT 1 FROM executions WHERE batch_seq = ? AND status = 'prepared' LIMIT 1";
inline constexpr const char* kAnyOpenExecution =
    "SELECT 1 FROM executions WHERE batch_seq = ? AND status IN " BC_OPEN_EXECUTION_STATUSES " LIMIT 1";
// (updated_at, seq)
inline constexpr const char* kQueuePrepared =
    "UPDATE executions SET status = 'queued', updated_at = ? WHERE batch_seq = ? AND status = 'prepared'";
inline constexpr const char* kMinScheduledAt =
    "SELECT MIN(COALESCE(scheduled_at, 0)) FROM batches WHERE status = 'scheduled'";
// (seq): earliest next_attempt_at of a waiting execution (executions_due).
inline constexpr const char* kMinNextAttemptAt =
    "SELECT next_attempt_at FROM executions WHERE batch_seq = ? AND status IN ('scheduled', 'rescheduled')"
    " AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1";

// Claims. Lease free: no owner, expired, or ours. (seq, now, worker, limit)
#define BC_LEASE_FREE "(lease_owner IS NULL OR lease_expires_at <= ?2 OR lease_owner = ?3)"
// Columns: key, status.
inline constexpr const char* kSelectDueRetryKeys =
    "SELECT key, status FROM executions WHERE batch_seq = ?1 AND status IN ('scheduled', 'rescheduled')"
    " AND next_attempt_at <= ?2 AND " BC_LEASE_FREE " ORDER BY next_attempt_at, key LIMIT ?4";
inline constexpr const char* kSelectQueuedKeys =
    "SELECT key, status FROM executions WHERE batch_seq = ?1 AND status = 'queued' AND " BC_LEASE_FREE
    " ORDER BY key LIMIT ?4";
// (worker, lease_until, now, key)
inline constexpr const char* kClaimExecution =
    "UPDATE executions SET lease_owner = ?1, lease_expires_at = ?2, next_attempt_at = NULL, "
    "updated_at = CASE WHEN status = 'queued' THEN updated_at ELSE ?3 END, status = 'queued' WHERE key = ?4";
#define BC_KEY_OF_ID "(SELECT key FROM execution_ids WHERE id = ?)"
// (next_attempt_at, now, hold_reason, id, worker)
inline constexpr const char* kRescheduleExecution =
    "UPDATE executions SET status = 'rescheduled', next_attempt_at = ?, updated_at = ?, hold_reason = ?, "
    "lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = " BC_KEY_OF_ID " AND status = 'queued' AND lease_owner = ? RETURNING key";
// (error_message, now, hold_reason, id, worker)
inline constexpr const char* kCancelExecution =
    "UPDATE executions SET status = 'canceled', error_message = ?, updated_at = ?, hold_reason = ?, "
    "next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = " BC_KEY_OF_ID " AND status = 'queued' AND lease_owner = ? RETURNING key";
// (id, worker)
inline constexpr const char* kReleaseExecution =
    "UPDATE executions SET lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = " BC_KEY_OF_ID " AND lease_owner = ?";
inline constexpr const char* kReleaseExecutionByKey =
    "UPDATE executions SET lease_owner = NULL, lease_expires_at = NULL WHERE key = ? AND lease_owner = ?";

// Attempts. (execution id) -> key, status, lease_owner, batch status,
// account id, batch id, agent id
inline constexpr const char* kSelectExecutionForStart =
    "SELECT e.key, e.status, e.lease_owner, b.status, b.account_id, b.id, b.agent_id, e.contact_number, "
    "e.hold_reason "
    "FROM execution_ids x JOIN executions e ON e.key = x.key JOIN batches b ON b.seq = e.batch_seq "
    "WHERE x.id = ?";
inline constexpr const char* kInsertAttempt =
    "INSERT INTO attempts(id, execution_key, execution_id, agent_id, account_id, batch_id, number, "
    "idempotency_key, from_number, status, started_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'initiated', ?, ?)";
// (agent id): its open attempts.
inline constexpr const char* kCountAgentOpenAttempts =
    "SELECT count(*) FROM attempts WHERE agent_id = ? AND ended_at IS NULL";
// (agent id, since): attempts it started after `since`.
inline constexpr const char* kCountAgentStartedSince =
    "SELECT count(*) FROM attempts WHERE agent_id = ? AND started_at > ?";
// (worker, now)
inline constexpr const char* kHeartbeat =
    "INSERT INTO nodes(worker, heartbeat_at) VALUES (?, ?) "
    "ON CONFLICT(worker) DO UPDATE SET heartbeat_at = excluded.heartbeat_at";
// (worker, include own 0/1, stale_before): open attempts this worker may adopt.
inline constexpr const char* kSelectOrphanAttemptIds =
    "SELECT a.id FROM attempts a LEFT JOIN nodes n ON n.worker = a.owner WHERE a.ended_at IS NULL AND "
    "((a.owner = ?1 AND ?2 = 1) OR (a.owner <> ?1 AND (n.heartbeat_at IS NULL OR n.heartbeat_at < ?3)))";
// (worker, attempt id)
inline constexpr const char* kSetAttemptOwner = "UPDATE attempts SET owner = ? WHERE id = ?";
// (attempt id): 1 when open.
inline constexpr const char* kIsAttemptOpen = "SELECT 1 FROM attempts WHERE id = ? AND ended_at IS NULL";
// (from_number, now, key)
inline constexpr const char* kBeginExecution =
    "UPDATE executions SET status = 'initiated', agent_number = ?, attempt_count = attempt_count + 1, "
    "updated_at = ?, next_attempt_at = NULL, hold_reason = NULL, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = ?";
// --- the account's dial history (compliance)
// (account_id, number, at, attempt id)
inline constexpr const char* kInsertDial = "INSERT OR IGNORE INTO dials(account_id, number, at, attempt_id) VALUES (?, ?, ?, ?)";
// (account_id, number, since): its dials at or after since, ascending (the primary key's range).
inline constexpr const char* kSelectDialsSince =
    "SELECT at FROM dials WHERE account_id = ? AND number = ? AND at >= ? ORDER BY at";
// (account_id, number, at, attempt id): a dial never placed leaves the history (by its primary key).
inline constexpr const char* kDeleteDial =
    "DELETE FROM dials WHERE account_id = ? AND number = ? AND at = ? AND attempt_id = ?";
// (batch_seq, reason, n): adds n to the batch's count of executions held for reason.
inline constexpr const char* kAddHoldCount =
    "INSERT INTO batch_hold_counts(batch_seq, reason, n) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(batch_seq, reason) DO UPDATE SET n = n + ?3";
inline constexpr const char* kSelectHoldCounts = "SELECT reason, n FROM batch_hold_counts WHERE batch_seq = ? AND n > 0";
inline constexpr const char* kDeleteHoldCounts = "DELETE FROM batch_hold_counts WHERE batch_seq = ?";
// (key, at, reason, canceled, attempt, until)
inline constexpr const char* kInsertHold =
    "INSERT OR IGNORE INTO execution_holds(execution_key, at, reason, canceled, attempt, until) "
    "VALUES (?, ?, ?, ?, ?, ?)";
// (execution id)
inline constexpr const char* kSelectHoldsOfExecution =
    "SELECT h.at, h.canceled, h.reason, h.attempt, h.until FROM execution_ids x "
    "JOIN execution_holds h ON h.execution_key = x.key WHERE x.id = ? ORDER BY h.at";
inline constexpr const char* kDeleteHoldRange = "DELETE FROM execution_holds WHERE execution_key BETWEEN ? AND ?";
// (provider_call_id, attempt id)
inline constexpr const char* kSetProviderCallId = "UPDATE attempts SET provider_call_id = ? WHERE id = ?";
// (attempt id) -> what ApplyCallUpdates needs
inline constexpr const char* kSelectAttemptForUpdate =
    "SELECT a.execution_key, a.status, a.ended_at IS NOT NULL, a.number, a.started_at, a.from_number, "
    "a.provider_call_id, a.agent_id, a.execution_id, e.status, e.contact_number, b.status, b.agent_id, "
    "a.account_id "
    "FROM attempts a JOIN executions e ON e.key = a.execution_key JOIN batches b ON b.seq = e.batch_seq "
    "WHERE a.id = ?";
inline constexpr const char* kSelectAgentProviderType = "SELECT provider_type FROM agents WHERE id = ?";
// (status, provider_call_id, id)
inline constexpr const char* kAdvanceAttempt =
    "UPDATE attempts SET status = ?1, "
    "provider_call_id = CASE WHEN provider_call_id = '' THEN ?2 ELSE provider_call_id END WHERE id = ?3";
// (status, now, key)
inline constexpr const char* kAdvanceExecution = "UPDATE executions SET status = ?, updated_at = ? WHERE key = ?";
// (status, ended_at, duration, ring, cost, voicemail, recording_url, hangup_by, hangup_reason,
//  error_message, provider_call_id, id)
inline constexpr const char* kCloseAttempt =
    "UPDATE attempts SET status = ?1, ended_at = ?2, duration = ?3, ring_duration = ?4, cost = ?5, "
    "voicemail = ?6, recording_url = ?7, hangup_by = ?8, hangup_reason = ?9, error_message = ?10, "
    "provider_call_id = CASE WHEN provider_call_id = '' THEN ?11 ELSE provider_call_id END "
    "WHERE id = ?12 AND ended_at IS NULL";
// ?1 status, ?2 now, ?3 retry (0/1), ?4 next_attempt_at, ?5 duration, ?6 cost, ?7 voicemail,
// ?8 transcript, ?9 summary, ?10 extracted_data, ?11 telephony_data, ?12 error_message,
// ?13 history attempt, ?14 history status, ?15 history at, ?16 key
inline constexpr const char* kFinishExecution =
    "UPDATE executions SET status = ?1, updated_at = ?2, "
    "retry_count = retry_count + ?3, next_attempt_at = ?4, "
    "conversation_duration = ?5, total_cost = total_cost + ?6, answered_by_voice_mail = ?7, "
    "transcript = ?8, summary = ?9, extracted_data = ?10, telephony_data = ?11, error_message = ?12, "
    "retry_history = json_insert(COALESCE(retry_history, '[]'), '$[#]', "
    "json_object('attempt', ?13, 'status', ?14, 'at', ?15)), "
    "lease_owner = NULL, lease_expires_at = NULL WHERE key = ?16";
// Records the outcome in the history only (the execution's status cannot take it).
inline constexpr const char* kAppendHistory =
    "UPDATE executions SET updated_at = ?2, retry_history = json_insert(COALESCE(retry_history, '[]'), '$[#]', "
    "json_object('attempt', ?13, 'status', ?14, 'at', ?15)) WHERE key = ?16";
#define BC_ATTEMPT_COLUMNS                                                                         \
  "a.id, a.execution_id, a.agent_id, a.number, a.idempotency_key, a.provider_call_id, a.from_number, " \
  "a.status, a.started_at, a.ended_at"
// BC_ATTEMPT_COLUMNS then account_id, batch_id, retry_count, contact_number (ReadOpenAttempt).
#define BC_OPEN_ATTEMPT_COLUMNS BC_ATTEMPT_COLUMNS ", a.account_id, a.batch_id, e.retry_count, e.contact_number"
inline constexpr const char* kSelectOpenAttempts =
    "SELECT " BC_OPEN_ATTEMPT_COLUMNS
    " FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.ended_at IS NULL "
    "ORDER BY a.started_at";
// (attempt id)
inline constexpr const char* kSelectAttemptById =
    "SELECT " BC_OPEN_ATTEMPT_COLUMNS " FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.id = ?";
// (execution id): its newest attempt.
inline constexpr const char* kSelectLatestAttempt =
    "SELECT " BC_OPEN_ATTEMPT_COLUMNS
    " FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.execution_key = " BC_KEY_OF_ID
    " ORDER BY a.number DESC, a.started_at DESC, a.rowid DESC LIMIT 1";
inline constexpr const char* kSelectAttemptsOfExecution =
    "SELECT " BC_ATTEMPT_COLUMNS " FROM attempts a WHERE a.execution_key = " BC_KEY_OF_ID
    " ORDER BY a.number, a.started_at";
// [key_lo, key_hi]
inline constexpr const char* kDeleteAttemptRange = "DELETE FROM attempts WHERE execution_key BETWEEN ? AND ?";

// --- do-not-call
inline constexpr const char* kInsertDnc =
    "INSERT OR IGNORE INTO dnc(account_id, number, reason, created_at) VALUES (?, ?, ?, ?)";
inline constexpr const char* kSelectDncPage =
    "SELECT number, reason, created_at FROM dnc WHERE account_id = ? AND number > ? ORDER BY number LIMIT ?";
inline constexpr const char* kDeleteDnc = "DELETE FROM dnc WHERE account_id = ? AND number = ?";
inline constexpr const char* kAnyDnc = "SELECT 1 FROM dnc WHERE account_id = ? LIMIT 1";
inline constexpr const char* kSelectDncReason = "SELECT reason FROM dnc WHERE account_id = ? AND number = ?";

}  // namespace batchcall::sqlite_sql

#include "store/sqlite/sqlite_webhook_sql.h"  // IWYU pragma: export
