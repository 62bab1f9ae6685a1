// SqliteStore: batches (read, list, transitions, stop, delete), executions
// and rejected rows. Imports live in sqlite_import.cc.
#include <algorithm>
#include <unordered_map>

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

namespace sqlite {

Result<Batch> LoadBatch(Connection& conn, const std::string& account_id, const std::string& batch_id,
                        int64_t* seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectBatch));
  st.Bind(1, batch_id).Bind(2, account_id);
  BC_RETURN_IF_ERROR(st.StepRow("batch " + batch_id + " not found"));
  return ReadBatch(st, seq);
}

Result<bool> AnyInFlight(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectAnyInFlight));
  st.Bind(1, seq);
  return st.Step();
}

Status ApplyStatusDeltas(Connection& conn, const store_rules::StatusDeltas& deltas) {
  for (const auto& [key, n] : deltas.Changes()) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kAddStatusCount));
    BC_RETURN_IF_ERROR(st.Bind(1, key.first).Bind(2, ToString(key.second)).Bind(3, n).Run());
  }
  return Status::Ok();
}

Status ApplyHoldDeltas(Connection& conn, const store_rules::HoldDeltas& deltas) {
  for (const auto& [key, n] : deltas.Changes()) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kAddHoldCount));
    BC_RETURN_IF_ERROR(st.Bind(1, key.first).Bind(2, key.second).Bind(3, n).Run());
  }
  return Status::Ok();
}

Status DeleteBatchRows(Connection& conn, int64_t seq) {
  // execution_ids first: its rows are found through executions.
  for (const char* range_sql :
       {sql::kDeleteAttemptRange, sql::kDeleteHoldRange, sql::kDeleteExecutionIds, sql::kDeleteExecutionRange}) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(range_sql));
    BC_RETURN_IF_ERROR(
        st.Bind(1, store_rules::FirstKey(seq)).Bind(2, store_rules::LastKey(seq)).Run());
  }
  // Pending webhook changes of the batch and its executions go with them
  // (ReadWebhookChanges would find their objects gone).
  for (const char* seq_sql :
       {sql::kDeleteWebhookChangesOfBatch, sql::kDeleteRejects, sql::kDeleteStatusCounts, sql::kDeleteHoldCounts,
        sql::kDeleteBatch}) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(seq_sql));
    BC_RETURN_IF_ERROR(st.Bind(1, seq).Run());
  }
  return Status::Ok();
}

namespace {

// Rows per delete transaction: each holds the write lock for a few
// milliseconds (store/README.md, "Measured").
constexpr int64_t kRowsPerDelete = 4096;

// Whether batch `seq` is still being discarded (another connection may have
// finished the discard).
Result<bool> StillDiscarding(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectDiscarding));
  return st.Bind(1, seq).Step();
}

// One short transaction of a discard: deletes up to kRowsPerDelete attempts
// of batch `seq`, else up to kRowsPerDelete executions (with their ids), else
// up to kRowsPerDelete of its rejects; false once none is left.
Result<bool> DeleteSome(Connection& conn, int64_t seq) {
  Transaction txn(conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(bool discarding, StillDiscarding(conn, seq));
  if (!discarding) return false;
  const auto range = [&](const char* range_sql) -> Status {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(range_sql));
    st.Bind(1, store_rules::FirstKey(seq)).Bind(2, store_rules::LastKey(seq)).Bind(3, kRowsPerDelete);
    return st.Run();
  };
  BC_RETURN_IF_ERROR(range(sql::kDeleteAttemptsChunk));
  if (conn.Changes() == 0) {
    BC_RETURN_IF_ERROR(range(sql::kDeleteExecutionIdsChunk));
    BC_RETURN_IF_ERROR(range(sql::kDeleteExecutionsChunk));
  }
  if (conn.Changes() == 0) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kDeleteRejectsChunk));
    BC_RETURN_IF_ERROR(st.Bind(1, seq).Bind(2, kRowsPerDelete).Run());
  }
  const bool more = conn.Changes() > 0;
  BC_RETURN_IF_ERROR(txn.Commit());
  return more;
}

}  // namespace

