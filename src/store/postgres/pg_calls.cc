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

#include "store/call_rules.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"

namespace batchcall {

using pg::Connection;
using pg::Millis;
using pg::Params;
using pg::Row;
using pg::Transaction;
namespace sql = pg_sql;

namespace {

using E = ExecutionStatus;
using call_rules::FlightRank;
using call_rules::ReachableForward;

Result<E> ParseStatus(std::string_view text) {
  auto s = ParseExecutionStatus(text);
  if (!s) return Internal("stored status is unknown: " + std::string(text));
  return *s;
}

// What ApplyCallUpdates reads about an attempt (kSelectAttemptForUpdate).
struct AttemptRow {
  int64_t execution_key = 0;
  E status = E::kInitiated;
  bool closed = false;
  int number = 1;
  int64_t started_at = 0;
  std::string from_number;
  std::string provider_call_id;
  std::string agent_id;
  std::string execution_id;
  E execution_status = E::kInitiated;
  std::string contact_number;
  bool batch_stopped = false;
};

// NotFound for an unknown attempt.
Result<AttemptRow> LoadAttempt(Connection& conn, const std::string& attempt_id) {
  auto rows = conn.Query(sql::kSelectAttemptForUpdate, Params().Add(attempt_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("attempt " + attempt_id + " not found");
  Row r(*rows, 0);
  AttemptRow a;
  a.execution_key = r.Int(0);
  auto status = ParseStatus(r.TextView(1));
  if (!status.ok()) return status.status();
  a.status = *status;
  a.closed = r.Bool(2);
  a.number = static_cast<int>(r.Int(3));
  a.started_at = r.Int(4);
  a.from_number = r.Text(5);
  a.provider_call_id = r.Text(6);
  a.agent_id = r.Text(7);
  a.execution_id = r.Text(8);
  auto exec_status = ParseStatus(r.TextView(9));
  if (!exec_status.ok()) return exec_status.status();
  a.execution_status = *exec_status;
  a.contact_number = r.Text(10);
  a.batch_stopped = r.TextView(11) == "stopped";
  return a;
}

// A progress event: attempt and execution move forward only.
Status ApplyProgress(Connection& conn, const CallEvent& e, const AttemptRow& a, TimePoint now) {
  const int target = FlightRank(e.status);
  if (target < 0) return Status::Ok();
  if (target > FlightRank(a.status) || (a.provider_call_id.empty() && !e.provider_call_id.empty())) {
    const E status = target > FlightRank(a.status) ? e.status : a.status;
    auto n = conn.Run(sql::kAdvanceAttempt, Params().Add(ToString(status)).Add(e.provider_call_id).Add(e.attempt_id));
    if (!n.ok()) return n.status();
  }
  const int current = FlightRank(a.execution_status);
  if (current < 0 || target <= current || !ReachableForward(a.execution_status, e.status)) return Status::Ok();
  return conn.Run(sql::kAdvanceExecution, Params().Add(ToString(e.status)).Add(Millis(now)).Add(a.execution_key))
      .status();
}

// An outcome: closes the attempt and finishes (or reschedules) the execution.
Result<AppliedOutcome> ApplyOutcome(Connection& conn, const CallUpdate& u, const AttemptRow& a,
                                    const std::string& provider_type, TimePoint now) {
  const CallEvent& e = u.event;
  {
    auto n = conn.Run(sql::kCloseAttempt, Params()
                                              .Add(ToString(e.status))
                                              .Add(Millis(e.at))
                                              .Add(e.duration_seconds)
                                              .Add(e.ring_seconds)
                                              .Add(e.cost)
                                              .Add(e.answered_by_voice_mail)
                                              .Add(e.recording_url)
                                              .Add(e.hangup_by)
                                              .Add(e.hangup_reason)
                                              .Add(e.error_message)
                                              .Add(e.provider_call_id)
                                              .Add(e.attempt_id));
    if (!n.ok()) return n.status();
  }
  const bool retry = u.retry && !a.batch_stopped;
  const E target = retry ? E::kScheduled : e.status;
  AppliedOutcome applied{e.attempt_id, a.execution_id, a.agent_id, a.execution_status};
  if (!ReachableForward(a.execution_status, target)) {
    // The execution cannot take this outcome (it was moved on by other
    // means): only the history records the attempt.
    auto n = conn.Run(sql::kAppendHistory, Params()
                                               .Add(Millis(now))
                                               .Add(a.number)
                                               .Add(ToString(e.status))
                                               .Add(a.started_at)
                                               .Add(a.execution_key));
    if (!n.ok()) return n.status();
    return applied;
  }
  Params p;
  p.Add(ToString(target)).Add(Millis(now)).Add(retry ? 1 : 0);
  if (retry) {
    p.Add(Millis(u.next_attempt_at));
  } else {
    p.AddNull();
  }
  p.Add(e.duration_seconds).Add(e.cost).Add(e.answered_by_voice_mail).Add(e.transcript).Add(e.summary);
  if (e.extracted_data.is_null()) {
    p.AddNull();
  } else {
    p.Add(e.extracted_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  p.Add(call_rules::TelephonyData(e, a.contact_number, a.from_number, a.provider_call_id, provider_type));
  p.Add(e.error_message).Add(a.number).Add(ToString(e.status)).Add(a.started_at).Add(a.execution_key);
  auto n = conn.Run(sql::kFinishExecution, p);
  if (!n.ok()) return n.status();
  applied.execution_status = target;
  return applied;
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
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
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
  for (const CallUpdate& u : updates) {
    auto a = LoadAttempt(c, u.event.attempt_id);
    if (!a.ok()) {
      if (a.status().code() == StatusCode::kNotFound) continue;  // unknown attempt: ignored
      return a.status();
    }
    if (a->closed) continue;  // duplicate or late event of a finished attempt
    if (!IsOutcome(u.event)) {
      BC_RETURN_IF_ERROR(ApplyProgress(c, u.event, *a, now));
      continue;
    }
    auto type = provider_types.find(a->agent_id);
    if (type == provider_types.end()) {
      auto rows = c.Query(sql::kSelectAgentProviderType, Params().Add(a->agent_id));
      if (!rows.ok()) return rows.status();
      type = provider_types.emplace(a->agent_id, rows->size() > 0 ? rows->Text(0, 0) : std::string()).first;
    }
    auto outcome = ApplyOutcome(c, u, *a, type->second, now);
    if (!outcome.ok()) return outcome.status();
    applied.push_back(std::move(outcome).value());
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return applied;
}

Result<std::vector<OpenAttempt>> PostgresStore::ListOpenAttempts() {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return ReadOpenAttempts((*conn)->Query(sql::kSelectOpenAttempts, Params()));
}

Result<OpenAttempt> PostgresStore::FindAttempt(const std::string& attempt_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Query(sql::kSelectAttemptById, Params().Add(attempt_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("attempt " + attempt_id + " not found");
  return ReadOpenAttempt(Row(*rows, 0));
}

Result<OpenAttempt> PostgresStore::FindLatestAttempt(const std::string& execution_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Query(sql::kSelectLatestAttempt, Params().Add(execution_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("no attempt of execution " + execution_id);
  return ReadOpenAttempt(Row(*rows, 0));
}

Result<std::vector<Attempt>> PostgresStore::ListAttempts(const std::string& execution_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Query(sql::kSelectAttemptsOfExecution, Params().Add(execution_id));
  if (!rows.ok()) return rows.status();
  std::vector<Attempt> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) out.push_back(ReadAttempt(Row(*rows, i)));
  return out;
}

// --- nodes

Status PostgresStore::Heartbeat(const std::string& worker, TimePoint now) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->Run(sql::kHeartbeat, Params().Add(worker).Add(Millis(now))).status();
}

Result<std::vector<OpenAttempt>> PostgresStore::AdoptOrphanAttempts(const std::string& worker,
                                                                    TimePoint stale_before, bool include_own) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  std::vector<std::string> ids;
  {
    // SKIP LOCKED: an attempt another adopter (or ApplyCallUpdates) holds is
    // left to it; the adopter's WHERE is re-checked on rows changed meanwhile.
    auto rows = c.Query(sql::kLockOrphanAttempts, Params().Add(worker).Add(include_own).Add(Millis(stale_before)));
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->size(); ++i) ids.push_back(rows->Text(i, 0));
  }
  if (ids.empty()) return std::vector<OpenAttempt>{};
  const std::string literal = pg::TextArrayLiteral(ids);
  BC_RETURN_IF_ERROR(c.Run(sql::kSetAttemptOwners, Params().Add(worker).Add(literal)).status());
  auto out = ReadOpenAttempts(c.Query(sql::kSelectAttemptsByIds, Params().Add(literal)));
  if (!out.ok()) return out.status();
  BC_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<std::vector<std::string>> PostgresStore::FilterClosedAttempts(const std::vector<std::string>& attempt_ids) {
  std::vector<std::string> closed;
  if (attempt_ids.empty()) return closed;
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Query(sql::kSelectOpenAttemptIds, Params().Add(pg::TextArrayLiteral(attempt_ids)));
  if (!rows.ok()) return rows.status();
  std::unordered_set<std::string> open;
  for (int i = 0; i < rows->size(); ++i) open.insert(rows->Text(i, 0));
  for (const std::string& id : attempt_ids) {
    if (!open.count(id)) closed.push_back(id);
  }
  return closed;
}

}  // namespace batchcall
