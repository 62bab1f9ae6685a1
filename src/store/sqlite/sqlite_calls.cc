// SqliteStore: provider call updates (ApplyCallUpdates), attempt lists and
// lookups (FindAttempt, FindLatestAttempt) and the per-account do-not-call
// list.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "store/call_rules.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

using sqlite::Connection;
using sqlite::Millis;
using sqlite::ForEachRow;
using sqlite::Statement;
using sqlite::Transaction;
namespace sql = sqlite_sql;

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
  auto st = conn.Prepare(sql::kSelectAttemptForUpdate);
  if (!st.ok()) return st.status();
  st->Bind(1, attempt_id);
  BC_RETURN_IF_ERROR(st->StepRow("attempt " + attempt_id + " not found"));
  AttemptRow a;
  a.execution_key = st->Int(0);
  auto status = ParseStatus(st->TextView(1));
  if (!status.ok()) return status.status();
  a.status = *status;
  a.closed = st->Int(2) != 0;
  a.number = static_cast<int>(st->Int(3));
  a.started_at = st->Int(4);
  a.from_number = st->Text(5);
  a.provider_call_id = st->Text(6);
  a.agent_id = st->Text(7);
  a.execution_id = st->Text(8);
  auto exec_status = ParseStatus(st->TextView(9));
  if (!exec_status.ok()) return exec_status.status();
  a.execution_status = *exec_status;
  a.contact_number = st->Text(10);
  a.batch_stopped = st->TextView(11) == "stopped";
  return a;
}

// A progress event: attempt and execution move forward only.
Status ApplyProgress(Connection& conn, const CallEvent& e, const AttemptRow& a, TimePoint now) {
  const int target = FlightRank(e.status);
  if (target < 0) return Status::Ok();
  if (target > FlightRank(a.status) || (a.provider_call_id.empty() && !e.provider_call_id.empty())) {
    auto st = conn.Prepare(sql::kAdvanceAttempt);
    if (!st.ok()) return st.status();
    const E status = target > FlightRank(a.status) ? e.status : a.status;
    BC_RETURN_IF_ERROR(st->Bind(1, ToString(status)).Bind(2, e.provider_call_id).Bind(3, e.attempt_id).Run());
  }
  const int current = FlightRank(a.execution_status);
  if (current < 0 || target <= current || !ReachableForward(a.execution_status, e.status)) return Status::Ok();
  auto st = conn.Prepare(sql::kAdvanceExecution);
  if (!st.ok()) return st.status();
  return st->Bind(1, ToString(e.status)).Bind(2, Millis(now)).Bind(3, a.execution_key).Run();
}

// An outcome: closes the attempt and finishes (or reschedules) the execution.
Result<AppliedOutcome> ApplyOutcome(Connection& conn, const CallUpdate& u, const AttemptRow& a,
                                    const std::string& provider_type, TimePoint now) {
  const CallEvent& e = u.event;
  const int64_t ended_at = Millis(e.at);
  {
    auto st = conn.Prepare(sql::kCloseAttempt);
    if (!st.ok()) return st.status();
    st->Bind(1, ToString(e.status)).Bind(2, ended_at).Bind(3, e.duration_seconds).Bind(4, e.ring_seconds);
    st->Bind(5, e.cost).Bind(6, e.answered_by_voice_mail).Bind(7, e.recording_url).Bind(8, e.hangup_by);
    st->Bind(9, e.hangup_reason).Bind(10, e.error_message).Bind(11, e.provider_call_id).Bind(12, e.attempt_id);
    BC_RETURN_IF_ERROR(st->Run());
  }
  const bool retry = u.retry && !a.batch_stopped;
  const E target = retry ? E::kScheduled : e.status;
  AppliedOutcome applied{e.attempt_id, a.execution_id, a.agent_id, a.execution_status};
  if (!ReachableForward(a.execution_status, target)) {
    // The execution cannot take this outcome (it was moved on by other
    // means): only the history records the attempt.
    auto st = conn.Prepare(sql::kAppendHistory);
    if (!st.ok()) return st.status();
    st->Bind(2, Millis(now)).Bind(13, a.number).Bind(14, ToString(e.status)).Bind(15, a.started_at);
    BC_RETURN_IF_ERROR(st->Bind(16, a.execution_key).Run());
    return applied;
  }
  auto st = conn.Prepare(sql::kFinishExecution);
  if (!st.ok()) return st.status();
  st->Bind(1, ToString(target)).Bind(2, Millis(now)).Bind(3, retry ? 1 : 0);
  if (retry) {
    st->Bind(4, Millis(u.next_attempt_at));
  } else {
    st->BindNull(4);
  }
  st->Bind(5, e.duration_seconds).Bind(6, e.cost).Bind(7, e.answered_by_voice_mail);
  st->Bind(8, e.transcript).Bind(9, e.summary);
  if (e.extracted_data.is_null()) {
    st->BindNull(10);
  } else {
    st->Bind(10, e.extracted_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  st->Bind(11, call_rules::TelephonyData(e, a.contact_number, a.from_number, a.provider_call_id, provider_type)).Bind(12, e.error_message);
  st->Bind(13, a.number).Bind(14, ToString(e.status)).Bind(15, a.started_at).Bind(16, a.execution_key);
  BC_RETURN_IF_ERROR(st->Run());
  applied.execution_status = target;
  return applied;
}

}  // namespace

Result<std::vector<AppliedOutcome>> SqliteStore::ApplyCallUpdates(const std::vector<CallUpdate>& updates,
                                                                  TimePoint now) {
  std::vector<AppliedOutcome> applied;
  if (updates.empty()) return applied;
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction txn(**conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  std::unordered_map<std::string, std::string> provider_types;  // agent id -> provider_type
  for (const CallUpdate& u : updates) {
    auto a = LoadAttempt(**conn, u.event.attempt_id);
    if (!a.ok()) {
      if (a.status().code() == StatusCode::kNotFound) continue;  // unknown attempt: ignored
      return a.status();
    }
    if (a->closed) continue;  // duplicate or late event of a finished attempt
    if (!IsOutcome(u.event)) {
      BC_RETURN_IF_ERROR(ApplyProgress(**conn, u.event, *a, now));
      continue;
    }
    auto type = provider_types.find(a->agent_id);
    if (type == provider_types.end()) {
      auto st = (*conn)->Prepare(sql::kSelectAgentProviderType);
      if (!st.ok()) return st.status();
      st->Bind(1, a->agent_id);
      auto row = st->Step();
      if (!row.ok()) return row.status();
      type = provider_types.emplace(a->agent_id, *row ? st->Text(0) : std::string()).first;
    }
    auto outcome = ApplyOutcome(**conn, u, *a, type->second, now);
    if (!outcome.ok()) return outcome.status();
    applied.push_back(std::move(outcome).value());
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return applied;
}

Result<std::vector<OpenAttempt>> SqliteStore::ListOpenAttempts() {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectOpenAttempts);
  if (!st.ok()) return st.status();
  std::vector<OpenAttempt> out;
  BC_RETURN_IF_ERROR(ForEachRow(*st, [&](Statement& s) {
    out.push_back(sqlite::ReadOpenAttempt(s));
    return Status::Ok();
  }));
  return out;
}

Result<OpenAttempt> SqliteStore::FindAttempt(const std::string& attempt_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectAttemptById);
  if (!st.ok()) return st.status();
  st->Bind(1, attempt_id);
  BC_RETURN_IF_ERROR(st->StepRow("attempt " + attempt_id + " not found"));
  return sqlite::ReadOpenAttempt(*st);
}

Result<OpenAttempt> SqliteStore::FindLatestAttempt(const std::string& execution_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectLatestAttempt);
  if (!st.ok()) return st.status();
  st->Bind(1, execution_id);
  BC_RETURN_IF_ERROR(st->StepRow("no attempt of execution " + execution_id));
  return sqlite::ReadOpenAttempt(*st);
}