Status DiscardBatch(Connection& conn, int64_t seq) {
  {
    Transaction txn(conn);
    BC_RETURN_IF_ERROR(txn.Begin());
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kMarkDiscarding));
    BC_RETURN_IF_ERROR(st.Bind(1, seq).Run());
    if (conn.Changes() == 0) return Status::Ok();  // finished, or already gone
    BC_RETURN_IF_ERROR(txn.Commit());
  }
  for (;;) {
    BC_ASSIGN_OR_RETURN(bool more, DeleteSome(conn, seq));
    if (!more) break;
  }
  Transaction txn(conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(bool discarding, StillDiscarding(conn, seq));
  if (!discarding) return Status::Ok();
  BC_RETURN_IF_ERROR(DeleteBatchRows(conn, seq));
  return txn.Commit();
}

}  // namespace sqlite

namespace {

// seq of a batch by id alone (the count and report reads are not scoped).
Result<int64_t> BatchSeq(Connection& conn, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectBatchSeq));
  st.Bind(1, batch_id);
  BC_RETURN_IF_ERROR(st.StepRow("batch " + batch_id + " not found"));
  return st.Int(0);
}

// The kept status counts of batch `seq` (batch_status_counts).
Result<StatusCounts> CountsOf(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectStatusCounts));
  st.Bind(1, seq);
  StatusCounts counts;
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    BC_RETURN_IF_ERROR(store_rules::AddStatusCount(st.TextView(0), st.Int(1), &counts));
  }
  return counts;
}

Result<Batch> ReloadBatch(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectBatchBySeq));
  st.Bind(1, seq);
  BC_RETURN_IF_ERROR(st.StepRow("batch not found"));
  return sqlite::ReadBatch(st, nullptr);
}

// Sets status (and the optional fields) of batch `seq`.
Status UpdateBatch(Connection& conn, int64_t seq, const BatchTransition& t, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kUpdateBatchTransition));
  st.Bind(1, ToString(t.to)).Bind(2, t.scheduled_at.has_value());
  if (t.scheduled_at) {
    st.Bind(3, Millis(*t.scheduled_at));
  } else {
    st.BindNull(3);
  }
  st.Bind(4, t.bypass_call_guardrails.has_value())
      .Bind(5, t.bypass_call_guardrails.value_or(false));
  st.Bind(6, Millis(now)).Bind(7, seq);
  return st.Run();
}

// Calls visit for each row of a statement selecting BC_EXECUTION_COLUMNS.
using RowVisit = std::function<Status(const Batch&, const Statement&)>;
Status VisitRows(Statement& st, const Batch& batch, const RowVisit& visit) {
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) return Status::Ok();
    BC_RETURN_IF_ERROR(visit(batch, st));
  }
}

// The page of `q` (ListExecutions' order) on one read snapshot: each row, with
// the batch, to `visit`.
Status ScanPage(Connection& conn, const ExecutionQuery& q, const RowVisit& visit) {
  Transaction snapshot(conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch, sqlite::LoadBatch(conn, q.account_id, q.batch_id, &seq));
  const int64_t first_row = q.after_row_index ? std::max<int64_t>(0, *q.after_row_index + 1) : 0;
  if (q.limit <= 0 || first_row > store_rules::kMaxRowIndex) return Status::Ok();
  const int64_t lo = store_rules::RowKey(seq, first_row);
  const int64_t hi = store_rules::LastKey(seq);
  if (q.statuses.empty()) {
    BC_ASSIGN_OR_RETURN(
        auto st, conn.Prepare(q.csv_columns_only ? sql::kSelectExecutionCsvRange : sql::kSelectExecutionRange));
    st.Bind(1, lo).Bind(2, hi).Bind(3, q.limit);
    return VisitRows(st, batch, visit);
  }
  // Per status, the first `limit` keys from the index (each in key order);
  // the merged first `limit` keys are the page.
  std::vector<ExecutionStatus> statuses = q.statuses;
  std::sort(statuses.begin(), statuses.end());
  statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
  std::vector<int64_t> keys;
  for (ExecutionStatus status : statuses) {
    BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectExecutionKeysByStatus));
    st.Bind(1, seq).Bind(2, ToString(status)).Bind(3, lo).Bind(4, q.limit);
    for (;;) {
      BC_ASSIGN_OR_RETURN(auto row, st.Step());
      if (!row) break;
      keys.push_back(st.Int(0));
    }
  }
  std::sort(keys.begin(), keys.end());
  if (keys.size() > static_cast<size_t>(q.limit)) keys.resize(static_cast<size_t>(q.limit));
  for (int64_t key : keys) {
    BC_ASSIGN_OR_RETURN(
        auto st, conn.Prepare(q.csv_columns_only ? sql::kSelectExecutionCsvByKey : sql::kSelectExecutionByKey));
    st.Bind(1, key);
    BC_RETURN_IF_ERROR(VisitRows(st, batch, visit));
  }
  return Status::Ok();
}

}  // namespace

