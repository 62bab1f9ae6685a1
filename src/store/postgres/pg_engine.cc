// PostgresStore: the engine's batch and claim operations — batch starts and
// completion, running batches, claims and leases (FOR UPDATE SKIP LOCKED),
// attempt starts (optionally under per-agent limits counted across every
// node), provider call ids, the next due time. Call updates, attempt reads
// and node liveness live in pg_calls.cc.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "store/postgres/pg_batch_ops.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"
#include "store/rules/rules.h"

namespace batchcall {

using pg::Connection;
using pg::Params;
using pg::Row;
using pg::Transaction;
using store_rules::Millis;
namespace sql = pg_sql;

namespace {

// Statements over the column lists of pg_sql.h (defined there after
// pg_engine_sql.h is included, hence here).
constexpr const char* kSelectRunningBatchesFull =
    "SELECT " BC_PG_BATCH_COLUMNS " FROM batches WHERE status = 'running' ORDER BY created_at, seq";
constexpr const char* kSelectBatchByIdOnly = "SELECT " BC_PG_BATCH_COLUMNS " FROM batches WHERE id = $1";
// (worker, lease_until, now, keys as bigint[])
constexpr const char* kClaimKeys =
    "UPDATE executions e SET lease_owner = $1, lease_expires_at = $2, next_attempt_at = NULL, "
    "updated_at = CASE WHEN e.status = 'queued' THEN e.updated_at ELSE $3 END, status = 'queued' "
    "WHERE e.key = ANY($4::bigint[]) RETURNING " BC_PG_EXECUTION_COLUMNS;

struct RunningSeq {
  int64_t seq;
  std::string id;
  bool prepared_queued;
};

Result<std::vector<RunningSeq>> SelectRunning(Connection& conn) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectRunningBatchSeqs, Params()));
  std::vector<RunningSeq> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back({rows.Int(i, 0), rows.Text(i, 1), rows.Bool(i, 2)});
  return out;
}

Result<bool> Exists(Connection& conn, const char* text, const Params& p) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(text, p));
  return rows.size() > 0;
}

Status QueuePrepared(Connection& conn, int64_t seq, TimePoint now, store_rules::StatusDeltas& deltas) {
  BC_ASSIGN_OR_RETURN(auto queued, conn.Run(sql::kQueuePrepared, Params()
                                                                     .Add(Millis(now))
                                                                     .Add(store_rules::FirstKey(seq))
                                                                     .Add(store_rules::LastKey(seq))));
  deltas.Move(seq, ExecutionStatus::kPrepared, ExecutionStatus::kQueued, queued);
  return Status::Ok();
}

// How many more attempts the agent may begin at `now`; the caller holds the
// agent's dial lock.
Result<int64_t> DialAllowance(Connection& conn, const DialLimits& limits, TimePoint now, int64_t wanted) {
  auto count = [&](const char* sql, const Params& p) -> Result<int64_t> {
    BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, p));
    return rows.Int(0, 0);
  };
  return store_rules::DialAllowance(
      limits, now, wanted,
      [&] { return count(sql::kCountAgentOpenAttempts, Params().Add(limits.agent_id)); },
      [&](int64_t since_ms) {
        return count(sql::kCountAgentStartedSince, Params().Add(limits.agent_id).Add(since_ms));
      });
}

// The audit record of a hold or cancel, in the caller's transaction.
Status RecordHold(Connection& conn, int64_t key, const ExecutionHold& h, TimePoint now, bool canceled) {
  Params p;
  p.Add(key).Add(Millis(now)).Add(h.reason).Add(canceled).Add(static_cast<int64_t>(h.attempt));
  if (canceled) {
    p.AddNull();
  } else {
    p.Add(Millis(h.next_attempt_at));
  }
  return conn.Run(sql::kInsertHold, p).status();
}

