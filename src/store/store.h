// Store: the one persistence interface. Two backends implement it, SQLite
// (store/sqlite, one embedded file) and PostgreSQL (store/postgres, many
// nodes on one database); both pass the conformance suite
// (store/conformance_test.h). Their shared codecs and rules live in
// store/rules; each backend holds only its SQL, binding and locking.
//
// Thread-safety: every method may be called from any thread concurrently.
// A BatchImport is used by one thread at a time.
//
// Account scoping: every read or write of an agent, batch or execution takes
// the caller's account id; a row of another account is NotFound, exactly as
// an unknown id.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/call_event.h"
#include "domain/model.h"

namespace batchcall {

// A POST /batches answer remembered under the client's Idempotency-Key.
struct IdempotentResponse {
  std::string account_id;    // keys are scoped per account
  std::string key;           // the Idempotency-Key header, as sent
  std::string request_hash;  // lowercase hex SHA-256 of the request (fields and file)
  int status = 0;            // the answer's HTTP status
  std::string body;          // the answer's body, exactly as sent
  TimePoint created_at;
};

// One upload: a batch and all its rows, written in one transaction. Nothing
// is visible to other readers before Commit(); destroying an import that was
// not committed rolls everything back.
class BatchImport {
 public:
  virtual ~BatchImport() = default;
  // Rows arrive in CSV order; contact.row_index is 0, 1, 2, ... Each contact
  // becomes one execution in state `prepared` with a new hyphenated UUID.
  virtual Status AddContact(const ContactRow& contact) = 0;
  virtual Status AddReject(const RejectedRow& reject) = 0;
  // Writes the batch row (with these final counts) and commits. Returns the
  // stored batch. After Commit() (successful or not) the import is finished.
  virtual Result<Batch> Commit(int64_t total_contacts, int64_t valid_contacts,
                               int64_t invalid_contacts) = 0;
  // Makes Commit() also store `response`, in the same transaction, after
  // removing every remembered answer (of any account) created before
  // `expired_before`. When a live answer for the same (account, key) exists
  // — a concurrent duplicate committed first — Commit() fails with Conflict
  // and nothing of this import is stored. Call before Commit().
  virtual void RememberResponse(IdempotentResponse response, TimePoint expired_before) = 0;
};

// Conditional batch state change, checked against the state table
// (domain/states.h) and the batch's current status in one atomic step.
struct BatchTransition {
  BatchStatus to = BatchStatus::kScheduled;
  std::optional<TimePoint> scheduled_at;        // set when present
  std::optional<bool> bypass_call_guardrails;   // set when present
};

// --- engine types

// A running batch with its agent, as the dispatcher sees it.
struct RunningBatch {
  Batch batch;
  Agent agent;
};

// One dial about to be placed (BeginAttempts).
struct AttemptStart {
  std::string attempt_id;       // new UUID
  std::string execution_id;
  std::string idempotency_key;  // sent to the provider; = attempt_id
  std::string from_number;      // caller id used (may be empty)
  int attempt_number = 1;       // execution.retry_count + 1
  // The dial is recorded in the account's dial history under the
  // execution's number; with `limits`, it is begun only if that history
  // (every batch and agent of the account, dials begun earlier in the same
  // call included) has fewer than max_calls dials in the last per_hours, for
  // each limit.
  std::vector<ContactLimit> limits;
};

// A claimed execution that the calling rules hold (RescheduleExecutions) or
// block (CancelExecutions), with the reason (compliance/decision.h).
struct ExecutionHold {
  std::string execution_id;
  std::string reason;                       // becomes hold_reason
  std::optional<std::string> prior_reason;  // its hold_reason as claimed
  TimePoint next_attempt_at;                // rescheduled: when to look again
  std::string message;                      // canceled: error_message
  int attempt = 1;                          // the attempt it was to be (attempt_count + 1)
};

// One hold or cancel the engine decided for an execution (its audit trail
// with its attempts: GET /executions/{id}/decisions).
struct HoldRecord {
  TimePoint at;
  bool canceled = false;      // canceled (blocked), else held
  std::string reason;         // hold_reason code
  int attempt = 1;            // the attempt it was to be
  std::optional<TimePoint> until;  // held: next_attempt_at
};

// A provider event to record (ApplyCallUpdates). For an outcome event the
// engine has already decided whether to retry.
struct CallUpdate {
  CallEvent event;
  bool retry = false;           // outcome only: schedule another attempt
  TimePoint next_attempt_at;    // when retry
  // Outcome only: no call was placed (never sent, or refused by the
  // provider): the attempt leaves the account's dial history.
  bool never_placed = false;
};

// What an applied outcome did to its execution.
struct AppliedOutcome {
  std::string attempt_id;
  std::string execution_id;
  std::string agent_id;
  ExecutionStatus execution_status;  // new status: the outcome, or scheduled (retry)
};

// An attempt not yet closed, with what reconciliation needs.
struct OpenAttempt {
  Attempt attempt;
  std::string account_id;
  std::string batch_id;
  int retry_count = 0;         // of its execution
  std::string contact_number;  // E.164, the number dialled
  bool closed = false;         // FindAttempt/FindLatestAttempt only: attempt has ended
};

// The agent's limits, enforced by BeginAttemptsLimited across every node
// that shares the store.
struct DialLimits {
  std::string agent_id;
  int64_t max_in_flight = 0;    // open attempts of the agent at most; 0 = no limit
  // Attempts started in any 1 s window at most floor(calls_per_second); below
  // 1, at most one per 1/calls_per_second seconds. 0 = unpaced.
  double calls_per_second = 0;
};

// --- webhook types

// A status change that must reach a webhook receiver, journaled in the same
// transaction as the change itself (so none is lost by a crash). Journaled
// only when a receiver is configured at that moment: an execution when its
// agent has a webhook_url; a batch when it reaches completed or stopped and
// has a webhook_url.
struct WebhookChange {
  int64_t seq = 0;            // increasing in journal order
  std::string kind;           // "execution" | "batch"
  std::string account_id;
  std::string object_id;      // execution id or batch id
  std::string status;         // the status it changed to
  TimePoint at;               // when it changed
  std::string url;            // the receiver (agent's or batch's webhook_url, read now)
};

// One outbound delivery in the durable outbox.
struct WebhookDelivery {
  int64_t id = 0;             // assigned by the store; increasing
  std::string event_id;       // X-Batchcall-Event-Id; unique
  std::string account_id;
  std::string url;
  std::string event_type;     // "execution.status_changed" | "batch.completed" | "batch.stopped"
  // Deliveries with the same order_key are delivered one at a time, oldest
  // first (the execution or batch id).
  std::string order_key;
  std::string body;           // JSON, exactly as sent (and signed)
  int attempts = 0;           // deliveries tried so far
  TimePoint created_at;
  TimePoint next_attempt_at;
  std::string last_error;
};

// The account's webhook signing secrets (plaintext; sealed at rest).
struct WebhookSecrets {
  std::string current;                 // empty when never created
  TimePoint created_at;
  std::string previous;                // still signed with until previous_until
  std::optional<TimePoint> previous_until;
};

// A batch with its execution counts by status (only counts > 0).
struct BatchWithCounts {
  Batch batch;
  StatusCounts counts;
  // Executions by hold_reason (only counts > 0; GetBatchWithCounts only):
  // those rescheduled or canceled by a calling rule, as last decided.
  std::map<std::string, int64_t> held;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- accounts and API keys
  // The account used by BATCHCALL_API_KEY and `batchcall keys create`;
  // created on first call (idempotent, safe to race).
  virtual Result<Account> EnsureDefaultAccount(TimePoint now) = 0;
  virtual Result<Account> CreateAccount(const std::string& name, TimePoint now) = 0;
  // Adds a key (key.last_used_at is ignored); a duplicate id or key_hash is
  // a Conflict — also the hash of a revoked key, which never comes back.
  virtual Status AddApiKey(const ApiKey& key) = 0;
  // The active (not revoked) key with this SHA-256 hex hash, or NotFound.
  virtual Result<ApiKey> FindApiKeyByHash(const std::string& key_hash) = 0;
  // Every key ever added, revoked ones included (first start detection).
  virtual Result<int64_t> CountApiKeys() = 0;
  // The active keys of the account, oldest first; account_id "" = of every
  // account (the operator's `batchcall keys list`).
  virtual Result<std::vector<ApiKey>> ListApiKeys(const std::string& account_id) = 0;
  // Revokes the active key `key_id` of the account (account_id "" = of any
  // account): FindApiKeyByHash no longer finds it, from this call on. NotFound
  // when unknown, of another account or already revoked.
  virtual Status RevokeApiKey(const std::string& account_id, const std::string& key_id, TimePoint now) = 0;
  // Records when keys were last used: each key's last_used_at becomes the
  // later of its stored value and the given time. Unknown ids are ignored.
  virtual Status RecordApiKeyUse(const std::vector<std::pair<std::string, TimePoint>>& uses) = 0;

