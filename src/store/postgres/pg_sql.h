// Every SQL text of the PostgreSQL backend owned by the core (accounts, keys,
// agents, batches, executions, rejected rows) plus the numbered migrations;
// the engine, webhook and do-not-call SQL lives in pg_engine_sql.h (included
// below). Values are always bound ($1, $2, ...), never spliced into the text.
// Constants only; thread-safe.
//
// Row keys, as in the SQLite backend: an execution's key is
//   key = (batches.seq << 32) | row_index,
// so a batch's rows are one contiguous key range in CSV order.
// Times are BIGINT unix milliseconds (UTC); JSON is stored as TEXT in the
// same encodings as the SQLite backend; ids are TEXT COLLATE "C".
#pragma once

#include <array>

namespace batchcall::pg_sql {

// Migration 1, core part: P1's tables. The engine part (kEngineSchema) runs
// right after it, in the same transaction.
inline constexpr const char* kCoreSchemaV1 = R"sql(
CREATE TABLE accounts (
  id         TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  is_default BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_default ON accounts(is_default) WHERE is_default;

CREATE TABLE api_keys (
  id         TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name       TEXT NOT NULL,
  key_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

CREATE TABLE agents (
  seq                BIGINT GENERATED ALWAYS AS IDENTITY,  -- creation order (ties of created_at)
  id                 TEXT COLLATE "C" PRIMARY KEY,
  account_id         TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name               TEXT NOT NULL,
  provider_type      TEXT NOT NULL,
  provider           TEXT NOT NULL,  -- JSON, or SecretBox-sealed JSON ("v1:...")
  from_phone_numbers TEXT NOT NULL,  -- JSON array
  webhook_url        TEXT,
  welcome_message    TEXT NOT NULL,
  calling_guardrails TEXT,           -- JSON object or NULL
  max_concurrency    BIGINT NOT NULL,
  calls_per_second   DOUBLE PRECISION NOT NULL,
  retry_config       TEXT,           -- JSON object or NULL
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE INDEX agents_account_name ON agents(account_id, name);

CREATE TABLE batches (
  seq                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- row-key prefix
  id                     TEXT COLLATE "C" NOT NULL UNIQUE,                 -- 32 hex
  account_id             TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  agent_id               TEXT COLLATE "C" NOT NULL REFERENCES agents(id),
  status                 TEXT NOT NULL,
  scheduled_at           BIGINT,
  created_at             BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL,
  file_name              TEXT NOT NULL,
  total_contacts         BIGINT NOT NULL DEFAULT 0,
  valid_contacts         BIGINT NOT NULL DEFAULT 0,
  invalid_contacts       BIGINT NOT NULL DEFAULT 0,
  columns                TEXT NOT NULL,  -- JSON array of variable column names
  from_phone_numbers     TEXT NOT NULL,  -- JSON array
  retry_config           TEXT,           -- JSON object or NULL
  webhook_url            TEXT,
  phone_validation       TEXT NOT NULL,
  default_country        TEXT NOT NULL,
  allow_duplicates       BOOLEAN NOT NULL,
  bypass_call_guardrails BOOLEAN NOT NULL
);
CREATE INDEX batches_account_agent ON batches(account_id, agent_id, created_at);
CREATE INDEX batches_agent ON batches(agent_id);
CREATE INDEX batches_status ON batches(status, scheduled_at);

-- One row per valid contact: the uploaded contact and its execution. Filled
-- by COPY at import.
CREATE TABLE executions (
  key                    BIGINT PRIMARY KEY,
  id                     TEXT COLLATE "C" NOT NULL,  -- hyphenated UUID
  batch_seq              BIGINT NOT NULL,
  row_index              BIGINT NOT NULL,
  line                   BIGINT NOT NULL,  -- the contact, as uploaded
  contact_number         TEXT NOT NULL,
  variables              TEXT NOT NULL,    -- JSON array of strings, aligned with batches.columns
  status                 TEXT COLLATE "C" NOT NULL,
  agent_number           TEXT NOT NULL DEFAULT '',
  conversation_duration  DOUBLE PRECISION NOT NULL DEFAULT 0,
  total_cost             DOUBLE PRECISION NOT NULL DEFAULT 0,
  answered_by_voice_mail BOOLEAN NOT NULL DEFAULT false,
  transcript             TEXT NOT NULL DEFAULT '',
  summary                TEXT NOT NULL DEFAULT '',
  extracted_data         TEXT,  -- JSON or NULL
  telephony_data         TEXT,  -- JSON or NULL
  error_message          TEXT NOT NULL DEFAULT '',
  retry_count            BIGINT NOT NULL DEFAULT 0,
  attempt_count          BIGINT NOT NULL DEFAULT 0,
  retry_history          TEXT,  -- JSON array of {attempt, status, at} or NULL
  next_attempt_at        BIGINT,
  lease_owner            TEXT,
  lease_expires_at       BIGINT,
  created_at             BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL
);
-- Execution id -> row key. Filled once per import, at commit, in id order
-- (random UUIDs inserted row by row into an index cost a random page each;
-- in order, every insert appends to the rightmost leaf).
CREATE TABLE execution_ids (
  id  TEXT COLLATE "C" PRIMARY KEY,
  key BIGINT NOT NULL
);
-- "executions of batch X by status" (in-flight checks, claims, filtered
-- pages), in key order within one (batch_seq, status). Partial: imports write
-- only `prepared` rows, which it leaves out, so an upload adds nothing to it.
-- A query using it must imply status <> 'prepared' (literal statuses do;
-- with a $n status add the literal condition); queries on prepared rows or on
-- every row of a batch use the key range [FirstKey, LastKey] instead.
CREATE INDEX executions_batch_status ON executions(batch_seq, status, key) WHERE status <> 'prepared';

CREATE TABLE rejected_rows (
  batch_seq      BIGINT NOT NULL,
  line           BIGINT NOT NULL,
  pos            BIGINT NOT NULL,  -- upload order (ties of line)
  contact_number TEXT NOT NULL,
  code           TEXT NOT NULL,
  message        TEXT NOT NULL
);
CREATE INDEX rejected_rows_batch_line ON rejected_rows(batch_seq, line, pos);
)sql";

// Statements that remove the engine's rows of a batch being deleted (its
// attempts, pending webhook changes), run by DeleteBatch/DeleteAgent before
// the executions and the batch row. by_key_range: params ($1 first key, $2
// last key) of the batch's executions; else ($1 batch seq).
struct BatchCleanup {
  const char* sql;
  bool by_key_range;
};

}  // namespace batchcall::pg_sql

#include "store/postgres/pg_engine_sql.h"  // IWYU pragma: export

namespace batchcall::pg_sql {

// Migration 2: API keys can be revoked (the row stays, so a revoked key is
// never re-added) and show a prefix and when they were last used.
inline constexpr const char* kApiKeysV2 = R"sql(
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
CREATE INDEX api_keys_account ON api_keys(account_id, created_at) WHERE revoked_at IS NULL;
)sql";

// Migration 3: POST /batches answers remembered under the client's
// Idempotency-Key for 24 hours, written in the batch's own transaction.
inline constexpr const char* kIdempotencyV3 = R"sql(
CREATE TABLE idempotency_keys (
  account_id   TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
)sql";

// Migration 4: how many executions of each batch are in each status, kept
// by the transactions that change statuses (pg::ApplyStatusDeltas, one
// upsert just before COMMIT), so reading a batch's progress never counts its
// rows. One row per (batch, status, node): a node only ever updates its own
// rows, so nodes never wait for each other on a count; a batch's count is
// the sum over nodes (a row may be negative: one node imported what another
// claimed). Not a trigger: a statement-level one cost 10-25 % of the
// dispatch rate in bench/nodes_bench.py.
inline constexpr const char* kStatusCountsV4 = R"sql(
CREATE TABLE batch_status_counts (
  batch_seq BIGINT NOT NULL,
  status    TEXT COLLATE "C" NOT NULL,
  node      TEXT COLLATE "C" NOT NULL,
  n         BIGINT NOT NULL,
  PRIMARY KEY (batch_seq, status, node)
);
INSERT INTO batch_status_counts(batch_seq, status, node, n)
  SELECT batch_seq, status, '', COUNT(*) FROM executions GROUP BY batch_seq, status;
)sql";

// Migration 5: compliance (docs/compliance.md), as SQLite's migration 9:
// agents' contact_limits, executions' hold_reason, the account-wide dial
// history (one primary-key range per "dials to this number since"), and
// per-batch counts by hold_reason, one row per node as batch_status_counts.
inline constexpr const char* kComplianceV5 = R"sql(
ALTER TABLE agents ADD COLUMN contact_limits TEXT;
ALTER TABLE executions ADD COLUMN hold_reason TEXT;
CREATE TABLE dials (
  account_id TEXT COLLATE "C" NOT NULL,
  number     TEXT COLLATE "C" NOT NULL,
  at         BIGINT NOT NULL,
  attempt_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (account_id, number, at, attempt_id)
);
CREATE TABLE batch_hold_counts (
  batch_seq BIGINT NOT NULL,
  reason    TEXT COLLATE "C" NOT NULL,
  node      TEXT COLLATE "C" NOT NULL,
  n         BIGINT NOT NULL,
  PRIMARY KEY (batch_seq, reason, node)
);
CREATE TABLE execution_holds (
  execution_key BIGINT NOT NULL,
  at            BIGINT NOT NULL,
  reason        TEXT COLLATE "C" NOT NULL,
  canceled      BOOLEAN NOT NULL,
  attempt       INTEGER NOT NULL,
  until         BIGINT,
  PRIMARY KEY (execution_key, at, reason)
);
)sql";

