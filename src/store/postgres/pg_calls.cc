// PostgresStore: provider call updates (ApplyCallUpdates), attempt lists and
// lookups, node heartbeats, adoption of orphaned attempts and which tracked
// attempts were closed elsewhere.
//
// ApplyCallUpdates locks the batches involved (FOR KEY SHARE), then every
// attempt it touches and its execution (FOR UPDATE, in execution-key order)
// before reading them, so two nodes applying events of the same call
// serialise, an outcome is applied exactly once, and a retry never lands in
// a batch stopped meanwhile.
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/pg_batch_ops.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"
#include "domain/guardrails.h"
#include "store/rules/rules.h"

namespace batchcall {

using pg::Connection;
using pg::Params;
using pg::Row;
using pg::Transaction;
using store_rules::Millis;
namespace sql = pg_sql;

namespace {

using store_rules::AttemptRow;
using store_rules::ParseStoredStatus;

// NotFound for an unknown attempt.
Result<AttemptRow> LoadAttempt(Connection& conn, const std::string& attempt_id) {
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn.Query(sql::kSelectAttemptForUpdate, Params().Add(attempt_id)));
  if (rows.size() == 0) return NotFound("attempt " + attempt_id + " not found");
  Row r(rows, 0);
  AttemptRow a;
  a.execution_key = r.Int(0);
  BC_ASSIGN_OR_RETURN(a.status, ParseStoredStatus(r.TextView(1)));
  a.closed = r.Bool(2);
  a.number = static_cast<int>(r.Int(3));
  a.started_at = r.Int(4);
  a.from_number = r.Text(5);
  a.provider_call_id = r.Text(6);
  a.agent_id = r.Text(7);
  a.execution_id = r.Text(8);
  BC_ASSIGN_OR_RETURN(a.execution_status, ParseStoredStatus(r.TextView(9)));
  a.contact_number = r.Text(10);
  a.batch_stopped = r.TextView(11) == "stopped";
  a.account_id = r.Text(12);
  return a;
}

// A progress event: executes store_rules::PlanProgress.
Status ApplyProgress(Connection& conn, const CallEvent& e, const AttemptRow& a, TimePoint now,
                     store_rules::StatusDeltas& deltas) {
  const store_rules::ProgressPlan plan = store_rules::PlanProgress(e, a);
  if (plan.advance_attempt) {
    Params p;
    p.Add(ToString(plan.attempt_status)).Add(e.provider_call_id).Add(e.attempt_id);
    BC_RETURN_IF_ERROR(conn.Run(sql::kAdvanceAttempt, p).status());
  }
  if (!plan.advance_execution) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto changed, conn.Run(sql::kAdvanceExecution, Params()
                                                                        .Add(ToString(e.status))
                                                                        .Add(Millis(now))
                                                                        .Add(a.execution_key)));
  deltas.Move(store_rules::SeqOfKey(a.execution_key), a.execution_status, e.status, changed);
  return Status::Ok();
}

// An outcome: executes store_rules::PlanOutcome.
Result<AppliedOutcome> ApplyOutcome(Connection& conn, const CallUpdate& u, const AttemptRow& a,
                                    const std::string& provider_type, TimePoint now,
                                    store_rules::StatusDeltas& deltas) {
  const CallEvent& e = u.event;
  {
    Params p;
    p.Add(ToString(e.status))
        .Add(Millis(e.at))
        .Add(e.duration_seconds)
        .Add(e.ring_seconds)
        .Add(e.cost);
    p.Add(e.answered_by_voice_mail).Add(e.recording_url).Add(e.hangup_by).Add(e.hangup_reason);
    p.Add(e.error_message).Add(e.provider_call_id).Add(e.attempt_id);
    BC_RETURN_IF_ERROR(conn.Run(sql::kCloseAttempt, p).status());
  }
  const store_rules::OutcomePlan plan = store_rules::PlanOutcome(u, a, provider_type);
  Params p;
  if (!plan.finish_execution) {
    p.Add(Millis(now)).Add(a.number).Add(ToString(e.status)).Add(a.started_at).Add(a.execution_key);
    BC_RETURN_IF_ERROR(conn.Run(sql::kAppendHistory, p).status());
    return plan.applied;
  }
  p.Add(ToString(plan.execution_status)).Add(Millis(now)).Add(plan.retry ? 1 : 0);
  p.Add(plan.next_attempt_at_ms);
  p.Add(e.duration_seconds).Add(e.cost).Add(e.answered_by_voice_mail).Add(e.transcript).Add(e.summary);
  p.Add(plan.extracted_data).Add(plan.telephony_data);
  p.Add(e.error_message).Add(a.number).Add(ToString(e.status)).Add(a.started_at).Add(a.execution_key);
  BC_ASSIGN_OR_RETURN(auto changed, conn.Run(sql::kFinishExecution, p));
  deltas.Move(store_rules::SeqOfKey(a.execution_key), a.execution_status, plan.execution_status, changed);
  return plan.applied;
}

