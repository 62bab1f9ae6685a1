// SqliteStore: the engine's batch and claim operations — batch starts and
// completion, running batches, claims and leases, attempt starts, provider
// call ids, the next due time. Call updates, attempt lists and the
// do-not-call list live in sqlite_calls.cc.
#include <algorithm>
#include <map>

#include "store/rules/rules.h"
#include "store/sqlite/sqlite_batch_ops.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

using sqlite::Connection;
using sqlite::ForEachRow;
using sqlite::Statement;
using sqlite::Transaction;
using store_rules::Millis;
namespace sql = sqlite_sql;

namespace {


struct SeqId {
  int64_t seq;
  std::string id;
};

// Rows (seq, id) of a statement with no parameters, or with `now` bound at 1.
Result<std::vector<SeqId>> SelectSeqIds(Connection& conn, const char* text, std::optional<int64_t> now) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(text));
  if (now) st.Bind(1, *now);
  std::vector<SeqId> out;
  BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
    out.push_back({s.Int(0), s.Text(1)});
    return Status::Ok();
  }));
  return out;
}

// True when the one-row probe `text` (bound to seq) finds a row.
Result<bool> Probe(Connection& conn, const char* text, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(text));
  st.Bind(1, seq);
  return st.Step();
}

// Runs a single-row UPDATE keyed by (execution id, worker) after `bind`
// filled the leading parameters; returns the number of rows changed.
template <typename Bind>
Result<int> RunLeasedUpdate(Connection& conn, const char* text, Bind&& bind) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(text));
  bind(st);
  BC_RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

// Queues the prepared executions of batch `seq` (which must be running).
Status QueuePrepared(Connection& conn, int64_t seq, TimePoint now, store_rules::StatusDeltas& deltas) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kQueuePrepared));
  BC_RETURN_IF_ERROR(st.Bind(1, Millis(now)).Bind(2, seq).Run());
  deltas.Move(seq, ExecutionStatus::kPrepared, ExecutionStatus::kQueued, conn.Changes());
  return Status::Ok();
}

// Runs a single-row UPDATE ... RETURNING key keyed by (execution id, worker)
// after `bind` filled the leading parameters; moves the changed row (if
// any) from `from` to `to` in `deltas`.
template <typename Bind>
Status RunLeasedMove(Connection& conn, const char* text, ExecutionStatus from, ExecutionStatus to,
                     store_rules::StatusDeltas& deltas, Bind&& bind) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(text));
  bind(st);
  BC_ASSIGN_OR_RETURN(auto row, st.Step());
  if (row) deltas.Move(store_rules::SeqOfKey(st.Int(0)), from, to);
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::StartDueBatches(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // Look first without the write lock: usually nothing is due.
  BC_ASSIGN_OR_RETURN(auto due, SelectSeqIds(*conn, sql::kSelectDueBatchSeqs, Millis(now)));
  BC_ASSIGN_OR_RETURN(auto running,
                      SelectSeqIds(*conn, sql::kSelectRunningBatchSeqs, std::nullopt));
  // A batch paused before its start and then resumed is running with
  // prepared executions: queue them too.
  std::vector<int64_t> unqueued;
  for (const SeqId& r : running) {
    BC_ASSIGN_OR_RETURN(auto any, Probe(*conn, sql::kAnyPrepared, r.seq));
    if (any) unqueued.push_back(r.seq);
  }
  std::vector<std::string> started;
  if (due.empty() && unqueued.empty()) return started;

  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  store_rules::StatusDeltas deltas;
  for (const SeqId& b : due) {
    auto changed = RunLeasedUpdate(*conn, sql::kStartBatch,
                                   [&](Statement& st) { st.Bind(1, Millis(now)).Bind(2, b.seq); });
    if (!changed.ok()) return changed.status();
    if (*changed == 0) continue;  // no longer scheduled
    BC_RETURN_IF_ERROR(QueuePrepared(*conn, b.seq, now, deltas));
    started.push_back(b.id);
  }
  if (!unqueued.empty()) {
    BC_ASSIGN_OR_RETURN(auto still_running,
                        SelectSeqIds(*conn, sql::kSelectRunningBatchSeqs, std::nullopt));
    for (const SeqId& r : still_running) {
      if (std::find(unqueued.begin(), unqueued.end(), r.seq) == unqueued.end()) continue;
      BC_RETURN_IF_ERROR(QueuePrepared(*conn, r.seq, now, deltas));
    }
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BC_RETURN_IF_ERROR(txn.Commit());
  return started;
}

Result<std::vector<RunningBatch>> SqliteStore::ListRunningBatches() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  std::vector<Batch> batches;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectRunningBatches));
    BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
      BC_ASSIGN_OR_RETURN(auto b, sqlite::ReadBatch(s, nullptr));
      batches.push_back(std::move(b));
      return Status::Ok();
    }));
  }
  std::map<std::string, Agent> agents;
  std::vector<RunningBatch> out;
  out.reserve(batches.size());
  for (Batch& b : batches) {
    auto it = agents.find(b.agent_id);
    if (it == agents.end()) {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgent));
      st.Bind(1, b.agent_id).Bind(2, b.account_id);
      BC_RETURN_IF_ERROR(
          st.StepRow("agent " + b.agent_id + " of running batch " + b.id + " not found"));
      BC_ASSIGN_OR_RETURN(auto agent, sqlite::ReadAgent(st, options_.secret_box));
      it = agents.emplace(b.agent_id, std::move(agent)).first;
    }
    out.push_back(RunningBatch{std::move(b), it->second});
  }
  return out;
}