// BeginAttempts, under `limits` when set. Lock order: the agent's dial lock,
// the batches (FOR SHARE, seq order), then each execution (FOR UPDATE).
Result<std::vector<std::string>> BeginAttemptsOn(Connection& conn, const std::vector<AttemptStart>& starts,
                                                 const std::string& worker, TimePoint now, const DialLimits* limits,
                                                 const std::string& node) {
  store_rules::StatusDeltas deltas;
  store_rules::HoldDeltas held;
  std::vector<std::string> begun;
  Transaction txn(conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t allowance = static_cast<int64_t>(starts.size());
  if (limits) {
    BC_RETURN_IF_ERROR(conn.Query(sql::kLockAgentDials, Params().Add(limits->agent_id)).status());
    BC_ASSIGN_OR_RETURN(auto a, DialAllowance(conn, *limits, now, allowance));
    allowance = a;
  }
  {
    std::vector<std::string> ids;
    ids.reserve(starts.size());
    for (const AttemptStart& s : starts) ids.push_back(s.execution_id);
    BC_RETURN_IF_ERROR(conn.Query(sql::kLockBatchesOfExecutions, Params().Add(pg::TextArrayLiteral(ids))).status());
  }
  {
    // Numbers under contact limits: their dial locks, in (account, number)
    // order, before any is counted.
    std::vector<std::string> limited;
    for (const AttemptStart& s : starts)
      if (!s.limits.empty()) limited.push_back(s.execution_id);
    if (!limited.empty()) {
      BC_ASSIGN_OR_RETURN(auto numbers,
                          conn.Query(sql::kSelectNumbersOfExecutions, Params().Add(pg::TextArrayLiteral(limited))));
      for (int i = 0; i < numbers.size(); ++i) {
        BC_RETURN_IF_ERROR(
            conn.Query(sql::kLockNumberDials, Params().Add(numbers.Text(i, 0)).Add(numbers.Text(i, 1))).status());
      }
    }
  }
  std::vector<int64_t> release;
  for (const AttemptStart& s : starts) {
    BC_ASSIGN_OR_RETURN(auto rows,
                        conn.Query(sql::kSelectExecutionForStart, Params().Add(s.execution_id)));
    if (rows.size() == 0) continue;  // unknown execution
    const int64_t key = rows.Int(0, 0);
    const bool ours = !rows.IsNull(0, 2) && rows.TextView(0, 2) == worker;
    bool startable = ours && rows.TextView(0, 1) == "queued" && rows.TextView(0, 3) == "running";
    if (startable && static_cast<int64_t>(begun.size()) >= allowance) startable = false;  // over the limits
    const std::string account_id = rows.Text(0, 4), number = rows.Text(0, 7);
    std::optional<std::string> prior_reason;
    if (!rows.IsNull(0, 8)) prior_reason = rows.Text(0, 8);
    if (startable && !s.limits.empty()) {
      int hours = 0;
      for (const ContactLimit& l : s.limits) hours = std::max(hours, l.per_hours);
      BC_ASSIGN_OR_RETURN(auto dials, conn.Query(sql::kSelectDialsSince,
                                                 Params().Add(account_id).Add(number).Add(
                                                     Millis(now) - int64_t{hours} * 3'600'000)));
      std::vector<int64_t> times;
      for (int i = 0; i < dials.size(); ++i) times.push_back(dials.Int(i, 0));
      if (!store_rules::UnderContactLimits(s.limits, times, Millis(now))) startable = false;
    }
    if (!startable) {
      if (ours) release.push_back(key);
      continue;
    }
    BC_RETURN_IF_ERROR(conn.Run(sql::kInsertAttempt, Params()
                                                         .Add(s.attempt_id)
                                                         .Add(key)
                                                         .Add(s.execution_id)
                                                         .Add(rows.Text(0, 6))
                                                         .Add(rows.Text(0, 4))
                                                         .Add(rows.Text(0, 5))
                                                         .Add(s.attempt_number)
                                                         .Add(s.idempotency_key)
                                                         .Add(s.from_number)
                                                         .Add(Millis(now))
                                                         .Add(worker))
                           .status());
    BC_RETURN_IF_ERROR(
        conn.Run(sql::kBeginExecution, Params().Add(s.from_number).Add(Millis(now)).Add(key))
            .status());
    BC_RETURN_IF_ERROR(
        conn.Run(sql::kInsertDial, Params().Add(account_id).Add(number).Add(Millis(now)).Add(s.attempt_id))
            .status());
    deltas.Move(store_rules::SeqOfKey(key), ExecutionStatus::kQueued, ExecutionStatus::kInitiated);
    held.Move(store_rules::SeqOfKey(key), prior_reason, std::nullopt);
    begun.push_back(s.attempt_id);
  }
  if (!release.empty()) {
    BC_RETURN_IF_ERROR(
        conn.Run(sql::kReleaseExecutionKeys, Params().Add(pg::IntArrayLiteral(release)).Add(worker))
            .status());
  }
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(conn, deltas, node));
  BC_RETURN_IF_ERROR(pg::ApplyHoldDeltas(conn, held, node));
  BC_RETURN_IF_ERROR(txn.Commit());
  return begun;
}

}  // namespace

