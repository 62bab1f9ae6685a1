// The engine, webhook and do-not-call SQL of the PostgreSQL backend
// (attempts, nodes, webhook journal/outbox/secrets, dnc) and its part of the
// migrations. Included by pg_sql.h (include that one); constants only;
// thread-safe. Values are always bound ($1, ...), never spliced.
#pragma once

#include <array>

namespace batchcall::pg_sql {

// Migration 1, engine part: runs right after kCoreSchemaV1 (which creates
// accounts, agents, batches, executions, rejected_rows) in the same
// transaction.
inline constexpr const char* kEngineSchema = R"sql(
-- Set once StartDueBatches has queued the batch's prepared rows: a running
-- batch without it (paused before its start, then resumed) still has them.
-- Prepared rows are outside executions_batch_status, so this flag replaces a
-- probe that would scan the batch's whole key range on every step.
ALTER TABLE batches ADD COLUMN prepared_queued BOOLEAN NOT NULL DEFAULT false;

-- One row per dial. execution_key is the execution's row key, so a batch's
-- attempts are one key range of attempts_execution (deletes, ListAttempts).
CREATE TABLE attempts (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY,  -- insertion order (ties)
  id               TEXT COLLATE "C" PRIMARY KEY,
  execution_key    BIGINT NOT NULL,
  execution_id     TEXT COLLATE "C" NOT NULL,
  agent_id         TEXT COLLATE "C" NOT NULL,
  account_id       TEXT COLLATE "C" NOT NULL,
  batch_id         TEXT COLLATE "C" NOT NULL,
  number           BIGINT NOT NULL,  -- 1-based
  idempotency_key  TEXT COLLATE "C" NOT NULL UNIQUE,
  provider_call_id TEXT NOT NULL DEFAULT '',
  from_number      TEXT NOT NULL,
  status           TEXT NOT NULL,
  started_at       BIGINT NOT NULL,
  ended_at         BIGINT,            -- NULL while open
  duration         DOUBLE PRECISION,
  ring_duration    DOUBLE PRECISION,
  cost             DOUBLE PRECISION,
  voicemail        BOOLEAN,
  recording_url    TEXT,
  hangup_by        TEXT,
  hangup_reason    TEXT,
  error_message    TEXT,
  owner            TEXT COLLATE "C" NOT NULL DEFAULT ''  -- the node (worker) tracking the call
);
CREATE INDEX attempts_execution ON attempts(execution_key, number);
CREATE INDEX attempts_open ON attempts(started_at) WHERE ended_at IS NULL;
CREATE INDEX attempts_agent_open ON attempts(agent_id) WHERE ended_at IS NULL;
CREATE INDEX attempts_agent_started ON attempts(agent_id, started_at);

CREATE TABLE nodes (
  worker       TEXT COLLATE "C" PRIMARY KEY,
  heartbeat_at BIGINT NOT NULL
);

CREATE TABLE dnc (
  account_id TEXT COLLATE "C" NOT NULL,
  number     TEXT COLLATE "C" NOT NULL,  -- E.164
  reason     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, number)
);

-- Due retries and calling-hours waits of a batch, by time: claims and NextDueTime.
CREATE INDEX executions_due ON executions(batch_seq, next_attempt_at)
  WHERE status IN ('scheduled', 'rescheduled');

-- Webhooks. Status changes that must reach a receiver, written by triggers
-- in the transaction of the change itself.
CREATE TABLE webhook_journal (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          TEXT NOT NULL,     -- 'execution' | 'batch'
  execution_key BIGINT,            -- kind 'execution': the execution's row key
  batch_seq     BIGINT NOT NULL,
  status        TEXT NOT NULL,     -- the status it changed to
  at            BIGINT NOT NULL    -- the row's updated_at after the change
);