Attempt ReadAttempt(const Row& r) {
  Attempt a;
  a.id = r.Text(0);
  a.execution_id = r.Text(1);
  a.agent_id = r.Text(2);
  a.number = static_cast<int>(r.Int(3));
  a.idempotency_key = r.Text(4);
  a.provider_call_id = r.Text(5);
  a.from_number = r.Text(6);
  a.status = ParseExecutionStatus(r.TextView(7)).value_or(ExecutionStatus::kError);
  a.started_at = FromUnixMillis(r.Int(8));
  a.ended_at = r.OptionalTime(9);
  return a;
}

// A row selected with BC_PG_OPEN_ATTEMPT_COLUMNS.
OpenAttempt ReadOpenAttempt(const Row& r) {
  OpenAttempt o;
  o.attempt = ReadAttempt(r);
  o.account_id = r.Text(10);
  o.batch_id = r.Text(11);
  o.retry_count = static_cast<int>(r.Int(12));
  o.contact_number = r.Text(13);
  o.closed = o.attempt.ended_at.has_value();
  return o;
}

Result<std::vector<OpenAttempt>> ReadOpenAttempts(Result<pg::Rows> rows) {
  if (!rows.ok()) return rows.status();
  std::vector<OpenAttempt> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) out.push_back(ReadOpenAttempt(Row(*rows, i)));
  return out;
}

}  // namespace

Result<std::vector<AppliedOutcome>> PostgresStore::ApplyCallUpdates(const std::vector<CallUpdate>& updates,
                                                                    TimePoint now) {
  std::vector<AppliedOutcome> applied;
  if (updates.empty()) return applied;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    std::vector<std::string> ids;
    ids.reserve(updates.size());
    for (const CallUpdate& u : updates) ids.push_back(u.event.attempt_id);
    const std::string literal = pg::TextArrayLiteral(ids);
    // The batches first (a concurrent stop either precedes us, and a retry
    // becomes the outcome, or waits), then attempts and executions.
    BC_RETURN_IF_ERROR(c.Query(sql::kLockBatchesOfAttempts, Params().Add(literal)).status());
    BC_RETURN_IF_ERROR(c.Query(sql::kLockAttemptsForUpdate, Params().Add(literal)).status());
  }
  std::unordered_map<std::string, std::string> provider_types;  // agent id -> provider_type
  store_rules::StatusDeltas deltas;
  for (const CallUpdate& u : updates) {
    auto a = LoadAttempt(c, u.event.attempt_id);
    if (!a.ok()) {
      if (a.status().code() == StatusCode::kNotFound) continue;  // unknown attempt: ignored
      return a.status();
    }
    if (a->closed) continue;  // duplicate or late event of a finished attempt
    if (!IsOutcome(u.event)) {
      BC_RETURN_IF_ERROR(ApplyProgress(c, u.event, *a, now, deltas));
      continue;
    }
    auto type = provider_types.find(a->agent_id);
    if (type == provider_types.end()) {
      BC_ASSIGN_OR_RETURN(auto rows,
                          c.Query(sql::kSelectAgentProviderType, Params().Add(a->agent_id)));
      type = provider_types.emplace(a->agent_id, rows.size() > 0 ? rows.Text(0, 0) : std::string())
                 .first;
    }
    BC_ASSIGN_OR_RETURN(auto outcome, ApplyOutcome(c, u, *a, type->second, now, deltas));
    applied.push_back(std::move(outcome));
    if (u.event.opt_out) {
      // The callee opted out: listed at once, in the outcome's transaction.
      BC_RETURN_IF_ERROR(c.Run(sql::kInsertDnc, Params()
                                                    .Add(a->account_id)
                                                    .Add(a->contact_number)
                                                    .Add(OptOutReason(a->execution_id))
                                                    .Add(Millis(now)))
                             .status());
    }
    if (u.never_placed) {
      BC_RETURN_IF_ERROR(c.Run(sql::kDeleteDial, Params()
                                                     .Add(a->account_id)
                                                     .Add(a->contact_number)
                                                     .Add(a->started_at)
                                                     .Add(u.event.attempt_id))
                             .status());
    }
  }
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(c, deltas, options_.node_id));
  BC_RETURN_IF_ERROR(txn.Commit());
  return applied;
}