Result<std::vector<std::string>> PostgresStore::StartDueBatches(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  std::vector<std::string> started;
  // Look first without locks: usually nothing is due.
  BC_ASSIGN_OR_RETURN(auto due, c.Query(sql::kSelectDueBatchSeqs, Params().Add(Millis(now))));
  BC_ASSIGN_OR_RETURN(auto unqueued, c.Query(sql::kSelectUnqueuedRunningSeqs, Params()));
  if (due.size() == 0 && unqueued.size() == 0) return started;

  // One transaction per batch: a big batch's queueing does not hold the others.
  for (int i = 0; i < due.size(); ++i) {
    const int64_t seq = due.Int(i, 0);
    Transaction txn(c);
    BC_RETURN_IF_ERROR(txn.Begin());
    // Row-locks the batch; another node starting it at once waits, then
    // finds it running and changes nothing.
    BC_ASSIGN_OR_RETURN(auto changed, c.Run(sql::kStartBatch, Params().Add(Millis(now)).Add(seq)));
    if (changed == 0) continue;
    store_rules::StatusDeltas deltas;
    BC_RETURN_IF_ERROR(QueuePrepared(c, seq, now, deltas));
    BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(c, deltas, options_.node_id));
    BC_RETURN_IF_ERROR(txn.Commit());
    started.push_back(due.Text(i, 1));
  }
  // A batch paused before its start and then resumed is running with
  // prepared executions: queue them too.
  for (int i = 0; i < unqueued.size(); ++i) {
    const int64_t seq = unqueued.Int(i, 0);
    Transaction txn(c);
    BC_RETURN_IF_ERROR(txn.Begin());
    BC_ASSIGN_OR_RETURN(auto changed, c.Run(sql::kMarkPreparedQueued, Params().Add(seq)));
    if (changed == 0) continue;
    store_rules::StatusDeltas deltas;
    BC_RETURN_IF_ERROR(QueuePrepared(c, seq, now, deltas));
    BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(c, deltas, options_.node_id));
    BC_RETURN_IF_ERROR(txn.Commit());
  }
  return started;
}

Result<std::vector<RunningBatch>> PostgresStore::ListRunningBatches() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction snapshot(c);
  BC_RETURN_IF_ERROR(snapshot.Begin("REPEATABLE READ"));
  BC_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectRunningBatchesFull, Params()));
  std::map<std::string, Agent> agents;
  std::vector<RunningBatch> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    BC_ASSIGN_OR_RETURN(auto b, pg::ReadBatch(Row(rows, i), nullptr));
    auto it = agents.find(b.agent_id);
    if (it == agents.end()) {
      BC_ASSIGN_OR_RETURN(auto a,
                          c.Query(sql::kSelectAgent, Params().Add(b.agent_id).Add(b.account_id)));
      if (a.size() == 0)
        return Internal("agent " + b.agent_id + " of running batch " + b.id + " not found");
      BC_ASSIGN_OR_RETURN(auto agent, pg::ReadAgent(Row(a, 0), options_.secret_box));
      it = agents.emplace(b.agent_id, std::move(agent)).first;
    }
    out.push_back(RunningBatch{std::move(b), it->second});
  }
  BC_RETURN_IF_ERROR(snapshot.Commit());
  return out;
}