-- Executions: one statement-level trigger with transition tables (a per-row
-- PL/pgSQL trigger measured 3x the cost of a bulk status update; this one
-- adds ~1/3 and nothing per row when no agent of the touched batches has a
-- webhook_url). PostgreSQL allows no column list with transition tables, so
-- it runs after every UPDATE of executions and filters status changes itself.
CREATE FUNCTION executions_webhook_journal() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  seqs BIGINT[];
BEGIN
  SELECT array_agg(b.seq) INTO seqs FROM batches b JOIN agents a ON a.id = b.agent_id
   WHERE b.seq IN (SELECT DISTINCT n.batch_seq FROM new_rows n) AND a.webhook_url <> '';
  IF seqs IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_journal(kind, execution_key, batch_seq, status, at)
  SELECT 'execution', n.key, n.batch_seq, n.status, n.updated_at
    FROM new_rows n JOIN old_rows o ON o.key = n.key
   WHERE n.batch_seq = ANY(seqs) AND n.status IS DISTINCT FROM o.status
   ORDER BY n.key;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER executions_webhook_journal AFTER UPDATE ON executions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION executions_webhook_journal();

-- A batch reached completed or stopped and has a webhook_url.
CREATE FUNCTION batches_webhook_journal() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO webhook_journal(kind, execution_key, batch_seq, status, at)
  VALUES ('batch', NULL, NEW.seq, NEW.status, NEW.updated_at);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER batches_webhook_journal AFTER UPDATE OF status ON batches FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('completed', 'stopped')
        AND NEW.webhook_url <> '')
  EXECUTE FUNCTION batches_webhook_journal();

-- Deliveries. `head` marks the oldest pending row of its order_key, the only
-- one that may be claimed.
CREATE TABLE webhook_outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        TEXT COLLATE "C" NOT NULL UNIQUE,
  account_id      TEXT COLLATE "C" NOT NULL,
  url             TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  order_key       TEXT COLLATE "C" NOT NULL,
  body            TEXT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  created_at      BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           TEXT NOT NULL DEFAULT 'pending',  -- 'pending' | 'dead'
  head            BOOLEAN NOT NULL DEFAULT false,
  lease_owner     TEXT,
  lease_until     BIGINT
);
CREATE INDEX webhook_outbox_heads ON webhook_outbox(next_attempt_at, id) WHERE state = 'pending' AND head;
CREATE INDEX webhook_outbox_order ON webhook_outbox(order_key, id) WHERE state = 'pending';

-- Per-account signing secrets ("v1:..." sealed, or "plain:...").
CREATE TABLE webhook_secrets (
  account_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts(id),
  current        TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  previous       TEXT,
  previous_until BIGINT
);
)sql";

// Removes the engine's rows of a batch being deleted (see BatchCleanup in pg_sql.h).
inline constexpr std::array<BatchCleanup, 3> kEngineBatchCleanup{{
    {"DELETE FROM attempts WHERE execution_key BETWEEN $1 AND $2", true},
    {"DELETE FROM execution_holds WHERE execution_key BETWEEN $1 AND $2", true},
    {"DELETE FROM webhook_journal WHERE batch_seq = $1", false},
}};

// --- engine: batches. Key ranges are [$lo, $hi] of one batch.
// (now)
inline constexpr const char* kSelectDueBatchSeqs =
    "SELECT seq, id FROM batches WHERE status = 'scheduled' AND (scheduled_at IS NULL OR scheduled_at <= $1) "
    "ORDER BY seq";
// Running batches whose prepared rows were never queued.
inline constexpr const char* kSelectUnqueuedRunningSeqs =
    "SELECT seq FROM batches WHERE status = 'running' AND NOT prepared_queued ORDER BY seq";
// (now, seq): row-locks the batch; 0 rows when it is no longer scheduled.
inline constexpr const char* kStartBatch =
    "UPDATE batches SET status = 'running', prepared_queued = true, updated_at = $1 "
    "WHERE seq = $2 AND status = 'scheduled'";
// (seq): 1 row when still running and unqueued (locks it).
inline constexpr const char* kMarkPreparedQueued =
    "UPDATE batches SET prepared_queued = true WHERE seq = $1 AND status = 'running' AND NOT prepared_queued";
// (now, lo, hi)
inline constexpr const char* kQueuePrepared =
    "UPDATE executions SET status = 'queued', updated_at = $1 WHERE key BETWEEN $2 AND $3 AND status = 'prepared'";