Result<Batch> SqliteStore::GetBatch(const std::string& account_id, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return sqlite::LoadBatch(*conn, account_id, batch_id, nullptr);
}

Result<BatchWithCounts> SqliteStore::GetBatchWithCounts(const std::string& account_id,
                                                        const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  int64_t seq = 0;
  BatchWithCounts out;
  BC_ASSIGN_OR_RETURN(out.batch, sqlite::LoadBatch(*conn, account_id, batch_id, &seq));
  BC_ASSIGN_OR_RETURN(out.counts, CountsOf(*conn, seq));
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectHoldCounts));
  st.Bind(1, seq);
  while (true) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    out.held[st.Text(0)] = st.Int(1);
  }
  return out;
}

Result<IdempotentResponse> SqliteStore::FindIdempotentResponse(const std::string& account_id, const std::string& key,
                                                              TimePoint not_before) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectIdempotencyKey));
  st.Bind(1, account_id).Bind(2, key).Bind(3, static_cast<int64_t>(ToUnixMillis(not_before)));
  BC_RETURN_IF_ERROR(st.StepRow("no answer remembered for this Idempotency-Key"));
  IdempotentResponse r;
  r.account_id = st.Text(0);
  r.key = st.Text(1);
  r.request_hash = st.Text(2);
  r.status = static_cast<int>(st.Int(3));
  r.body = st.Text(4);
  r.created_at = FromUnixMillis(st.Int(5));
  return r;
}

Result<std::vector<BatchWithCounts>> SqliteStore::ListBatches(const std::string& account_id,
                                                              const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectBatchesOfAgent));
  st.Bind(1, account_id).Bind(2, agent_id);
  std::vector<BatchWithCounts> out;
  std::unordered_map<int64_t, size_t> by_seq;
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    int64_t seq = 0;
    BC_ASSIGN_OR_RETURN(auto b, sqlite::ReadBatch(st, &seq));
    by_seq.emplace(seq, out.size());
    out.push_back({std::move(b), {}, {}});
  }
  if (out.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto counts, conn->Prepare(sql::kSelectStatusCountsOfAgent));
  counts.Bind(1, account_id).Bind(2, agent_id);
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, counts.Step());
    if (!row) break;
    auto it = by_seq.find(counts.Int(0));
    if (it == by_seq.end()) continue;
    BC_RETURN_IF_ERROR(store_rules::AddStatusCount(counts.TextView(1), counts.Int(2), &out[it->second].counts));
  }
  return out;
}

Result<StatusCounts> SqliteStore::CountExecutions(const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto seq, BatchSeq(*conn, batch_id));
  return CountsOf(*conn, seq);
}

Result<Batch> SqliteStore::TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                           const BatchTransition& t, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch, sqlite::LoadBatch(*conn, account_id, batch_id, &seq));
  if (!CanTransition(batch.status, t.to))
    return store_rules::TransitionConflict(batch.status, t.to);
  BC_RETURN_IF_ERROR(UpdateBatch(*conn, seq, t, now));
  BC_ASSIGN_OR_RETURN(auto updated, ReloadBatch(*conn, seq));
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