Result<std::vector<Execution>> PostgresStore::ClaimExecutions(const std::string& batch_id, int64_t limit,
                                                              const std::string& worker, TimePoint now,
                                                              TimePoint lease_until) {
  std::vector<Execution> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  Batch batch;
  {
    BC_ASSIGN_OR_RETURN(auto rows, c.Query(kSelectBatchByIdOnly, Params().Add(batch_id)));
    if (rows.size() == 0) return NotFound("batch " + batch_id + " not found");
    BC_ASSIGN_OR_RETURN(auto b, pg::ReadBatch(Row(rows, 0), &seq));
    batch = std::move(b);
  }
  if (batch.status != BatchStatus::kRunning) return out;

  // Due retries (and calling-hours waits) first, by due time; then CSV order.
  // Rows another claimer holds locked are skipped, never waited for.
  std::vector<int64_t> keys;
  store_rules::StatusDeltas deltas;  // every locked row becomes queued below
  for (const char* text : {sql::kLockDueRetryKeys, sql::kLockQueuedKeys}) {
    const int64_t want = limit - static_cast<int64_t>(keys.size());
    if (want <= 0) break;
    BC_ASSIGN_OR_RETURN(auto rows,
                        c.Query(text, Params().Add(seq).Add(Millis(now)).Add(worker).Add(want)));
    const bool due = text == sql::kLockDueRetryKeys;
    for (int i = 0; i < rows.size(); ++i) {
      keys.push_back(rows.Int(i, 0));
      if (due) {
        BC_ASSIGN_OR_RETURN(auto from, store_rules::ParseStoredStatus(rows.TextView(i, 1)));
        deltas.Move(seq, from, ExecutionStatus::kQueued);
      }
    }
  }
  if (keys.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto rows, c.Query(kClaimKeys, Params()
                                                         .Add(worker)
                                                         .Add(Millis(lease_until))
                                                         .Add(Millis(now))
                                                         .Add(pg::IntArrayLiteral(keys))));
  std::unordered_map<int64_t, Execution> by_key;
  for (int i = 0; i < rows.size(); ++i) {
    BC_ASSIGN_OR_RETURN(auto e, pg::ReadExecution(Row(rows, i), batch));
    by_key.emplace(rows.Int(i, 0), std::move(e));
  }
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(c, deltas, options_.node_id));
  BC_RETURN_IF_ERROR(txn.Commit());
  out.reserve(keys.size());
  for (int64_t key : keys) {
    auto it = by_key.find(key);
    if (it != by_key.end()) out.push_back(std::move(it->second));
  }
  return out;
}

Status PostgresStore::RescheduleExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                           TimePoint now) {
  return HoldExecutions(holds, worker, now, /*cancel=*/false);
}

Status PostgresStore::CancelExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                       TimePoint now) {
  return HoldExecutions(holds, worker, now, /*cancel=*/true);
}

Status PostgresStore::HoldExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                     TimePoint now, bool cancel) {
  if (holds.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  store_rules::StatusDeltas deltas;
  store_rules::HoldDeltas held;
  for (const ExecutionHold& h : holds) {
    Params p;
    if (cancel) {
      p.Add(h.message);
    } else {
      p.Add(Millis(h.next_attempt_at));
    }
    p.Add(Millis(now)).Add(h.execution_id).Add(worker).Add(h.reason);
    BC_ASSIGN_OR_RETURN(auto rows, conn->Query(cancel ? sql::kCancelExecution : sql::kRescheduleExecution, p));
    if (rows.size() == 0) continue;  // no longer queued and ours
    const int64_t key = rows.Int(0, 0);
    const int64_t seq = store_rules::SeqOfKey(key);
    deltas.Move(seq, ExecutionStatus::kQueued, cancel ? ExecutionStatus::kCanceled : ExecutionStatus::kRescheduled);
    held.Move(seq, h.prior_reason, h.reason);
    BC_RETURN_IF_ERROR(RecordHold(*conn, key, h, now, cancel));
  }
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(*conn, deltas, options_.node_id));
  BC_RETURN_IF_ERROR(pg::ApplyHoldDeltas(*conn, held, options_.node_id));
  return txn.Commit();
}

Result<std::vector<HoldRecord>> PostgresStore::ListHolds(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectHoldsOfExecution, Params().Add(execution_id)));
  std::vector<HoldRecord> out;
  for (int i = 0; i < rows.size(); ++i) {
    HoldRecord r;
    r.at = FromUnixMillis(rows.Int(i, 0));
    r.canceled = rows.Bool(i, 1);
    r.reason = rows.Text(i, 2);
    r.attempt = static_cast<int>(rows.Int(i, 3));
    if (!rows.IsNull(i, 4)) r.until = FromUnixMillis(rows.Int(i, 4));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::map<std::string, std::vector<TimePoint>>> PostgresStore::DialHistory(
    const std::string& account_id, const std::vector<std::string>& numbers, TimePoint since) {
  std::map<std::string, std::vector<TimePoint>> out;
  if (numbers.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // One statement for all the numbers (one round trip, an index range each).
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectDialsOfNumbersSince, Params()
                                                                                 .Add(account_id)
                                                                                 .Add(pg::TextArrayLiteral(numbers))
                                                                                 .Add(Millis(since))));
  for (int i = 0; i < rows.size(); ++i) out[rows.Text(i, 0)].push_back(FromUnixMillis(rows.Int(i, 1)));
  return out;
}

