// The schema of the SQLite backend: its numbered migrations (applied in
// order by SqliteStore::Open; a shipped one is never edited, only appended
// to). Included by sqlite_sql.h. Constants only; thread-safe.
#pragma once

namespace batchcall::sqlite_sql {

struct Migration {
  int version;
  const char* sql;  // one or more statements, run in the migration's transaction
};

// Applied in order; a shipped migration is never edited, only appended to.
inline constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE accounts (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_default ON accounts(is_default) WHERE is_default = 1;

CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE agents (
  id                 TEXT PRIMARY KEY,
  account_id         TEXT NOT NULL REFERENCES accounts(id),
  name               TEXT NOT NULL,
  provider_type      TEXT NOT NULL,
  provider           TEXT NOT NULL,  -- JSON, or SecretBox-sealed JSON ("v1:...")
  from_phone_numbers TEXT NOT NULL,  -- JSON array
  webhook_url        TEXT,
  welcome_message    TEXT NOT NULL,
  calling_guardrails TEXT,           -- JSON object or NULL
  max_concurrency    INTEGER NOT NULL,
  calls_per_second   REAL NOT NULL,
  retry_config       TEXT,           -- JSON object or NULL
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX agents_account_name ON agents(account_id, name);

CREATE TABLE batches (
  seq                    INTEGER PRIMARY KEY AUTOINCREMENT,  -- internal row-key prefix
  id                     TEXT NOT NULL UNIQUE,               -- 32 hex
  account_id             TEXT NOT NULL REFERENCES accounts(id),
  agent_id               TEXT NOT NULL REFERENCES agents(id),
  status                 TEXT NOT NULL,
  scheduled_at           INTEGER,
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL,
  file_name              TEXT NOT NULL,
  total_contacts         INTEGER NOT NULL DEFAULT 0,
  valid_contacts         INTEGER NOT NULL DEFAULT 0,
  invalid_contacts       INTEGER NOT NULL DEFAULT 0,
  columns                TEXT NOT NULL,  -- JSON array of variable column names
  from_phone_numbers     TEXT NOT NULL,  -- JSON array
  retry_config           TEXT,           -- JSON object or NULL
  webhook_url            TEXT,
  phone_validation       TEXT NOT NULL,
  default_country        TEXT NOT NULL,
  allow_duplicates       INTEGER NOT NULL,
  bypass_call_guardrails INTEGER NOT NULL
);
CREATE INDEX batches_account_agent ON batches(account_id, agent_id, created_at);
CREATE INDEX batches_status ON batches(status);

-- One row per valid contact: the uploaded contact and its execution. (A
-- separate contacts table would cost a second B-tree insert per row at
-- import and buys nothing: the WAL writes whole pages either way.)
CREATE TABLE executions (
  key                    INTEGER PRIMARY KEY,
  id                     TEXT NOT NULL,  -- hyphenated UUID
  batch_seq              INTEGER NOT NULL,
  row_index              INTEGER NOT NULL,
  line                   INTEGER NOT NULL,  -- the contact, as uploaded
  contact_number         TEXT NOT NULL,
  variables              TEXT NOT NULL,     -- JSON array of strings, aligned with batches.columns
  status                 TEXT NOT NULL,
  agent_number           TEXT NOT NULL DEFAULT '',
  conversation_duration  REAL NOT NULL DEFAULT 0,
  total_cost             REAL NOT NULL DEFAULT 0,
  answered_by_voice_mail INTEGER NOT NULL DEFAULT 0,
  transcript             TEXT NOT NULL DEFAULT '',
  summary                TEXT NOT NULL DEFAULT '',
  extracted_data         TEXT,  -- JSON or NULL
  telephony_data         TEXT,  -- JSON or NULL
  error_message          TEXT NOT NULL DEFAULT '',
  retry_count            INTEGER NOT NULL DEFAULT 0,
  attempt_count          INTEGER NOT NULL DEFAULT 0,
  retry_history          TEXT,  -- JSON array of {attempt, status, at} or NULL
  next_attempt_at        INTEGER,
  lease_owner            TEXT,
  lease_expires_at       INTEGER,
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
);
-- Execution id -> row key. Filled once per import, at commit, in id order:
-- random UUIDs inserted row by row into an index cost a random page each.
CREATE TABLE execution_ids (
  id  TEXT PRIMARY KEY,
  key INTEGER NOT NULL
) WITHOUT ROWID;
-- Serves "executions of batch X by status" (counts, stop, claims, filtered
-- pages); within one (batch_seq, status) entries are ordered by key.
CREATE INDEX executions_batch_status ON executions(batch_seq, status);

CREATE VIEW contacts AS
  SELECT batch_seq, row_index, line, contact_number, variables FROM executions;

CREATE TABLE rejected_rows (
  batch_seq      INTEGER NOT NULL,
  line           INTEGER NOT NULL,
  contact_number TEXT NOT NULL,
  code           TEXT NOT NULL,
  message        TEXT NOT NULL
);
CREATE INDEX rejected_rows_batch_line ON rejected_rows(batch_seq, line);
)sql"},
    {2, R"sql(
-- One row per dial. execution_key is the execution's row key, so a batch's
-- attempts are one key range of attempts_execution (deletes, ListAttempts).
CREATE TABLE attempts (
  id               TEXT PRIMARY KEY,  -- hyphenated UUID
  execution_key    INTEGER NOT NULL,
  execution_id     TEXT NOT NULL,
  agent_id         TEXT NOT NULL,
  account_id       TEXT NOT NULL,
  batch_id         TEXT NOT NULL,
  number           INTEGER NOT NULL,  -- 1-based
  idempotency_key  TEXT NOT NULL UNIQUE,
  provider_call_id TEXT NOT NULL DEFAULT '',
  from_number      TEXT NOT NULL,
  status           TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  ended_at         INTEGER,            -- NULL while open
  duration         REAL,
  ring_duration    REAL,
  cost             REAL,
  voicemail        INTEGER,
  recording_url    TEXT,
  hangup_by        TEXT,
  hangup_reason    TEXT,
  error_message    TEXT
);
CREATE INDEX attempts_execution ON attempts(execution_key, number);
CREATE INDEX attempts_open ON attempts(started_at) WHERE ended_at IS NULL;

CREATE TABLE dnc (
  account_id TEXT NOT NULL,
  number     TEXT NOT NULL,  -- E.164
  reason     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, number)
) WITHOUT ROWID;

-- Due retries and calling-hours waits of a batch, by time: claims and NextDueTime.
CREATE INDEX executions_due ON executions(batch_seq, next_attempt_at)
  WHERE status IN ('scheduled', 'rescheduled');
-- Batch starts and NextDueTime.
CREATE INDEX batches_status_scheduled ON batches(status, scheduled_at);
)sql"},
    {3, R"sql(
-- Webhooks. Status changes that must reach a receiver, written by triggers in
-- the transaction of the change itself; the webhook service turns them into
-- outbox deliveries (EnqueueWebhooks) and removes them.
CREATE TABLE webhook_journal (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL,     -- 'execution' | 'batch'
  execution_key INTEGER,           -- kind 'execution': the execution's row key
  batch_seq     INTEGER NOT NULL,  -- the batch (of the execution)
  status        TEXT NOT NULL,     -- the status it changed to
  at            INTEGER NOT NULL   -- the row's updated_at after the change
);

-- The executions trigger (kCreateExecutionWebhookTrigger) is not created
-- here: the store keeps it only while some agent has a webhook_url.

-- A batch reached completed or stopped and has a webhook_url.
CREATE TRIGGER batches_webhook_journal AFTER UPDATE OF status ON batches
WHEN NEW.status IS NOT OLD.status AND NEW.status IN ('completed', 'stopped') AND NEW.webhook_url <> ''
BEGIN
  INSERT INTO webhook_journal(kind, execution_key, batch_seq, status, at)
  VALUES ('batch', NULL, NEW.seq, NEW.status, NEW.updated_at);
END;

-- Deliveries. `head` marks the oldest pending row of its order_key, the only
-- one that may be claimed; it moves to the next row when the head is
-- delivered or given up (state 'dead').
CREATE TABLE webhook_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL UNIQUE,
  account_id      TEXT NOT NULL,
  url             TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  order_key       TEXT NOT NULL,
  body            TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           TEXT NOT NULL DEFAULT 'pending',  -- 'pending' | 'dead'
  head            INTEGER NOT NULL DEFAULT 0,
  lease_owner     TEXT,
  lease_until     INTEGER
);
-- Claims: due heads in due order.
CREATE INDEX webhook_outbox_heads ON webhook_outbox(next_attempt_at, id) WHERE state = 'pending' AND head = 1;
-- The pending rows of one order_key in id order (head at insert, promotion).
CREATE INDEX webhook_outbox_order ON webhook_outbox(order_key, id) WHERE state = 'pending';

-- Per-account signing secrets, sealed with the SecretBox ("v1:...") or
-- stored as "plain:..." when no box is configured.
CREATE TABLE webhook_secrets (
  account_id     TEXT PRIMARY KEY REFERENCES accounts(id),
  current        TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  previous       TEXT,
  previous_until INTEGER
);
)sql"},
    {4, R"sql(
-- Many nodes (and restarts): which node owns an open attempt, node
-- heartbeats, and the per-agent counts BeginAttemptsLimited makes.
ALTER TABLE attempts ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX attempts_agent_open ON attempts(agent_id) WHERE ended_at IS NULL;
CREATE INDEX attempts_agent_started ON attempts(agent_id, started_at);
CREATE TABLE nodes (
  worker       TEXT PRIMARY KEY,
  heartbeat_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {5, R"sql(
-- API keys can be revoked (the row stays, so a revoked key is never re-added)
-- and show a prefix and when they were last used.
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER;
CREATE INDEX api_keys_account ON api_keys(account_id, created_at) WHERE revoked_at IS NULL;
)sql"},
    {6, R"sql(
-- POST /batches answers remembered under the client's Idempotency-Key for
-- 24 hours, written in the batch's own transaction.
CREATE TABLE idempotency_keys (
  account_id   TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
)sql"},
    {7, R"sql(
-- How many executions of each batch are in each status, kept in the
-- transaction of every change, so that reading a batch's progress never
-- counts its rows. Each transaction that changes statuses adds its changes
-- per (batch, status) before it commits (kAddStatusCount); an import adds its
-- rows (all 'prepared'); DeleteBatchRows deletes the batch's counts. Not a
-- trigger: one on executions costs every status update (+20 % CPU per call
-- in bench_dispatch), a transaction's few upserts nothing measurable.
CREATE TABLE batch_status_counts (
  batch_seq INTEGER NOT NULL,
  status    TEXT NOT NULL,
  n         INTEGER NOT NULL,
  PRIMARY KEY (batch_seq, status)
) WITHOUT ROWID;
INSERT INTO batch_status_counts(batch_seq, status, n)
  SELECT batch_seq, status, COUNT(*) FROM executions GROUP BY batch_seq, status;
)sql"},
    {8, R"sql(
-- Uploads are written in short transactions into a batch with status
-- 'importing' (hidden from every read; its last transaction makes it
-- 'created'), so an upload never holds the write lock for long. importer
-- names the node writing it, import_seen_at (wall-clock ms) its last
-- transaction: imports a node left behind (kill -9) are deleted when it
-- starts again, or by anyone once nobody wrote them for a long time.
ALTER TABLE batches ADD COLUMN importer TEXT;
ALTER TABLE batches ADD COLUMN import_seen_at INTEGER;
)sql"},
    {9, R"sql(
-- Compliance (docs/compliance.md). An agent's contact_limits (JSON array or
-- NULL); why the engine holds or declined an execution (NULL once dialled);
-- every dial of the account's numbers, kept when batches are deleted, so that
-- "dials to this number in the last N hours" is one range of the primary
-- key; per-batch counts of executions by hold_reason, kept in the
-- transactions that set and clear it (never counted from the rows).
ALTER TABLE agents ADD COLUMN contact_limits TEXT;
ALTER TABLE executions ADD COLUMN hold_reason TEXT;
CREATE TABLE dials (
  account_id TEXT NOT NULL,
  number     TEXT NOT NULL,
  at         INTEGER NOT NULL,  -- Unix ms, the attempt's start
  attempt_id TEXT NOT NULL,
  PRIMARY KEY (account_id, number, at, attempt_id)
) WITHOUT ROWID;
CREATE TABLE batch_hold_counts (
  batch_seq INTEGER NOT NULL,
  reason    TEXT NOT NULL,
  n         INTEGER NOT NULL,
  PRIMARY KEY (batch_seq, reason)
) WITHOUT ROWID;
-- Every hold and cancel the engine decided (the audit trail with attempts).
CREATE TABLE execution_holds (
  execution_key INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  canceled      INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  until         INTEGER,
  PRIMARY KEY (execution_key, at, reason)
) WITHOUT ROWID;
)sql"},
};

}  // namespace batchcall::sqlite_sql
