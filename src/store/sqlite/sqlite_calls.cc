// SqliteStore: provider call updates (ApplyCallUpdates), attempt lists and
// lookups (FindAttempt, FindLatestAttempt) and the per-account do-not-call
// list.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "domain/guardrails.h"
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

using store_rules::AttemptRow;
using store_rules::ParseStoredStatus;

// NotFound for an unknown attempt.
Result<AttemptRow> LoadAttempt(Connection& conn, const std::string& attempt_id) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectAttemptForUpdate));
  st.Bind(1, attempt_id);
  BC_RETURN_IF_ERROR(st.StepRow("attempt " + attempt_id + " not found"));
  AttemptRow a;
  a.execution_key = st.Int(0);
  BC_ASSIGN_OR_RETURN(a.status, ParseStoredStatus(st.TextView(1)));
  a.closed = st.Int(2) != 0;
  a.number = static_cast<int>(st.Int(3));
  a.started_at = st.Int(4);
  a.from_number = st.Text(5);
  a.provider_call_id = st.Text(6);
  a.agent_id = st.Text(7);
  a.execution_id = st.Text(8);
  BC_ASSIGN_OR_RETURN(a.execution_status, ParseStoredStatus(st.TextView(9)));
  a.contact_number = st.Text(10);
  a.batch_stopped = st.TextView(11) == "stopped";
  a.account_id = st.Text(13);
  return a;
}

// A progress event: executes store_rules::PlanProgress.
Status ApplyProgress(Connection& conn, const CallEvent& e, const AttemptRow& a, TimePoint now,
                     store_rules::StatusDeltas& deltas) {
  const store_rules::ProgressPlan plan = store_rules::PlanProgress(e, a);
  if (plan.advance_attempt) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kAdvanceAttempt));
    BC_RETURN_IF_ERROR(st.Bind(1, ToString(plan.attempt_status))
                           .Bind(2, e.provider_call_id)
                           .Bind(3, e.attempt_id)
                           .Run());
  }
  if (!plan.advance_execution) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kAdvanceExecution));
  BC_RETURN_IF_ERROR(st.Bind(1, ToString(e.status)).Bind(2, Millis(now)).Bind(3, a.execution_key).Run());
  deltas.Move(store_rules::SeqOfKey(a.execution_key), a.execution_status, e.status, conn.Changes());
  return Status::Ok();
}

// An outcome: executes store_rules::PlanOutcome.
Result<AppliedOutcome> ApplyOutcome(Connection& conn, const CallUpdate& u, const AttemptRow& a,
                                    const std::string& provider_type, TimePoint now,
                                    store_rules::StatusDeltas& deltas) {
  const CallEvent& e = u.event;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kCloseAttempt));
    st.Bind(1, ToString(e.status))
        .Bind(2, Millis(e.at))
        .Bind(3, e.duration_seconds)
        .Bind(4, e.ring_seconds);
    st.Bind(5, e.cost)
        .Bind(6, e.answered_by_voice_mail)
        .Bind(7, e.recording_url)
        .Bind(8, e.hangup_by);
    st.Bind(9, e.hangup_reason)
        .Bind(10, e.error_message)
        .Bind(11, e.provider_call_id)
        .Bind(12, e.attempt_id);
    BC_RETURN_IF_ERROR(st.Run());
  }
  const store_rules::OutcomePlan plan = store_rules::PlanOutcome(u, a, provider_type);
  // kAppendHistory and kFinishExecution share the parameter numbers 2, 13..16.
  BC_ASSIGN_OR_RETURN(
      auto st, conn.Prepare(plan.finish_execution ? sql::kFinishExecution : sql::kAppendHistory));
  st.Bind(2, Millis(now)).Bind(13, a.number).Bind(14, ToString(e.status)).Bind(15, a.started_at);
  st.Bind(16, a.execution_key);
  if (plan.finish_execution) {
    st.Bind(1, ToString(plan.execution_status)).Bind(3, plan.retry ? 1 : 0);
    if (plan.next_attempt_at_ms) {
      st.Bind(4, *plan.next_attempt_at_ms);
    } else {
      st.BindNull(4);
    }
    st.Bind(5, e.duration_seconds).Bind(6, e.cost).Bind(7, e.answered_by_voice_mail);
    st.Bind(8, e.transcript).Bind(9, e.summary);
    if (plan.extracted_data) {
      st.Bind(10, *plan.extracted_data);
    } else {
      st.BindNull(10);
    }
    st.Bind(11, plan.telephony_data).Bind(12, e.error_message);
  }
  BC_RETURN_IF_ERROR(st.Run());
  if (plan.finish_execution) {
    deltas.Move(store_rules::SeqOfKey(a.execution_key), a.execution_status, plan.execution_status,
                conn.Changes());
  }
  return plan.applied;
}

}  // namespace