Result<std::vector<Execution>> SqliteStore::ClaimExecutions(const std::string& batch_id, int64_t limit,
                                                            const std::string& worker, TimePoint now,
                                                            TimePoint lease_until) {
  std::vector<Execution> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  Batch batch;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectBatchByIdOnly));
    st.Bind(1, batch_id);
    BC_RETURN_IF_ERROR(st.StepRow("batch " + batch_id + " not found"));
    BC_ASSIGN_OR_RETURN(auto b, sqlite::ReadBatch(st, &seq));
    batch = std::move(b);
  }
  if (batch.status != BatchStatus::kRunning) return out;

  // Due retries (and calling-hours waits) first, by due time; then CSV order.
  std::vector<std::pair<int64_t, ExecutionStatus>> keys;  // key, status before the claim
  for (const char* text : {sql::kSelectDueRetryKeys, sql::kSelectQueuedKeys}) {
    const int64_t want = limit - static_cast<int64_t>(keys.size());
    if (want <= 0) break;
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(text));
    st.Bind(1, seq).Bind(2, Millis(now)).Bind(3, worker).Bind(4, want);
    BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) -> Status {
      BC_ASSIGN_OR_RETURN(ExecutionStatus status, store_rules::ParseStoredStatus(s.TextView(1)));
      keys.emplace_back(s.Int(0), status);
      return Status::Ok();
    }));
  }
  out.reserve(keys.size());
  store_rules::StatusDeltas deltas;
  for (const auto& [key, status] : keys) {
    deltas.Move(seq, status, ExecutionStatus::kQueued);
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kClaimExecution));
      BC_RETURN_IF_ERROR(
          st.Bind(1, worker).Bind(2, Millis(lease_until)).Bind(3, Millis(now)).Bind(4, key).Run());
    }
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectExecutionByKey));
    st.Bind(1, key);
    BC_RETURN_IF_ERROR(st.StepRow("claimed execution vanished"));
    BC_ASSIGN_OR_RETURN(auto e, sqlite::ReadExecution(st, batch));
    out.push_back(std::move(e));
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BC_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Status SqliteStore::ReleaseExecutions(const std::vector<std::string>& execution_ids, const std::string& worker) {
  if (execution_ids.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const std::string& id : execution_ids) {
    auto changed = RunLeasedUpdate(*conn, sql::kReleaseExecution,
                                   [&](Statement& st) { st.Bind(1, id).Bind(2, worker); });
    if (!changed.ok()) return changed.status();
  }
  return txn.Commit();
}