Status PostgresStore::ReleaseExecutions(const std::vector<std::string>& execution_ids, const std::string& worker) {
  if (execution_ids.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // One statement: atomic by itself.
  return conn
      ->Run(sql::kReleaseExecutions, Params().Add(pg::TextArrayLiteral(execution_ids)).Add(worker))
      .status();
}

Result<std::vector<std::string>> PostgresStore::BeginAttempts(const std::vector<AttemptStart>& starts,
                                                              const std::string& worker, TimePoint now) {
  if (starts.empty()) return std::vector<std::string>{};
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return BeginAttemptsOn(*conn, starts, worker, now, nullptr, options_.node_id);
}

Result<std::vector<std::string>> PostgresStore::BeginAttemptsLimited(const std::vector<AttemptStart>& starts,
                                                                     const std::string& worker, TimePoint now,
                                                                     const DialLimits& limits) {
  if (starts.empty()) return std::vector<std::string>{};
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return BeginAttemptsOn(*conn, starts, worker, now, &limits, options_.node_id);
}

Status PostgresStore::SetProviderCallIds(const std::vector<std::pair<std::string, std::string>>& ids) {
  if (ids.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const auto& [attempt_id, call_id] : ids) {
    BC_RETURN_IF_ERROR(
        conn->Run(sql::kSetProviderCallId, Params().Add(call_id).Add(attempt_id)).status());
  }
  return txn.Commit();
}

Result<std::vector<std::string>> PostgresStore::CompleteFinishedBatches(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  std::vector<std::string> completed;
  auto finished = [&](const RunningSeq& r) -> Result<bool> {
    auto open = Exists(c, sql::kAnyOpenExecution, Params().Add(r.seq));
    if (!open.ok() || *open) return open.ok() ? Result<bool>(false) : Result<bool>(open.status());
    if (r.prepared_queued) return true;
    BC_ASSIGN_OR_RETURN(
        auto prepared,
        Exists(c, sql::kAnyPrepared,
               Params().Add(store_rules::FirstKey(r.seq)).Add(store_rules::LastKey(r.seq))));
    return !prepared;
  };
  BC_ASSIGN_OR_RETURN(auto running, SelectRunning(c));
  for (const RunningSeq& r : running) {
    BC_ASSIGN_OR_RETURN(auto done, finished(r));
    if (!done) continue;
    // Re-checked with the batch row locked (the UPDATE waits for a
    // concurrent change of it): a row that became open meanwhile belongs to
    // a transaction that committed before ours re-reads.
    Transaction txn(c);
    BC_RETURN_IF_ERROR(txn.Begin());
    BC_ASSIGN_OR_RETURN(auto changed,
                        c.Run(sql::kCompleteBatch, Params().Add(Millis(now)).Add(r.seq)));
    if (changed == 0) continue;
    BC_ASSIGN_OR_RETURN(auto still, finished(r));
    if (!still) continue;  // rolled back
    BC_RETURN_IF_ERROR(txn.Commit());
    completed.push_back(r.id);
  }
  return completed;
}

Result<std::optional<TimePoint>> PostgresStore::NextDueTime() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction snapshot(c);
  BC_RETURN_IF_ERROR(snapshot.Begin("REPEATABLE READ"));
  std::optional<int64_t> next;
  auto consider = [&next](int64_t t) {
    if (!next || t < *next) next = t;
  };
  {
    BC_ASSIGN_OR_RETURN(auto rows, c.Query(sql::kMinScheduledAt, Params()));
    if (rows.size() > 0 && !rows.IsNull(0, 0)) consider(rows.Int(0, 0));
  }
  BC_ASSIGN_OR_RETURN(auto running, SelectRunning(c));
  for (const RunningSeq& r : running) {
    BC_ASSIGN_OR_RETURN(auto rows, c.Query(sql::kMinNextAttemptAt, Params().Add(r.seq)));
    if (rows.size() > 0) consider(rows.Int(0, 0));
  }
  BC_RETURN_IF_ERROR(snapshot.Commit());
  if (!next) return std::optional<TimePoint>();
  return std::optional<TimePoint>(FromUnixMillis(*next));
}

}  // namespace batchcall