Result<std::vector<AppliedOutcome>> SqliteStore::ApplyCallUpdates(const std::vector<CallUpdate>& updates,
                                                                  TimePoint now) {
  std::vector<AppliedOutcome> applied;
  if (updates.empty()) return applied;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  std::unordered_map<std::string, std::string> provider_types;  // agent id -> provider_type
  store_rules::StatusDeltas deltas;
  for (const CallUpdate& u : updates) {
    auto a = LoadAttempt(*conn, u.event.attempt_id);
    if (!a.ok()) {
      if (a.status().code() == StatusCode::kNotFound) continue;  // unknown attempt: ignored
      return a.status();
    }
    if (a->closed) continue;  // duplicate or late event of a finished attempt
    if (!IsOutcome(u.event)) {
      BC_RETURN_IF_ERROR(ApplyProgress(*conn, u.event, *a, now, deltas));
      continue;
    }
    auto type = provider_types.find(a->agent_id);
    if (type == provider_types.end()) {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAgentProviderType));
      st.Bind(1, a->agent_id);
      BC_ASSIGN_OR_RETURN(auto row, st.Step());
      type = provider_types.emplace(a->agent_id, row ? st.Text(0) : std::string()).first;
    }
    BC_ASSIGN_OR_RETURN(auto outcome, ApplyOutcome(*conn, u, *a, type->second, now, deltas));
    applied.push_back(std::move(outcome));
    if (u.event.opt_out) {
      // The callee opted out: listed at once, in the outcome's transaction.
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertDnc));
      BC_RETURN_IF_ERROR(st.Bind(1, a->account_id)
                             .Bind(2, a->contact_number)
                             .Bind(3, OptOutReason(a->execution_id))
                             .Bind(4, Millis(now))
                             .Run());
    }
    if (u.never_placed) {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteDial));
      BC_RETURN_IF_ERROR(
          st.Bind(1, a->account_id).Bind(2, a->contact_number).Bind(3, a->started_at).Bind(4, u.event.attempt_id).Run());
    }
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BC_RETURN_IF_ERROR(txn.Commit());
  return applied;
}

Result<std::vector<OpenAttempt>> SqliteStore::ListOpenAttempts() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectOpenAttempts));
  std::vector<OpenAttempt> out;
  BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
    out.push_back(sqlite::ReadOpenAttempt(s));
    return Status::Ok();
  }));
  return out;
}

Result<OpenAttempt> SqliteStore::FindAttempt(const std::string& attempt_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAttemptById));
  st.Bind(1, attempt_id);
  BC_RETURN_IF_ERROR(st.StepRow("attempt " + attempt_id + " not found"));
  return sqlite::ReadOpenAttempt(st);
}

Result<OpenAttempt> SqliteStore::FindLatestAttempt(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectLatestAttempt));
  st.Bind(1, execution_id);
  BC_RETURN_IF_ERROR(st.StepRow("no attempt of execution " + execution_id));
  return sqlite::ReadOpenAttempt(st);
}

Result<std::vector<Attempt>> SqliteStore::ListAttempts(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAttemptsOfExecution));
  st.Bind(1, execution_id);
  std::vector<Attempt> out;
  BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
    out.push_back(sqlite::ReadAttempt(s));
    return Status::Ok();
  }));
  return out;
}

// --- do-not-call

Result<int64_t> SqliteStore::AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers,
                                          const std::string& reason, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t added = 0;
  for (const std::string& number : numbers) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertDnc));
    BC_RETURN_IF_ERROR(
        st.Bind(1, account_id).Bind(2, number).Bind(3, reason).Bind(4, Millis(now)).Run());
    added += conn->Changes();
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return added;
}

Result<std::vector<DncEntry>> SqliteStore::ListDoNotCall(const std::string& account_id,
                                                         const std::string& after_number, int64_t limit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDncPage));
  st.Bind(1, account_id).Bind(2, after_number).Bind(3, std::max<int64_t>(0, limit));
  std::vector<DncEntry> out;
  BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
    out.push_back(DncEntry{s.Text(0), s.Text(1), FromUnixMillis(s.Int(2))});
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::RemoveDoNotCall(const std::string& account_id, const std::string& number) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteDnc));
  BC_RETURN_IF_ERROR(st.Bind(1, account_id).Bind(2, number).Run());
  if (conn->Changes() == 0) return NotFound(number + " is not on the do-not-call list");
  return Status::Ok();
}

Result<std::map<std::string, std::string>> SqliteStore::DoNotCallReasons(const std::string& account_id,
                                                                        const std::vector<std::string>& numbers) {
  std::map<std::string, std::string> listed;
  if (numbers.empty()) return listed;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kAnyDnc));
    st.Bind(1, account_id);
    BC_ASSIGN_OR_RETURN(auto any, st.Step());
    if (!any) return listed;
  }
  for (const std::string& number : numbers) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDncReason));
    st.BindStatic(1, account_id).BindStatic(2, number);
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (row) listed[number] = st.Text(0);
  }
  return listed;
}

}  // namespace batchcall