// seq, id, prepared_queued. (The statements selecting BC_PG_BATCH_COLUMNS /
// BC_PG_EXECUTION_COLUMNS live in pg_engine.cc: those macros are defined in
// pg_sql.h after this file is included.)
inline constexpr const char* kSelectRunningBatchSeqs =
    "SELECT seq, id, prepared_queued FROM batches WHERE status = 'running' ORDER BY seq";
// (seq): 1 when a queued, waiting or in-flight row is left (executions_batch_status).
inline constexpr const char* kAnyOpenExecution =
    "SELECT 1 FROM executions WHERE batch_seq = $1 AND status IN "
    "('queued', 'rescheduled', 'scheduled', 'initiated', 'ringing', 'in-progress', 'call-disconnected') LIMIT 1";
// (lo, hi): 1 when a prepared row is left (only asked while prepared_queued is false).
inline constexpr const char* kAnyPrepared =
    "SELECT 1 FROM executions WHERE key BETWEEN $1 AND $2 AND status = 'prepared' LIMIT 1";
// (now, seq)
inline constexpr const char* kCompleteBatch =
    "UPDATE batches SET status = 'completed', updated_at = $1 WHERE seq = $2 AND status = 'running'";
inline constexpr const char* kMinScheduledAt =
    "SELECT MIN(COALESCE(scheduled_at, 0)) FROM batches WHERE status = 'scheduled'";
// (seq): earliest wait of the batch (executions_due).
inline constexpr const char* kMinNextAttemptAt =
    "SELECT next_attempt_at FROM executions WHERE batch_seq = $1 AND status IN ('scheduled', 'rescheduled') "
    "AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1";

// --- claims. A lease is free when unowned, expired, or the caller's.
// (seq, now, worker, limit): locked with SKIP LOCKED, so concurrent claimers
// take disjoint rows; PostgreSQL re-checks the WHERE on a row changed by a
// transaction that committed meanwhile.
#define BC_PG_LEASE_FREE "(lease_owner IS NULL OR lease_expires_at <= $2 OR lease_owner = $3)"
inline constexpr const char* kLockDueRetryKeys =
    "SELECT key, status FROM executions WHERE batch_seq = $1 AND status IN ('scheduled', 'rescheduled') "
    "AND next_attempt_at <= $2 AND " BC_PG_LEASE_FREE " ORDER BY next_attempt_at, key LIMIT $4 "
    "FOR UPDATE SKIP LOCKED";
inline constexpr const char* kLockQueuedKeys =
    "SELECT key FROM executions WHERE batch_seq = $1 AND status = 'queued' AND " BC_PG_LEASE_FREE
    " ORDER BY key LIMIT $4 FOR UPDATE SKIP LOCKED";
// (next_attempt_at, now, id, worker)
inline constexpr const char* kRescheduleExecution =
    "UPDATE executions SET status = 'rescheduled', next_attempt_at = $1, updated_at = $2, hold_reason = $5, "
    "lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = (SELECT x.key FROM execution_ids x WHERE x.id = $3) AND status = 'queued' AND lease_owner = $4 "
    "RETURNING key";
// (error_message, now, id, worker, hold_reason)
inline constexpr const char* kCancelExecution =
    "UPDATE executions SET status = 'canceled', error_message = $1, updated_at = $2, next_attempt_at = NULL, "
    "hold_reason = $5, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = (SELECT x.key FROM execution_ids x WHERE x.id = $3) AND status = 'queued' AND lease_owner = $4 "
    "RETURNING key";
// (ids as text[], worker)
inline constexpr const char* kReleaseExecutions =
    "UPDATE executions SET lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key IN (SELECT x.key FROM execution_ids x WHERE x.id = ANY($1::text[])) AND lease_owner = $2";
// (keys as bigint[], worker)
inline constexpr const char* kReleaseExecutionKeys =
    "UPDATE executions SET lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = ANY($1::bigint[]) AND lease_owner = $2";