struct Migration {
  int version;
  std::array<const char*, 2> parts;  // run in order in the migration's transaction; nullptr = none
};

// Applied in order; a shipped migration is never edited, only appended to.
inline constexpr Migration kMigrations[] = {
    {1, {kCoreSchemaV1, kEngineSchema}},
    {2, {kApiKeysV2, nullptr}},
    {3, {kIdempotencyV3, nullptr}},
    {4, {kStatusCountsV4, nullptr}},
    {5, {kComplianceV5, nullptr}},
};

// Several nodes may start at once: migrations run under this advisory lock.
inline constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(7436829100231)";
inline constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";
inline constexpr const char* kMaxMigration = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
inline constexpr const char* kInsertMigration = "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)";

// --- accounts and keys
inline constexpr const char* kSelectDefaultAccount = "SELECT id, name, created_at FROM accounts WHERE is_default";
// (id, name, created_at): the default account unless one exists already.
inline constexpr const char* kInsertDefaultAccount =
    "INSERT INTO accounts(id, name, is_default, created_at) VALUES ($1, $2, true, $3) "
    "ON CONFLICT (is_default) WHERE is_default DO NOTHING";
inline constexpr const char* kInsertAccount =
    "INSERT INTO accounts(id, name, is_default, created_at) VALUES ($1, $2, false, $3)";