Result<Batch> SqliteStore::StopBatch(const std::string& account_id, const std::string& batch_id, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch, sqlite::LoadBatch(*conn, account_id, batch_id, &seq));
  BC_RETURN_IF_ERROR(store_rules::CheckStoppable(batch.status));
  // Executions first: their webhook changes are journaled before the batch's.
  store_rules::StatusDeltas deltas;
  for (ExecutionStatus from : {ExecutionStatus::kPrepared, ExecutionStatus::kQueued,
                               ExecutionStatus::kRescheduled, ExecutionStatus::kScheduled}) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kStopPreDialExecutions));
    BC_RETURN_IF_ERROR(st.Bind(1, Millis(now)).Bind(2, seq).Bind(3, ToString(from)).Run());
    deltas.Move(seq, from, ExecutionStatus::kStopped, conn->Changes());
  }
  BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn, deltas));
  BatchTransition t;
  t.to = BatchStatus::kStopped;
  BC_RETURN_IF_ERROR(UpdateBatch(*conn, seq, t, now));
  BC_ASSIGN_OR_RETURN(auto updated, ReloadBatch(*conn, seq));
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

// A big batch is deleted in short transactions, as an unfinished upload is
// discarded: the first hides it (status 'discarding': every read leaves it
// out, nothing claims it) and drops its pending webhook changes, the next
// ones delete its rows a few thousand at a time, the batch row last. A
// delete cut short (kill -9) is finished like an abandoned upload: by the
// same node when it starts again, by anyone after 10 minutes.
Status SqliteStore::DeleteBatch(const std::string& account_id, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  int64_t seq = 0;
  {
    Transaction txn(*conn);
    BC_RETURN_IF_ERROR(txn.Begin());
    BC_ASSIGN_OR_RETURN(auto batch, sqlite::LoadBatch(*conn, account_id, batch_id, &seq));
    BC_ASSIGN_OR_RETURN(auto in_flight, sqlite::AnyInFlight(*conn, seq));
    if (in_flight) return store_rules::InFlightConflict(batch_id);
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteWebhookChangesOfBatch));
      BC_RETURN_IF_ERROR(st.Bind(1, seq).Run());
    }
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kMarkDeleting));
    BC_RETURN_IF_ERROR(st.Bind(1, options_.node_id).Bind(2, sqlite::WallMillis()).Bind(3, seq).Run());
    BC_RETURN_IF_ERROR(txn.Commit());
  }
  return sqlite::DiscardBatch(*conn, seq);
}

Result<std::vector<Execution>> SqliteStore::ListExecutions(const ExecutionQuery& query) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  ExecutionQuery q = query;
  q.csv_columns_only = false;  // Execution objects have every column
  std::vector<Execution> out;
  BC_RETURN_IF_ERROR(ScanPage(*conn, q, [&out](const Batch& batch, const Statement& st) -> Status {
    BC_ASSIGN_OR_RETURN(auto e, sqlite::ReadExecution(st, batch));
    out.push_back(std::move(e));
    return Status::Ok();
  }));
  return out;
}

Status SqliteStore::ScanExecutions(const ExecutionQuery& q, const ExecutionRowVisitor& visit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return ScanPage(*conn, q, [&visit, &q](const Batch&, const Statement& st) -> Status {
    BC_ASSIGN_OR_RETURN(auto row, q.csv_columns_only ? sqlite::ReadExecutionCsvRow(st) : sqlite::ReadExecutionRow(st));
    return visit(row);
  });
}

Result<Execution> SqliteStore::GetExecution(const std::string& account_id, const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  const std::string not_found = "execution " + execution_id + " not found";
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectExecutionById));
  st.Bind(1, execution_id);
  BC_RETURN_IF_ERROR(st.StepRow(not_found));
  auto batch = ReloadBatch(*conn, st.Int(2));  // NotFound while the batch is importing
  if (!batch.ok() && batch.status().code() == StatusCode::kNotFound) return NotFound(not_found);
  if (!batch.ok()) return batch.status();
  if (batch->account_id != account_id) return NotFound(not_found);
  return sqlite::ReadExecution(st, *batch);
}

Result<std::vector<RejectedRow>> SqliteStore::ListRejects(const std::string& batch_id, int64_t after_line,
                                                          int64_t limit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto seq, BatchSeq(*conn, batch_id));
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectRejects));
  st.Bind(1, seq).Bind(2, after_line).Bind(3, std::max<int64_t>(0, limit));
  std::vector<RejectedRow> out;
  for (;;) {
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    out.push_back(RejectedRow{st.Int(0), st.Text(1), st.Text(2), st.Text(3)});
  }
  return out;
}

}  // namespace batchcall