  // --- agents
  virtual Status CreateAgent(const Agent& agent) = 0;
  virtual Result<Agent> GetAgent(const std::string& account_id, const std::string& agent_id) = 0;
  // Oldest first.
  virtual Result<std::vector<Agent>> ListAgents(const std::string& account_id) = 0;
  // Replaces every field of the stored agent with agent's (matched by account and id).
  virtual Status UpdateAgent(const Agent& agent) = 0;
  // Conflict while one of its batches is scheduled, running or paused.
  // Deleting an agent deletes its finished and created batches with it.
  virtual Status DeleteAgent(const std::string& account_id, const std::string& agent_id) = 0;
  // The agent of this account named `name`, or NotFound.
  virtual Result<Agent> FindAgentByName(const std::string& account_id, const std::string& name) = 0;

  // --- batches
  // Starts an import for `draft` (id, account, agent, columns, options and
  // created_at set by the caller; status created).
  virtual Result<std::unique_ptr<BatchImport>> BeginImport(const Batch& draft) = 0;
  virtual Result<Batch> GetBatch(const std::string& account_id, const std::string& batch_id) = 0;
  // GetBatch and CountExecutions on one connection (GET /batches/{id}, read
  // over and over by dashboards): on SQLite from one read snapshot.
  virtual Result<BatchWithCounts> GetBatchWithCounts(const std::string& account_id,
                                                     const std::string& batch_id) = 0;
  // The answer remembered for (account_id, key) (BatchImport::RememberResponse)
  // if it was created at or after not_before; NotFound otherwise.
  virtual Result<IdempotentResponse> FindIdempotentResponse(const std::string& account_id, const std::string& key,
                                                            TimePoint not_before) = 0;
  // Newest first, each with its status counts (as GetBatchWithCounts), in
  // two statements whatever the number of batches.
  virtual Result<std::vector<BatchWithCounts>> ListBatches(const std::string& account_id,
                                                           const std::string& agent_id) = 0;
  // Execution counts by status, only statuses with count > 0.
  virtual Result<StatusCounts> CountExecutions(const std::string& batch_id) = 0;
  // Applies t if CanTransition(current, t.to); otherwise Conflict whose
  // message names the current status. Returns the updated batch.
  virtual Result<Batch> TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                        const BatchTransition& t, TimePoint now) = 0;
  // Batch -> stopped and every pre-dial execution -> stopped, atomically.
  // Conflict unless the batch is scheduled, running or paused.
  virtual Result<Batch> StopBatch(const std::string& account_id, const std::string& batch_id,
                                  TimePoint now) = 0;
  // Removes the batch, its executions and its report. Conflict while any of its
  // executions is in flight (initiated, ringing, in-progress, call-disconnected).
  virtual Status DeleteBatch(const std::string& account_id, const std::string& batch_id) = 0;