inline constexpr const char* kInsertApiKey =
    "INSERT INTO api_keys(id, account_id, name, key_hash, created_at, prefix) VALUES ($1, $2, $3, $4, $5, $6)";
// Column order is the one ReadApiKey expects.
#define BC_PG_API_KEY_COLUMNS "id, account_id, name, key_hash, created_at, prefix, last_used_at"
inline constexpr const char* kSelectActiveKeyByHash =
    "SELECT " BC_PG_API_KEY_COLUMNS " FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL";
inline constexpr const char* kCountApiKeys = "SELECT COUNT(*) FROM api_keys";
// ($1 account_id or '' for every account)
inline constexpr const char* kSelectActiveKeys =
    "SELECT " BC_PG_API_KEY_COLUMNS " FROM api_keys WHERE revoked_at IS NULL AND ($1 = '' OR account_id = $1) "
    "ORDER BY created_at, id";
// ($1 now, $2 key id, $3 account_id or '')
inline constexpr const char* kRevokeApiKey =
    "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND ($3 = '' OR account_id = $3) AND revoked_at IS NULL";
// ($1 time, $2 key id)
inline constexpr const char* kRecordApiKeyUse =
    "UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $1) WHERE id = $2";

// --- agents. Column order is the one ReadAgent expects.
#define BC_PG_AGENT_COLUMNS                                                                    \
  "id, account_id, name, provider_type, provider, from_phone_numbers, webhook_url, "           \
  "welcome_message, calling_guardrails, max_concurrency, calls_per_second, retry_config, " \
  "created_at, updated_at, contact_limits"
