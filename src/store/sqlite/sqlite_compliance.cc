// SqliteStore: the calling rules' writes and reads (compliance) — holds
// and cancels with their reasons, counts and audit rows (RescheduleExecutions,
// CancelExecutions, ListHolds) and the account's dial history (DialHistory).
// The dial itself is recorded by BeginAttempts (sqlite_engine.cc).
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
using sqlite::Statement;
using sqlite::Transaction;
using store_rules::Millis;
namespace sql = sqlite_sql;

namespace {

// The audit record of a hold or cancel, in the caller's transaction.
Status RecordHold(Connection& conn, int64_t key, const ExecutionHold& h, TimePoint now, bool canceled) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kInsertHold));
  st.Bind(1, key).Bind(2, Millis(now)).Bind(3, h.reason).Bind(4, canceled ? 1 : 0).Bind(5, h.attempt);
  if (canceled) {
    st.BindNull(6);
  } else {
    st.Bind(6, Millis(h.next_attempt_at));
  }
  return st.Run();
}

}  // namespace

Status SqliteStore::RescheduleExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                         TimePoint now) {
  return HoldExecutions(holds, worker, now, /*cancel=*/false);
}

Status SqliteStore::CancelExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker,
                                     TimePoint now) {
  return HoldExecutions(holds, worker, now, /*cancel=*/true);
}

Status SqliteStore::HoldExecutions(const std::vector<ExecutionHold>& holds, const std::string& worker, TimePoint now,
                                   bool cancel) {
  if (holds.empty()) return Status::Ok();
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  store_rules::StatusDeltas deltas;
  store_rules::HoldDeltas held;
  for (const ExecutionHold& h : holds) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(cancel ? sql::kCancelExecution : sql::kRescheduleExecution));
    if (cancel) {
      st.Bind(1, h.message);
    } else {
      st.Bind(1, Millis(h.next_attempt_at));
    }
    st.Bind(2, Millis(now)).Bind(3, h.reason).Bind(4, h.execution_id).Bind(5, worker);
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) continue;  // no longer queued and ours
    const int64_t key = st.Int(0);
    const int64_t seq = store_rules::SeqOfKey(key);
    deltas.Move(seq, ExecutionStatus::kQueued, cancel ? ExecutionStatus::kCanceled : ExecutionStatus::kRescheduled);
    held.Move(seq, h.prior_reason, h.reason);
    BC_RETURN_IF_ERROR(RecordHold(*conn, key, h, now, cancel));
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BC_RETURN_IF_ERROR(sqlite::ApplyHoldDeltas(*conn, held));
  return txn.Commit();
}

Result<std::vector<HoldRecord>> SqliteStore::ListHolds(const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectHoldsOfExecution));
  st.Bind(1, execution_id);
  std::vector<HoldRecord> out;
  while (true) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    HoldRecord r;
    r.at = FromUnixMillis(st.Int(0));
    r.canceled = st.Int(1) != 0;
    r.reason = st.Text(2);
    r.attempt = static_cast<int>(st.Int(3));
    if (!st.IsNull(4)) r.until = FromUnixMillis(st.Int(4));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::map<std::string, std::vector<TimePoint>>> SqliteStore::DialHistory(
    const std::string& account_id, const std::vector<std::string>& numbers, TimePoint since) {
  std::map<std::string, std::vector<TimePoint>> out;
  if (numbers.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // One read snapshot for all the lookups (not one lock per statement).
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  for (const std::string& number : numbers) {
    if (out.count(number)) continue;
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDialsSince));
    st.BindStatic(1, account_id).BindStatic(2, number).Bind(3, Millis(since));
    std::vector<TimePoint> dials;
    while (true) {
      BC_ASSIGN_OR_RETURN(auto row, st.Step());
      if (!row) break;
      dials.push_back(FromUnixMillis(st.Int(0)));
    }
    if (!dials.empty()) out.emplace(number, std::move(dials));
  }
  return out;
}

}  // namespace batchcall