// --- attempt starts
// Batch locks of the engine's writes: FOR KEY SHARE, in seq order, before
// any execution row. It conflicts with the FOR UPDATE of TransitionBatch /
// StopBatch / DeleteBatch (a pause or stop waits for the engine write, or the
// write sees it) but not with other engine writes or plain batch UPDATEs.
// (execution ids as text[]): the batches of these executions.
inline constexpr const char* kLockBatchesOfExecutions =
    "SELECT b.seq FROM batches b WHERE b.seq IN (SELECT e.batch_seq FROM execution_ids x "
    "JOIN executions e ON e.key = x.key WHERE x.id = ANY($1::text[])) ORDER BY b.seq FOR KEY SHARE";
// (attempt ids as text[]): the batches of these attempts.
inline constexpr const char* kLockBatchesOfAttempts =
    "SELECT b.seq FROM batches b WHERE b.seq IN (SELECT e.batch_seq FROM attempts a "
    "JOIN executions e ON e.key = a.execution_key WHERE a.id = ANY($1::text[])) ORDER BY b.seq FOR KEY SHARE";
// (execution id) -> key, status, lease_owner, batch status, account, batch id, agent id; the execution locked.
inline constexpr const char* kSelectExecutionForStart =
    "SELECT e.key, e.status, e.lease_owner, b.status, b.account_id, b.id, b.agent_id, e.contact_number, "
    "e.hold_reason "
    "FROM executions e JOIN batches b ON b.seq = e.batch_seq "
    "WHERE e.key = (SELECT x.key FROM execution_ids x WHERE x.id = $1) FOR UPDATE OF e";
// (execution ids as text[]): the distinct (account, number) of these
// executions, in lock order.
inline constexpr const char* kSelectNumbersOfExecutions =
    "SELECT DISTINCT b.account_id, e.contact_number FROM execution_ids x JOIN executions e ON e.key = x.key "
    "JOIN batches b ON b.seq = e.batch_seq WHERE x.id = ANY($1::text[]) ORDER BY 1, 2";
// (account, number): serialises contact-limit checks of one number across
// nodes (every BeginAttempts that checks it takes this lock first, in
// (account, number) order).
inline constexpr const char* kLockNumberDials =
    "SELECT pg_advisory_xact_lock(hashtextextended('batchcall number dials ' || $1 || ' ' || $2, 0))";
// (account, number, at, attempt id)
inline constexpr const char* kInsertDial =
    "INSERT INTO dials(account_id, number, at, attempt_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
// (account, number, since): its dials at or after since, ascending.
inline constexpr const char* kSelectDialsSince =
    "SELECT at FROM dials WHERE account_id = $1 AND number = $2 AND at >= $3 ORDER BY at";
// (account, numbers as text[], since): their dials at or after since, by number then time.
inline constexpr const char* kSelectDialsOfNumbersSince =
    "SELECT number, at FROM dials WHERE account_id = $1 AND number = ANY($2::text[]) AND at >= $3 "
    "ORDER BY number, at";
// (key, at, reason, canceled, attempt, until)
inline constexpr const char* kInsertHold =
    "INSERT INTO execution_holds(execution_key, at, reason, canceled, attempt, until) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
// (execution id)
inline constexpr const char* kSelectHoldsOfExecution =
    "SELECT h.at, h.canceled, h.reason, h.attempt, h.until FROM execution_ids x "
    "JOIN execution_holds h ON h.execution_key = x.key WHERE x.id = $1 ORDER BY h.at";
// (account, number, at, attempt id): by the primary key.
inline constexpr const char* kDeleteDial =
    "DELETE FROM dials WHERE account_id = $1 AND number = $2 AND at = $3 AND attempt_id = $4";
// Serialises BeginAttemptsLimited per agent across nodes (agent id). An
// advisory lock rather than the agent row: an upload holds that row FOR
// SHARE for its whole transaction and must not stall the agent's dials.
inline constexpr const char* kLockAgentDials =
    "SELECT pg_advisory_xact_lock(hashtextextended('batchcall agent dials ' || $1, 0))";
inline constexpr const char* kCountAgentOpenAttempts =
    "SELECT count(*) FROM attempts WHERE agent_id = $1 AND ended_at IS NULL";
// (agent id, since)
inline constexpr const char* kCountAgentStartedSince =
    "SELECT count(*) FROM attempts WHERE agent_id = $1 AND started_at > $2";