inline constexpr const char* kInsertAgent =
    "INSERT INTO agents(" BC_PG_AGENT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
inline constexpr const char* kSelectAgent = "SELECT " BC_PG_AGENT_COLUMNS " FROM agents WHERE id = $1 AND account_id = $2";
inline constexpr const char* kSelectAgentsOfAccount =
    "SELECT " BC_PG_AGENT_COLUMNS " FROM agents WHERE account_id = $1 ORDER BY created_at, seq";
inline constexpr const char* kSelectAgentByName =
    "SELECT " BC_PG_AGENT_COLUMNS " FROM agents WHERE account_id = $1 AND name = $2 ORDER BY created_at, seq LIMIT 1";
// The 15 columns in order; matched by ($1 id, $2 account_id).
inline constexpr const char* kUpdateAgent =
    "UPDATE agents SET name = $3, provider_type = $4, provider = $5, from_phone_numbers = $6, webhook_url = $7, "
    "welcome_message = $8, calling_guardrails = $9, max_concurrency = $10, calls_per_second = $11, "
    "retry_config = $12, created_at = $13, updated_at = $14, contact_limits = $15 WHERE id = $1 AND account_id = $2";
inline constexpr const char* kDeleteAgent = "DELETE FROM agents WHERE id = $1 AND account_id = $2";
// (id, account_id): locks the agent row against concurrent deletes.
inline constexpr const char* kLockAgentOfAccount = "SELECT 1 FROM agents WHERE id = $1 AND account_id = $2 FOR UPDATE";
inline constexpr const char* kSelectAgentOfAccount =
    "SELECT 1 FROM agents WHERE id = $1 AND account_id = $2 FOR SHARE";
inline constexpr const char* kCountActiveBatchesOfAgent =
    "SELECT COUNT(*) FROM batches WHERE agent_id = $1 AND status IN ('scheduled', 'running', 'paused')";
inline constexpr const char* kSelectBatchSeqsOfAgent = "SELECT seq FROM batches WHERE agent_id = $1 FOR UPDATE";

// --- batches. Column order is the one ReadBatch expects.
#define BC_PG_BATCH_COLUMNS                                                                      \
  "seq, id, account_id, agent_id, status, scheduled_at, created_at, updated_at, file_name, "     \
  "total_contacts, valid_contacts, invalid_contacts, columns, from_phone_numbers, retry_config, " \
  "webhook_url, phone_validation, default_country, allow_duplicates, bypass_call_guardrails"
inline constexpr const char* kInsertBatch =
    "INSERT INTO batches(id, account_id, agent_id, status, scheduled_at, created_at, updated_at, "
    "file_name, columns, from_phone_numbers, retry_config, webhook_url, phone_validation, "
    "default_country, allow_duplicates, bypass_call_guardrails) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING seq";
inline constexpr const char* kSelectBatch =
    "SELECT " BC_PG_BATCH_COLUMNS " FROM batches WHERE id = $1 AND account_id = $2";
// Same, locking the row for the caller's transaction.
inline constexpr const char* kSelectBatchForUpdate =
    "SELECT " BC_PG_BATCH_COLUMNS " FROM batches WHERE id = $1 AND account_id = $2 FOR UPDATE";
inline constexpr const char* kSelectBatchBySeq = "SELECT " BC_PG_BATCH_COLUMNS " FROM batches WHERE seq = $1";
inline constexpr const char* kSelectBatchSeq = "SELECT seq FROM batches WHERE id = $1";
inline constexpr const char* kSelectBatchesOfAgent =
    "SELECT " BC_PG_BATCH_COLUMNS
    " FROM batches WHERE account_id = $1 AND agent_id = $2 ORDER BY created_at DESC, seq DESC";