  // --- executions and reports
  // One keyset page in CSV order (row_index ascending).
  virtual Result<std::vector<Execution>> ListExecutions(const ExecutionQuery& q) = 0;
  // The same page as ListExecutions, as stored rows handed to `visit` one by
  // one (no Execution objects: exports render the columns as they are). Stops
  // at the first error `visit` returns, and returns it.
  using ExecutionRowVisitor = std::function<Status(const ExecutionRow&)>;
  virtual Status ScanExecutions(const ExecutionQuery& q, const ExecutionRowVisitor& visit) = 0;
  virtual Result<Execution> GetExecution(const std::string& account_id,
                                         const std::string& execution_id) = 0;
  // Rejected rows of a batch, by line ascending, lines > after_line, at most limit.
  virtual Result<std::vector<RejectedRow>> ListRejects(const std::string& batch_id,
                                                       int64_t after_line, int64_t limit) = 0;

  // --- engine. Not account-scoped: the engine serves every account.

  // scheduled batches with scheduled_at <= now (or none) -> running, and
  // their prepared executions -> queued, atomically per batch. Returns the
  // started batch ids. Also queues the prepared executions of batches that
  // are already running (a batch paused before its start, then resumed).
  virtual Result<std::vector<std::string>> StartDueBatches(TimePoint now) = 0;
  // Every running batch (all accounts) with its agent.
  virtual Result<std::vector<RunningBatch>> ListRunningBatches() = 0;
  // Claims up to `limit` eligible executions of one running batch for
  // `worker` until lease_until, in one atomic step. Eligible: queued, or
  // scheduled/rescheduled with next_attempt_at <= now; and not leased by
  // another worker whose lease is still valid. Claimed executions come back
  // `queued` (scheduled/rescheduled ones move to queued), due retries first
  // (next_attempt_at), then CSV order.
  virtual Result<std::vector<Execution>> ClaimExecutions(const std::string& batch_id, int64_t limit,
                                                         const std::string& worker, TimePoint now,
                                                         TimePoint lease_until) = 0;
  // Claimed executions the calling rules hold: queued -> rescheduled with
  // next_attempt_at and hold_reason; the lease is released. Executions no
  // longer queued and leased by `worker` are left alone.
  virtual Status RescheduleExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                      TimePoint now) = 0;
  // Claimed executions that must never be called (do-not-call): queued ->
  // canceled with error_message and hold_reason; the lease is released.
  virtual Status CancelExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                  TimePoint now) = 0;
  // Every hold and cancel recorded for the execution (by Reschedule- and
  // CancelExecutions, in their transactions), oldest first; kept as long as
  // the execution.
  virtual Result<std::vector<HoldRecord>> ListHolds(const std::string& execution_id) = 0;
  // The account's dials (attempts begun and not known never placed) to each
  // of `numbers` at or after `since`, ascending; numbers without dials are
  // absent. One primary-key range per number.
  virtual Result<std::map<std::string, std::vector<TimePoint>>> DialHistory(
      const std::string& account_id, const std::vector<std::string>& numbers, TimePoint since) = 0;
  // Releases leases held by `worker` without changing status.
  virtual Status ReleaseExecutions(const std::vector<std::string>& execution_ids, const std::string& worker) = 0;
  // In one transaction, for each start whose execution is still queued,
  // leased by `worker`, and whose batch is running, and whose number is
  // under the start's limits: inserts the attempt as `initiated`, records
  // the dial, clears hold_reason and moves the execution queued -> initiated
  // (agent_number = from_number, attempt_count + 1). Returns the attempt ids
  // actually started; the other executions' leases are released. The limit
  // check and the start are one atomic step across every node.
  virtual Result<std::vector<std::string>> BeginAttempts(const std::vector<AttemptStart>& starts,
                                                         const std::string& worker, TimePoint now) = 0;
  // BeginAttempts for starts of one agent's executions, under `limits`
  // counted over every node: the agent's row is locked, its open attempts
  // and the attempts it started in the last window are counted, and only as
  // many starts as both limits allow are begun (in order); the leases of the
  // rest are released (they stay queued). The attempt's owner is `worker`.
  virtual Result<std::vector<std::string>> BeginAttemptsLimited(
      const std::vector<AttemptStart>& starts, const std::string& worker, TimePoint now,
      const DialLimits& limits) = 0;
  // Node liveness: records that `worker` is alive at `now`.
  virtual Status Heartbeat(const std::string& worker, TimePoint now) = 0;
  // Open attempts owned by other workers whose last heartbeat is before
  // `stale_before` (or that never sent one) — and, with include_own, those
  // owned by `worker` itself (a previous run of this node) — become
  // `worker`'s, atomically; returns them (each adopted by exactly one caller).
  virtual Result<std::vector<OpenAttempt>> AdoptOrphanAttempts(const std::string& worker,
                                                               TimePoint stale_before,
                                                               bool include_own) = 0;
  // The ids among `attempt_ids` whose attempts are closed (or unknown).
  virtual Result<std::vector<std::string>> FilterClosedAttempts(
      const std::vector<std::string>& attempt_ids) = 0;
  // Records provider call ids (attempt id, provider call id).
  virtual Status SetProviderCallIds(const std::vector<std::pair<std::string, std::string>>& ids) = 0;
  // Applies events in order, in one transaction. Progress events move the
  // attempt and its execution forward only: a status that is not ahead of the
  // current one (duplicate, late, out of order) changes nothing. An outcome
  // closes the attempt once (later outcomes for a closed attempt are ignored)
  // and sets the execution to `scheduled` (retry: next_attempt_at,
  // retry_count + 1) or to the outcome, with the result fields, telephony
  // data and retry_history. A retry is turned into the outcome when the
  // batch is stopped. Unknown attempt ids are ignored. Returns the outcomes applied.
  virtual Result<std::vector<AppliedOutcome>> ApplyCallUpdates(const std::vector<CallUpdate>& updates,
                                                               TimePoint now) = 0;
  // Running batches whose executions are all terminal -> completed. Returns their ids.
  virtual Result<std::vector<std::string>> CompleteFinishedBatches(TimePoint now) = 0;
  // Earliest instant at which timed work is due: a scheduled batch's
  // scheduled_at, or the next_attempt_at of a scheduled/rescheduled execution
  // of a running batch. nullopt when nothing is waiting on time.
  virtual Result<std::optional<TimePoint>> NextDueTime() = 0;
  // Attempts not closed yet (initiated, ringing, in-progress, call-disconnected).
  virtual Result<std::vector<OpenAttempt>> ListOpenAttempts() = 0;
  // Attempts of one execution, oldest first.
  virtual Result<std::vector<Attempt>> ListAttempts(const std::string& execution_id) = 0;

  // The attempt with this id (open or closed), with its context; NotFound.
  virtual Result<OpenAttempt> FindAttempt(const std::string& attempt_id) = 0;
  // The newest attempt of an execution (any account), with its context;
  // NotFound when the execution is unknown or was never dialled.
  virtual Result<OpenAttempt> FindLatestAttempt(const std::string& execution_id) = 0;

  // --- webhooks
  // Replaces the account's secret; the old one stays in `previous` until
  // previous_until (deliveries are signed with both meanwhile).
  virtual Status RotateWebhookSecret(const std::string& account_id, const std::string& secret,
                                     TimePoint previous_until, TimePoint now) = 0;
  virtual Result<WebhookSecrets> GetWebhookSecrets(const std::string& account_id) = 0;
  // The oldest journaled changes, at most limit, seq ascending.
  virtual Result<std::vector<WebhookChange>> ReadWebhookChanges(int64_t limit) = 0;
  // In one transaction: removes each consumed change (by seq) from the
  // journal and inserts the delivery rendered from it. A change no longer in
  // the journal (consumed by another node meanwhile) adds nothing. Returns
  // how many deliveries were added.
  struct RenderedChange {
    int64_t seq = 0;
    std::optional<WebhookDelivery> delivery;  // nullopt: the change is dropped (object gone)
  };
  virtual Result<int64_t> EnqueueWebhooks(const std::vector<RenderedChange>& changes) = 0;
  // Claims up to limit due deliveries (next_attempt_at <= now, not leased by
  // a live lease) that are the oldest pending one of their order_key, until
  // lease_until. Oldest next_attempt_at first.
  virtual Result<std::vector<WebhookDelivery>> ClaimWebhookDeliveries(TimePoint now, int64_t limit,
                                                                      const std::string& worker,
                                                                      TimePoint lease_until) = 0;
  // Delivered: removed from the outbox.
  virtual Status MarkWebhookDelivered(int64_t id, TimePoint now) = 0;
  // Failed: attempts + 1, last_error; retried at next_attempt_at, or given
  // up (kept as dead, no longer blocking its order_key) when nullopt.
  virtual Status MarkWebhookFailed(int64_t id, std::optional<TimePoint> next_attempt_at,
                                   const std::string& error, TimePoint now) = 0;
  // Pending deliveries (not delivered, not dead) and the earliest next_attempt_at among them.
  struct WebhookBacklog {
    int64_t pending = 0;
    int64_t dead = 0;
    std::optional<TimePoint> next_due;
  };
  virtual Result<WebhookBacklog> GetWebhookBacklog() = 0;

  // --- do-not-call list, per account. Numbers are E.164.
  // Adds (or keeps) each number; returns how many were new.
  virtual Result<int64_t> AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers,
                                       const std::string& reason, TimePoint now) = 0;
  // Numbers > after_number, ascending, at most limit.
  virtual Result<std::vector<DncEntry>> ListDoNotCall(const std::string& account_id,
                                                      const std::string& after_number, int64_t limit) = 0;
  // NotFound when the number is not listed.
  virtual Status RemoveDoNotCall(const std::string& account_id, const std::string& number) = 0;
  // The subset of `numbers` that is listed for the account.
  Result<std::vector<std::string>> FilterDoNotCall(const std::string& account_id,
                                                   const std::vector<std::string>& numbers) {
    BC_ASSIGN_OR_RETURN(auto reasons, DoNotCallReasons(account_id, numbers));
    std::vector<std::string> listed;
    for (const std::string& number : numbers) {  // in the caller's order
      if (reasons.count(number)) listed.push_back(number);
    }
    return listed;
  }
  // The listed ones of `numbers` with their reasons ("opt_out: execution …"
  // for a number whose callee opted out on a call).
  virtual Result<std::map<std::string, std::string>> DoNotCallReasons(const std::string& account_id,
                                                                      const std::vector<std::string>& numbers) = 0;
};

}  // namespace batchcall