Result<std::vector<OpenAttempt>> PostgresStore::ListOpenAttempts() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return ReadOpenAttempts(conn->Query(sql::kSelectOpenAttempts, Params()));
}

Result<OpenAttempt> PostgresStore::FindAttempt(const std::string& attempt_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectAttemptById, Params().Add(attempt_id)));
  if (rows.size() == 0) return NotFound("attempt " + attempt_id + " not found");
  return ReadOpenAttempt(Row(rows, 0));
}

Result<OpenAttempt> PostgresStore::FindLatestAttempt(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectLatestAttempt, Params().Add(execution_id)));
  if (rows.size() == 0) return NotFound("no attempt of execution " + execution_id);
  return ReadOpenAttempt(Row(rows, 0));
}

Result<std::vector<Attempt>> PostgresStore::ListAttempts(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectAttemptsOfExecution, Params().Add(execution_id)));
  std::vector<Attempt> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) out.push_back(ReadAttempt(Row(rows, i)));
  return out;
}

// --- nodes

Status PostgresStore::Heartbeat(const std::string& worker, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return conn->Run(sql::kHeartbeat, Params().Add(worker).Add(Millis(now))).status();
}

Result<std::vector<OpenAttempt>> PostgresStore::AdoptOrphanAttempts(const std::string& worker,
                                                                    TimePoint stale_before, bool include_own) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  std::vector<std::string> ids;
  {
    // SKIP LOCKED: an attempt another adopter (or ApplyCallUpdates) holds is
    // left to it; the adopter's WHERE is re-checked on rows changed meanwhile.
    BC_ASSIGN_OR_RETURN(auto rows,
                        c.Query(sql::kLockOrphanAttempts,
                                Params().Add(worker).Add(include_own).Add(Millis(stale_before))));
    for (int i = 0; i < rows.size(); ++i) ids.push_back(rows.Text(i, 0));
  }
  if (ids.empty()) return std::vector<OpenAttempt>{};
  const std::string literal = pg::TextArrayLiteral(ids);
  BC_RETURN_IF_ERROR(c.Run(sql::kSetAttemptOwners, Params().Add(worker).Add(literal)).status());
  BC_ASSIGN_OR_RETURN(auto out,
                      ReadOpenAttempts(c.Query(sql::kSelectAttemptsByIds, Params().Add(literal))));
  BC_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<std::vector<std::string>> PostgresStore::FilterClosedAttempts(const std::vector<std::string>& attempt_ids) {
  std::vector<std::string> closed;
  if (attempt_ids.empty()) return closed;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectOpenAttemptIds,
                                             Params().Add(pg::TextArrayLiteral(attempt_ids))));
  std::unordered_set<std::string> open;
  for (int i = 0; i < rows.size(); ++i) open.insert(rows.Text(i, 0));
  for (const std::string& id : attempt_ids) {
    if (!open.count(id)) closed.push_back(id);
  }
  return closed;
}

}  // namespace batchcall