// (batch_seq, status, n summed over the nodes) of every batch of an agent.
inline constexpr const char* kSelectStatusCountsOfAgent =
    "SELECT c.batch_seq, c.status, SUM(c.n)::bigint FROM batch_status_counts c JOIN batches b ON b.seq = c.batch_seq"
    " WHERE b.account_id = $1 AND b.agent_id = $2 GROUP BY c.batch_seq, c.status";
inline constexpr const char* kUpdateBatchCounts =
    "UPDATE batches SET total_contacts = $1, valid_contacts = $2, invalid_contacts = $3 WHERE seq = $4";
// --- idempotency keys
inline constexpr const char* kDeleteExpiredIdempotencyKeys = "DELETE FROM idempotency_keys WHERE created_at < $1";
inline constexpr const char* kInsertIdempotencyKey =
    "INSERT INTO idempotency_keys(account_id, key, request_hash, status, body, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
// ($1 account_id, $2 key, $3 not_before)
inline constexpr const char* kSelectIdempotencyKey =
    "SELECT account_id, key, request_hash, status, body, created_at FROM idempotency_keys "
    "WHERE account_id = $1 AND key = $2 AND created_at >= $3";
// (status, set_scheduled_at, scheduled_at, set_bypass, bypass, updated_at, seq)
inline constexpr const char* kUpdateBatchTransition =
    "UPDATE batches SET status = $1, "
    "scheduled_at = CASE WHEN $2::boolean THEN $3::bigint ELSE scheduled_at END, "
    "bypass_call_guardrails = CASE WHEN $4::boolean THEN $5::boolean ELSE bypass_call_guardrails END, "
    "updated_at = $6 WHERE seq = $7";
inline constexpr const char* kDeleteBatch = "DELETE FROM batches WHERE seq = $1";

// --- executions, rejects. Ranges are [key_lo, key_hi].
// COPY text format, one row: key, id, batch_seq, row_index, line,
// contact_number, variables, status, created_at, updated_at.
inline constexpr const char* kCopyExecutions =
    "COPY executions(key, id, batch_seq, row_index, line, contact_number, variables, status, created_at, "
    "updated_at) FROM STDIN";
// id, key; in id order.
inline constexpr const char* kCopyExecutionIds = "COPY execution_ids(id, key) FROM STDIN";
inline constexpr const char* kAnalyzeExecutions = "ANALYZE executions";
// batch_seq, line, pos, contact_number, code, message.
inline constexpr const char* kCopyRejects =
    "COPY rejected_rows(batch_seq, line, pos, contact_number, code, message) FROM STDIN";

// Column order is the one ReadExecution expects.
#define BC_PG_EXECUTION_COLUMNS                                                                 \
  "e.key, e.id, e.batch_seq, e.row_index, e.line, e.contact_number, e.variables, e.status, "    \
  "e.agent_number, e.conversation_duration, e.total_cost, e.answered_by_voice_mail, "           \
  "e.transcript, e.summary, e.extracted_data, e.telephony_data, e.error_message, "              \
  "e.retry_count, e.attempt_count, e.retry_history, e.next_attempt_at, e.created_at, e.updated_at, " \
  "e.hold_reason"
// (lo, hi, limit)
inline constexpr const char* kSelectExecutionRange =
    "SELECT " BC_PG_EXECUTION_COLUMNS " FROM executions e WHERE e.key BETWEEN $1 AND $2 ORDER BY e.key LIMIT $3";
// (batch_seq, status, lo, limit): keys of one status (not prepared) of one
// batch from lo on, in key order (executions_batch_status, no sort).
inline constexpr const char* kSelectExecutionKeysByStatus =
    "SELECT key FROM executions WHERE batch_seq = $1 AND status = $2 AND status <> 'prepared' AND key >= $3 "
    "ORDER BY key LIMIT $4";
// (lo, hi, limit): the same for prepared rows, by key range.
inline constexpr const char* kSelectPreparedKeys =
    "SELECT key FROM executions WHERE key BETWEEN $1 AND $2 AND status = 'prepared' ORDER BY key LIMIT $3";