Result<std::vector<std::string>> SqliteStore::BeginAttempts(const std::vector<AttemptStart>& starts,
                                                            const std::string& worker, TimePoint now) {
  return BeginAttemptsImpl(starts, worker, now, nullptr);
}

Result<std::vector<std::string>> SqliteStore::BeginAttemptsLimited(const std::vector<AttemptStart>& starts,
                                                                   const std::string& worker, TimePoint now,
                                                                   const DialLimits& limits) {
  return BeginAttemptsImpl(starts, worker, now, &limits);
}

namespace {

// The account's dials to `number` that `limits` may count at `now`, ascending (Unix ms).
Result<std::vector<int64_t>> DialTimes(Connection& conn, const std::string& account_id, const std::string& number,
                                       const std::vector<ContactLimit>& limits, TimePoint now) {
  int hours = 0;
  for (const ContactLimit& l : limits) hours = std::max(hours, l.per_hours);
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectDialsSince));
  st.Bind(1, account_id).Bind(2, number).Bind(3, Millis(now) - int64_t{hours} * 3'600'000);
  std::vector<int64_t> out;
  while (true) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    out.push_back(st.Int(0));
  }
  return out;
}

// How many more attempts the agent may begin at `now` (the write lock is held).
Result<int64_t> DialAllowance(Connection& conn, const DialLimits& limits, TimePoint now,
                              int64_t wanted) {
  auto count = [&](const char* sql, std::optional<int64_t> since) -> Result<int64_t> {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql));
    st.Bind(1, limits.agent_id);
    if (since) st.Bind(2, *since);
    BC_RETURN_IF_ERROR(st.StepRow("count"));
    return st.Int(0);
  };
  return store_rules::DialAllowance(
      limits, now, wanted, [&] { return count(sql::kCountAgentOpenAttempts, std::nullopt); },
      [&](int64_t since_ms) { return count(sql::kCountAgentStartedSince, since_ms); });
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::BeginAttemptsImpl(const std::vector<AttemptStart>& starts,
                                                                const std::string& worker, TimePoint now,
                                                                const DialLimits* limits) {
  std::vector<std::string> begun;
  if (starts.empty()) return begun;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t allowance = static_cast<int64_t>(starts.size());
  if (limits) {
    BC_ASSIGN_OR_RETURN(auto a, DialAllowance(*conn, *limits, now, allowance));
    allowance = a;
  }
  store_rules::StatusDeltas deltas;
  store_rules::HoldDeltas held;
  for (const AttemptStart& s : starts) {
    int64_t key = 0;
    bool startable = false, ours = false;
    std::string account_id, batch_id, agent_id, number;
    std::optional<std::string> prior_reason;
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectExecutionForStart));
      st.Bind(1, s.execution_id);
      BC_ASSIGN_OR_RETURN(auto row, st.Step());
      if (!row) continue;  // unknown execution
      key = st.Int(0);
      ours = !st.IsNull(2) && st.TextView(2) == worker;
      startable = ours && st.TextView(1) == "queued" && st.TextView(3) == "running";
      account_id = st.Text(4);
      batch_id = st.Text(5);
      agent_id = st.Text(6);
      number = st.Text(7);
      if (!st.IsNull(8)) prior_reason = st.Text(8);
    }
    if (startable && static_cast<int64_t>(begun.size()) >= allowance) startable = false;  // over the limits
    if (startable && !s.limits.empty()) {
      // The write lock is held: the count and the start are one step.
      BC_ASSIGN_OR_RETURN(auto dials, DialTimes(*conn, account_id, number, s.limits, now));
      if (!store_rules::UnderContactLimits(s.limits, dials, Millis(now))) startable = false;
    }
    if (!startable) {
      if (ours) {
        BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kReleaseExecutionByKey));
        BC_RETURN_IF_ERROR(st.Bind(1, key).Bind(2, worker).Run());
      }
      continue;
    }
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertAttempt));
      st.Bind(1, s.attempt_id)
          .Bind(2, key)
          .Bind(3, s.execution_id)
          .Bind(4, agent_id)
          .Bind(5, account_id);
      st.Bind(6, batch_id)
          .Bind(7, s.attempt_number)
          .Bind(8, s.idempotency_key)
          .Bind(9, s.from_number);
      BC_RETURN_IF_ERROR(st.Bind(10, Millis(now)).Bind(11, worker).Run());
    }
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kBeginExecution));
      BC_RETURN_IF_ERROR(st.Bind(1, s.from_number).Bind(2, Millis(now)).Bind(3, key).Run());
    }
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertDial));
      BC_RETURN_IF_ERROR(st.Bind(1, account_id).Bind(2, number).Bind(3, Millis(now)).Bind(4, s.attempt_id).Run());
    }
    // Startable means queued.
    deltas.Move(store_rules::SeqOfKey(key), ExecutionStatus::kQueued, ExecutionStatus::kInitiated);
    held.Move(store_rules::SeqOfKey(key), prior_reason, std::nullopt);
    begun.push_back(s.attempt_id);
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BC_RETURN_IF_ERROR(sqlite::ApplyHoldDeltas(*conn, held));
  BC_RETURN_IF_ERROR(txn.Commit());
  return begun;
}