// (id, key, execution id, agent, account, batch id, number, idempotency key, from, now, owner)
inline constexpr const char* kInsertAttempt =
    "INSERT INTO attempts(id, execution_key, execution_id, agent_id, account_id, batch_id, number, "
    "idempotency_key, from_number, status, started_at, owner) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'initiated', $10, $11)";
// (from_number, now, key)
inline constexpr const char* kBeginExecution =
    "UPDATE executions SET status = 'initiated', agent_number = $1, attempt_count = attempt_count + 1, "
    "updated_at = $2, next_attempt_at = NULL, hold_reason = NULL, lease_owner = NULL, lease_expires_at = NULL "
    "WHERE key = $3";
// (provider_call_id, attempt id)
inline constexpr const char* kSetProviderCallId = "UPDATE attempts SET provider_call_id = $1 WHERE id = $2";

// --- nodes
// (worker, now)
inline constexpr const char* kHeartbeat =
    "INSERT INTO nodes(worker, heartbeat_at) VALUES ($1, $2) "
    "ON CONFLICT (worker) DO UPDATE SET heartbeat_at = GREATEST(nodes.heartbeat_at, EXCLUDED.heartbeat_at)";
// (worker, include own, stale_before): the adoptable open attempts, locked
// (SKIP LOCKED: two adopters never both take one).
inline constexpr const char* kLockOrphanAttempts =
    "SELECT a.id FROM attempts a LEFT JOIN nodes n ON n.worker = a.owner WHERE a.ended_at IS NULL AND "
    "((a.owner = $1 AND $2::boolean) OR (a.owner <> $1 AND (n.heartbeat_at IS NULL OR n.heartbeat_at < $3))) "
    "ORDER BY a.started_at, a.seq FOR UPDATE OF a SKIP LOCKED";
// (worker, attempt ids as text[])
inline constexpr const char* kSetAttemptOwners = "UPDATE attempts SET owner = $1 WHERE id = ANY($2::text[])";
// (attempt ids as text[]): those still open.
inline constexpr const char* kSelectOpenAttemptIds =
    "SELECT id FROM attempts WHERE id = ANY($1::text[]) AND ended_at IS NULL";

// --- call updates
// (attempt ids as text[]): locks the attempts and their executions in key
// order (after kLockBatchesOfAttempts).
inline constexpr const char* kLockAttemptsForUpdate =
    "SELECT a.id FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.id = ANY($1::text[]) "
    "ORDER BY a.execution_key, a.id FOR UPDATE OF a, e";
// (attempt id) -> what ApplyCallUpdates needs.
inline constexpr const char* kSelectAttemptForUpdate =
    "SELECT a.execution_key, a.status, a.ended_at IS NOT NULL, a.number, a.started_at, a.from_number, "
    "a.provider_call_id, a.agent_id, a.execution_id, e.status, e.contact_number, b.status, a.account_id "
    "FROM attempts a JOIN executions e ON e.key = a.execution_key JOIN batches b ON b.seq = e.batch_seq "
    "WHERE a.id = $1";
inline constexpr const char* kSelectAgentProviderType = "SELECT provider_type FROM agents WHERE id = $1";
// (status, provider_call_id, id)
inline constexpr const char* kAdvanceAttempt =
    "UPDATE attempts SET status = $1, "
    "provider_call_id = CASE WHEN provider_call_id = '' THEN $2 ELSE provider_call_id END WHERE id = $3";
// (status, now, key)
inline constexpr const char* kAdvanceExecution = "UPDATE executions SET status = $1, updated_at = $2 WHERE key = $3";
// (status, ended_at, duration, ring, cost, voicemail, recording_url, hangup_by, hangup_reason,
//  error_message, provider_call_id, id)
inline constexpr const char* kCloseAttempt =
    "UPDATE attempts SET status = $1, ended_at = $2, duration = $3, ring_duration = $4, cost = $5, "
    "voicemail = $6, recording_url = $7, hangup_by = $8, hangup_reason = $9, error_message = $10, "
    "provider_call_id = CASE WHEN provider_call_id = '' THEN $11 ELSE provider_call_id END "
    "WHERE id = $12 AND ended_at IS NULL";