// (keys as a bigint[] literal)
inline constexpr const char* kSelectExecutionsByKeys =
    "SELECT " BC_PG_EXECUTION_COLUMNS " FROM executions e WHERE e.key = ANY($1::bigint[]) ORDER BY e.key";
// Execution id -> its row.
#define BC_PG_KEY_OF_ID "(SELECT x.key FROM execution_ids x WHERE x.id = $1)"
inline constexpr const char* kSelectExecutionById =
    "SELECT " BC_PG_EXECUTION_COLUMNS " FROM executions e WHERE e.key = " BC_PG_KEY_OF_ID;
// (lo, hi)
// (batch_seq)
inline constexpr const char* kSelectStatusCounts =
    "SELECT status, SUM(n)::bigint FROM batch_status_counts WHERE batch_seq = $1 GROUP BY status";
// (seqs bigint[], statuses text[], changes bigint[], node): one transaction's
// changes, in (batch, status) order (so a node's own transactions lock their
// count rows in one order).
inline constexpr const char* kAddStatusCounts =
    "INSERT INTO batch_status_counts(batch_seq, status, node, n) "
    "SELECT s, st, $4, d FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(s, st, d, i) "
    "ORDER BY i ON CONFLICT (batch_seq, status, node) DO UPDATE SET n = batch_status_counts.n + EXCLUDED.n";
inline constexpr const char* kDeleteStatusCounts = "DELETE FROM batch_status_counts WHERE batch_seq = $1";
// (seqs, reasons, deltas, node): as kAddStatusCounts, for batch_hold_counts.
inline constexpr const char* kAddHoldCounts =
    "INSERT INTO batch_hold_counts(batch_seq, reason, node, n) "
    "SELECT s, r, $4, d FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(s, r, d, i) "
    "ORDER BY i ON CONFLICT (batch_seq, reason, node) DO UPDATE SET n = batch_hold_counts.n + EXCLUDED.n";
inline constexpr const char* kDeleteHoldCounts = "DELETE FROM batch_hold_counts WHERE batch_seq = $1";
// (seq): executions held by reason, summed over nodes.
inline constexpr const char* kSelectHoldCounts =
    "SELECT reason, SUM(n) FROM batch_hold_counts WHERE batch_seq = $1 GROUP BY reason HAVING SUM(n) > 0";
inline constexpr const char* kSelectAnyInFlight =
    "SELECT 1 FROM executions WHERE batch_seq = $1 AND status IN "
    "('initiated', 'ringing', 'in-progress', 'call-disconnected') LIMIT 1";
// (updated_at, lo, hi, status): run once per pre-dial status (prepared,
// queued, rescheduled, scheduled), so each move is counted.
inline constexpr const char* kStopPreDialExecutions =
    "UPDATE executions SET status = 'stopped', updated_at = $1, next_attempt_at = NULL, "
    "lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key BETWEEN $2 AND $3 AND status = $4";
// [key_lo, key_hi]; before the executions (found through them).
inline constexpr const char* kDeleteExecutionIds =
    "DELETE FROM execution_ids WHERE id IN (SELECT id FROM executions WHERE key BETWEEN $1 AND $2)";
inline constexpr const char* kDeleteExecutionRange = "DELETE FROM executions WHERE key BETWEEN $1 AND $2";
inline constexpr const char* kDeleteRejects = "DELETE FROM rejected_rows WHERE batch_seq = $1";
// (batch_seq, after_line, limit)
inline constexpr const char* kSelectRejects =
    "SELECT line, contact_number, code, message FROM rejected_rows"
    " WHERE batch_seq = $1 AND line > $2 ORDER BY line, pos LIMIT $3";
// Test hook: (id) -> key, status (locked); (key, status, updated_at)
inline constexpr const char* kSelectExecutionStatusForUpdate =
    "SELECT key, status FROM executions WHERE key = " BC_PG_KEY_OF_ID " FOR UPDATE";
inline constexpr const char* kSetExecutionStatus = "UPDATE executions SET status = $2, updated_at = $3 WHERE key = $1";

}  // namespace batchcall::pg_sql