Status SqliteStore::SetProviderCallIds(const std::vector<std::pair<std::string, std::string>>& ids) {
  if (ids.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const auto& [attempt_id, call_id] : ids) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSetProviderCallId));
    BC_RETURN_IF_ERROR(st.Bind(1, call_id).Bind(2, attempt_id).Run());
  }
  return txn.Commit();
}

Result<std::vector<std::string>> SqliteStore::CompleteFinishedBatches(TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  std::vector<std::string> completed;
  // Find candidates without the write lock, then re-check under it.
  auto finished = [&]() -> Result<std::vector<SeqId>> {
    BC_ASSIGN_OR_RETURN(auto running,
                        SelectSeqIds(*conn, sql::kSelectRunningBatchSeqs, std::nullopt));
    std::vector<SeqId> out;
    for (SeqId& r : running) {
      BC_ASSIGN_OR_RETURN(auto open, Probe(*conn, sql::kAnyOpenExecution, r.seq));
      if (!open) out.push_back(std::move(r));
    }
    return out;
  };
  BC_ASSIGN_OR_RETURN(auto candidates, finished());
  if (candidates.empty()) return completed;
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto confirmed, finished());
  for (const SeqId& b : confirmed) {
    auto changed = RunLeasedUpdate(*conn, sql::kCompleteBatch,
                                   [&](Statement& st) { st.Bind(1, Millis(now)).Bind(2, b.seq); });
    if (!changed.ok()) return changed.status();
    if (*changed) completed.push_back(b.id);
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return completed;
}

Result<std::optional<TimePoint>> SqliteStore::NextDueTime() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  std::optional<int64_t> next;
  auto consider = [&next](int64_t t) {
    if (!next || t < *next) next = t;
  };
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kMinScheduledAt));
    BC_RETURN_IF_ERROR(st.StepRow("MIN returned no row"));
    if (!st.IsNull(0)) consider(st.Int(0));
  }
  BC_ASSIGN_OR_RETURN(auto running,
                      SelectSeqIds(*conn, sql::kSelectRunningBatchSeqs, std::nullopt));
  for (const SeqId& r : running) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kMinNextAttemptAt));
    st.Bind(1, r.seq);
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (row) consider(st.Int(0));
  }
  if (!next) return std::optional<TimePoint>();
  return std::optional<TimePoint>(FromUnixMillis(*next));
}

}  // namespace batchcall