// $1 status, $2 now, $3 retry (0/1), $4 next_attempt_at, $5 duration, $6 cost, $7 voicemail,
// $8 transcript, $9 summary, $10 extracted_data, $11 telephony_data, $12 error_message,
// $13 history attempt, $14 history status, $15 history at, $16 key
inline constexpr const char* kFinishExecution =
    "UPDATE executions SET status = $1, updated_at = $2, "
    "retry_count = retry_count + $3::bigint, next_attempt_at = $4::bigint, "
    "conversation_duration = $5, total_cost = total_cost + $6::double precision, answered_by_voice_mail = $7, "
    "transcript = $8, summary = $9, extracted_data = $10, telephony_data = $11, error_message = $12, "
    "retry_history = (COALESCE(retry_history::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_object("
    "'attempt', $13::bigint, 'status', $14::text, 'at', $15::bigint)))::text, "
    "lease_owner = NULL, lease_expires_at = NULL WHERE key = $16";
// Records the outcome in the history only: (now, attempt, status, at, key).
inline constexpr const char* kAppendHistory =
    "UPDATE executions SET updated_at = $1, "
    "retry_history = (COALESCE(retry_history::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_object("
    "'attempt', $2::bigint, 'status', $3::text, 'at', $4::bigint)))::text WHERE key = $5";

// --- attempt reads
#define BC_PG_ATTEMPT_COLUMNS                                                                          \
  "a.id, a.execution_id, a.agent_id, a.number, a.idempotency_key, a.provider_call_id, a.from_number, " \
  "a.status, a.started_at, a.ended_at"
#define BC_PG_OPEN_ATTEMPT_COLUMNS BC_PG_ATTEMPT_COLUMNS ", a.account_id, a.batch_id, e.retry_count, e.contact_number"
inline constexpr const char* kSelectOpenAttempts =
    "SELECT " BC_PG_OPEN_ATTEMPT_COLUMNS
    " FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.ended_at IS NULL "
    "ORDER BY a.started_at, a.seq";
inline constexpr const char* kSelectAttemptById =
    "SELECT " BC_PG_OPEN_ATTEMPT_COLUMNS " FROM attempts a JOIN executions e ON e.key = a.execution_key WHERE a.id = $1";
// (attempt ids as text[])
inline constexpr const char* kSelectAttemptsByIds =
    "SELECT " BC_PG_OPEN_ATTEMPT_COLUMNS " FROM attempts a JOIN executions e ON e.key = a.execution_key "
    "WHERE a.id = ANY($1::text[]) ORDER BY a.started_at, a.seq";
inline constexpr const char* kSelectLatestAttempt =
    "SELECT " BC_PG_OPEN_ATTEMPT_COLUMNS " FROM attempts a JOIN executions e ON e.key = a.execution_key "
    "WHERE a.execution_key = (SELECT x.key FROM execution_ids x WHERE x.id = $1) "
    "ORDER BY a.number DESC, a.started_at DESC, a.seq DESC LIMIT 1";
inline constexpr const char* kSelectAttemptsOfExecution =
    "SELECT " BC_PG_ATTEMPT_COLUMNS " FROM attempts a "
    "WHERE a.execution_key = (SELECT x.key FROM execution_ids x WHERE x.id = $1) ORDER BY a.number, a.started_at, a.seq";

// --- do-not-call
inline constexpr const char* kInsertDnc =
    "INSERT INTO dnc(account_id, number, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
inline constexpr const char* kSelectDncPage =
    "SELECT number, reason, created_at FROM dnc WHERE account_id = $1 AND number > $2 ORDER BY number LIMIT $3";
inline constexpr const char* kDeleteDnc = "DELETE FROM dnc WHERE account_id = $1 AND number = $2";
// (account, numbers as text[])
inline constexpr const char* kFilterDncReasons =
    "SELECT number, reason FROM dnc WHERE account_id = $1 AND number = ANY($2::text[])";