Result<std::vector<Attempt>> SqliteStore::ListAttempts(const std::string& execution_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectAttemptsOfExecution);
  if (!st.ok()) return st.status();
  st->Bind(1, execution_id);
  std::vector<Attempt> out;
  BC_RETURN_IF_ERROR(ForEachRow(*st, [&](Statement& s) {
    out.push_back(sqlite::ReadAttempt(s));
    return Status::Ok();
  }));
  return out;
}

// --- do-not-call

Result<int64_t> SqliteStore::AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers,
                                          const std::string& reason, TimePoint now) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction txn(**conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t added = 0;
  for (const std::string& number : numbers) {
    auto st = (*conn)->Prepare(sql::kInsertDnc);
    if (!st.ok()) return st.status();
    BC_RETURN_IF_ERROR(st->Bind(1, account_id).Bind(2, number).Bind(3, reason).Bind(4, Millis(now)).Run());
    added += (*conn)->Changes();
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return added;
}

Result<std::vector<DncEntry>> SqliteStore::ListDoNotCall(const std::string& account_id,
                                                         const std::string& after_number, int64_t limit) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectDncPage);
  if (!st.ok()) return st.status();
  st->Bind(1, account_id).Bind(2, after_number).Bind(3, std::max<int64_t>(0, limit));
  std::vector<DncEntry> out;
  BC_RETURN_IF_ERROR(ForEachRow(*st, [&](Statement& s) {
    out.push_back(DncEntry{s.Text(0), s.Text(1), FromUnixMillis(s.Int(2))});
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::RemoveDoNotCall(const std::string& account_id, const std::string& number) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kDeleteDnc);
  if (!st.ok()) return st.status();
  BC_RETURN_IF_ERROR(st->Bind(1, account_id).Bind(2, number).Run());
  if ((*conn)->Changes() == 0) return NotFound(number + " is not on the do-not-call list");
  return Status::Ok();
}

Result<std::vector<std::string>> SqliteStore::FilterDoNotCall(const std::string& account_id,
                                                              const std::vector<std::string>& numbers) {
  std::vector<std::string> listed;
  if (numbers.empty()) return listed;
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction snapshot(**conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  {
    // Most accounts list nobody: one probe instead of one per number.
    auto st = (*conn)->Prepare(sql::kAnyDnc);
    if (!st.ok()) return st.status();
    st->Bind(1, account_id);
    auto any = st->Step();
    if (!any.ok()) return any.status();
    if (!*any) return listed;
  }
  for (const std::string& number : numbers) {
    auto st = (*conn)->Prepare(sql::kSelectDnc);
    if (!st.ok()) return st.status();
    st->BindStatic(1, account_id).BindStatic(2, number);
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) listed.push_back(number);
  }
  return listed;
}

}  // namespace batchcall