// --- webhooks
// (limit): the oldest changes; a change whose object is gone comes back with
// NULL account, object and url. seq, kind, status, at, account_id, object_id, url.
inline constexpr const char* kSelectWebhookChanges =
    "SELECT j.seq, j.kind, j.status, j.at, b.account_id, "
    "CASE WHEN j.kind = 'execution' THEN e.id ELSE b.id END, "
    "CASE WHEN j.kind = 'execution' THEN a.webhook_url ELSE b.webhook_url END "
    "FROM webhook_journal j "
    "LEFT JOIN executions e ON j.kind = 'execution' AND e.key = j.execution_key "
    "LEFT JOIN batches b ON b.seq = j.batch_seq "
    "LEFT JOIN agents a ON j.kind = 'execution' AND a.id = b.agent_id "
    "ORDER BY j.seq LIMIT $1";
inline constexpr const char* kDeleteWebhookChange = "DELETE FROM webhook_journal WHERE seq = $1";
// (order_key): serialises inserts and head moves of one order_key.
inline constexpr const char* kLockOrderKey = "SELECT pg_advisory_xact_lock(hashtextextended('batchcall webhook order ' || $1, 0))";
// (event_id, account_id, url, event_type, order_key, body, attempts, created_at, next_attempt_at, last_error)
inline constexpr const char* kInsertWebhookDelivery =
    "INSERT INTO webhook_outbox(event_id, account_id, url, event_type, order_key, body, attempts, created_at, "
    "next_attempt_at, last_error, state, head) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', "
    "NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE order_key = $5 AND state = 'pending')) "
    "ON CONFLICT (event_id) DO NOTHING";
#define BC_PG_DELIVERY_COLUMNS                                                                         \
  "id, event_id, account_id, url, event_type, order_key, body, attempts, created_at, next_attempt_at, " \
  "last_error"
// (now, limit, worker, lease_until): due heads without a live lease, oldest due first, leased.
inline constexpr const char* kClaimDeliveries =
    "WITH due AS (SELECT id FROM webhook_outbox WHERE state = 'pending' AND head AND next_attempt_at <= $1 "
    "AND (lease_owner IS NULL OR lease_until <= $1) ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE webhook_outbox w SET lease_owner = $3, lease_until = $4 FROM due WHERE w.id = due.id "
    "RETURNING w.id, w.event_id, w.account_id, w.url, w.event_type, w.order_key, w.body, w.attempts, "
    "w.created_at, w.next_attempt_at, w.last_error";
inline constexpr const char* kSelectDeliveryOrderKey = "SELECT order_key FROM webhook_outbox WHERE id = $1";
inline constexpr const char* kDeleteDelivery = "DELETE FROM webhook_outbox WHERE id = $1";
// (error, next_attempt_at or NULL = dead, id)
inline constexpr const char* kFailDelivery =
    "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $1, "
    "next_attempt_at = COALESCE($2::bigint, next_attempt_at), "
    "state = CASE WHEN $2::bigint IS NULL THEN 'dead' ELSE state END, "
    "head = CASE WHEN $2::bigint IS NULL THEN false ELSE head END, "
    "lease_owner = NULL, lease_until = NULL WHERE id = $3";
// (order_key): the oldest pending row becomes the head.
inline constexpr const char* kPromoteDeliveryHead =
    "UPDATE webhook_outbox SET head = true WHERE id = "
    "(SELECT MIN(id) FROM webhook_outbox WHERE order_key = $1 AND state = 'pending') AND NOT head";
inline constexpr const char* kSelectWebhookBacklog =
    "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'dead'), "
    "MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) FILTER (WHERE state = 'pending' AND head) "
    "FROM webhook_outbox";
// (account_id, sealed secret, now, previous_until)
inline constexpr const char* kRotateWebhookSecret =
    "INSERT INTO webhook_secrets(account_id, current, created_at, previous, previous_until) "
    "VALUES ($1, $2, $3, NULL, NULL) ON CONFLICT (account_id) DO UPDATE SET "
    "previous = webhook_secrets.current, previous_until = $4, "
    "current = EXCLUDED.current, created_at = EXCLUDED.created_at";
inline constexpr const char* kSelectWebhookSecrets =
    "SELECT current, created_at, previous, previous_until FROM webhook_secrets WHERE account_id = $1";

}  // namespace batchcall::pg_sql
