// SqliteStore: batches (read, list, transitions, stop, delete), executions
// and rejected rows. Imports live in sqlite_import.cc.
#include <algorithm>

#include "store/sqlite/sqlite_batch_ops.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

using sqlite::Connection;
using sqlite::Millis;
using sqlite::Statement;
using sqlite::Transaction;
namespace sql = sqlite_sql;

namespace sqlite {

Result<Batch> LoadBatch(Connection& conn, const std::string& account_id, const std::string& batch_id,
                        int64_t* seq) {
  auto st = conn.Prepare(sql::kSelectBatch);
  if (!st.ok()) return st.status();
  st->Bind(1, batch_id).Bind(2, account_id);
  BC_RETURN_IF_ERROR(st->StepRow("batch " + batch_id + " not found"));
  return ReadBatch(*st, seq);
}

Result<bool> AnyInFlight(Connection& conn, int64_t seq) {
  auto st = conn.Prepare(sql::kSelectAnyInFlight);
  if (!st.ok()) return st.status();
  st->Bind(1, seq);
  return st->Step();
}

Status DeleteBatchRows(Connection& conn, int64_t seq) {
  // execution_ids first: its rows are found through executions.
  for (const char* range_sql : {sql::kDeleteAttemptRange, sql::kDeleteExecutionIds, sql::kDeleteExecutionRange}) {
    auto st = conn.Prepare(range_sql);
    if (!st.ok()) return st.status();
    BC_RETURN_IF_ERROR(st->Bind(1, FirstKey(seq)).Bind(2, LastKey(seq)).Run());
  }
  // Pending webhook changes of the batch and its executions go with them
  // (ReadWebhookChanges would find their objects gone).
  for (const char* seq_sql : {sql::kDeleteWebhookChangesOfBatch, sql::kDeleteRejects, sql::kDeleteBatch}) {
    auto st = conn.Prepare(seq_sql);
    if (!st.ok()) return st.status();
    BC_RETURN_IF_ERROR(st->Bind(1, seq).Run());
  }
  return Status::Ok();
}

}  // namespace sqlite

namespace {

// "created, scheduled or paused"
std::string JoinStatuses(const std::vector<BatchStatus>& statuses) {
  std::string out;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) out.append(i + 1 == statuses.size() ? " or " : ", ");
    out.append(ToString(statuses[i]));
  }
  return out;
}

std::string_view Verb(BatchStatus to) {
  switch (to) {
    case BatchStatus::kCreated: return "become created";
    case BatchStatus::kScheduled: return "be scheduled";
    case BatchStatus::kRunning: return "run";
    case BatchStatus::kPaused: return "be paused";
    case BatchStatus::kCompleted: return "complete";
    case BatchStatus::kStopped: return "be stopped";
    case BatchStatus::kFailed: return "fail";
  }
  return "change";
}

// "batch is running; it can only be scheduled from created, scheduled or paused"
Status TransitionConflict(BatchStatus current, BatchStatus to) {
  std::string m = "batch is ";
  m.append(ToString(current)).append("; it can ");
  std::vector<BatchStatus> sources = BatchSourcesOf(to);
  if (sources.empty()) {
    m.append("never ").append(Verb(to));
  } else {
    m.append("only ").append(Verb(to)).append(" from ").append(JoinStatuses(sources));
  }
  return Conflict(m);
}

// seq of a batch by id alone (the count and report reads are not scoped).
Result<int64_t> BatchSeq(Connection& conn, const std::string& batch_id) {
  auto st = conn.Prepare(sql::kSelectBatchSeq);
  if (!st.ok()) return st.status();
  st->Bind(1, batch_id);
  BC_RETURN_IF_ERROR(st->StepRow("batch " + batch_id + " not found"));
  return st->Int(0);
}

Result<Batch> ReloadBatch(Connection& conn, int64_t seq) {
  auto st = conn.Prepare(sql::kSelectBatchBySeq);
  if (!st.ok()) return st.status();
  st->Bind(1, seq);
  BC_RETURN_IF_ERROR(st->StepRow("batch not found"));
  return sqlite::ReadBatch(*st, nullptr);
}

// Sets status (and the optional fields) of batch `seq`.
Status UpdateBatch(Connection& conn, int64_t seq, const BatchTransition& t, TimePoint now) {
  auto st = conn.Prepare(sql::kUpdateBatchTransition);
  if (!st.ok()) return st.status();
  st->Bind(1, ToString(t.to)).Bind(2, t.scheduled_at.has_value());
  if (t.scheduled_at) {
    st->Bind(3, Millis(*t.scheduled_at));
  } else {
    st->BindNull(3);
  }
  st->Bind(4, t.bypass_call_guardrails.has_value()).Bind(5, t.bypass_call_guardrails.value_or(false));
  st->Bind(6, Millis(now)).Bind(7, seq);
  return st->Run();
}

// Appends the rows of a statement selecting BC_EXECUTION_COLUMNS.
Status AppendExecutions(Statement& st, const Batch& batch, std::vector<Execution>* out) {
  for (;;) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    auto e = sqlite::ReadExecution(st, batch);
    if (!e.ok()) return e.status();
    out->push_back(std::move(e).value());
  }
}

}  // namespace

Result<Batch> SqliteStore::GetBatch(const std::string& account_id, const std::string& batch_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  return sqlite::LoadBatch(**conn, account_id, batch_id, nullptr);
}

Result<IdempotentResponse> SqliteStore::FindIdempotentResponse(const std::string& account_id, const std::string& key,
                                                              TimePoint not_before) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectIdempotencyKey);
  if (!st.ok()) return st.status();
  st->Bind(1, account_id).Bind(2, key).Bind(3, static_cast<int64_t>(ToUnixMillis(not_before)));
  BC_RETURN_IF_ERROR(st->StepRow("no answer remembered for this Idempotency-Key"));
  IdempotentResponse r;
  r.account_id = st->Text(0);
  r.key = st->Text(1);
  r.request_hash = st->Text(2);
  r.status = static_cast<int>(st->Int(3));
  r.body = st->Text(4);
  r.created_at = FromUnixMillis(st->Int(5));
  return r;
}

Result<std::vector<Batch>> SqliteStore::ListBatches(const std::string& account_id, const std::string& agent_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(sql::kSelectBatchesOfAgent);
  if (!st.ok()) return st.status();
  st->Bind(1, account_id).Bind(2, agent_id);
  std::vector<Batch> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto b = sqlite::ReadBatch(*st, nullptr);
    if (!b.ok()) return b.status();
    out.push_back(std::move(b).value());
  }
  return out;
}

Result<StatusCounts> SqliteStore::CountExecutions(const std::string& batch_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto seq = BatchSeq(**conn, batch_id);
  if (!seq.ok()) return seq.status();
  auto st = (*conn)->Prepare(sql::kCountExecutionsByStatus);
  if (!st.ok()) return st.status();
  st->Bind(1, *seq);
  StatusCounts counts;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto status = ParseExecutionStatus(st->TextView(0));
    if (!status) return Internal("stored execution status is unknown: " + st->Text(0));
    counts[*status] = st->Int(1);
  }
  return counts;
}

Result<Batch> SqliteStore::TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                           const BatchTransition& t, TimePoint now) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction txn(**conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  auto batch = sqlite::LoadBatch(**conn, account_id, batch_id, &seq);
  if (!batch.ok()) return batch.status();
  if (!CanTransition(batch->status, t.to)) return TransitionConflict(batch->status, t.to);
  BC_RETURN_IF_ERROR(UpdateBatch(**conn, seq, t, now));
  auto updated = ReloadBatch(**conn, seq);
  if (!updated.ok()) return updated.status();
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

Result<Batch> SqliteStore::StopBatch(const std::string& account_id, const std::string& batch_id, TimePoint now) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction txn(**conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  auto batch = sqlite::LoadBatch(**conn, account_id, batch_id, &seq);
  if (!batch.ok()) return batch.status();
  const BatchStatus s = batch->status;
  if (s != BatchStatus::kScheduled && s != BatchStatus::kRunning && s != BatchStatus::kPaused) {
    return Conflict("batch is " + std::string(ToString(s)) +
                    "; only a scheduled, running or paused batch can be stopped");
  }
  // Executions first: their webhook changes are journaled before the batch's.
  {
    auto st = (*conn)->Prepare(sql::kStopPreDialExecutions);
    if (!st.ok()) return st.status();
    BC_RETURN_IF_ERROR(st->Bind(1, Millis(now)).Bind(2, seq).Run());
  }
  BatchTransition t;
  t.to = BatchStatus::kStopped;
  BC_RETURN_IF_ERROR(UpdateBatch(**conn, seq, t, now));
  auto updated = ReloadBatch(**conn, seq);
  if (!updated.ok()) return updated.status();
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

Status SqliteStore::DeleteBatch(const std::string& account_id, const std::string& batch_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction txn(**conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  auto batch = sqlite::LoadBatch(**conn, account_id, batch_id, &seq);
  if (!batch.ok()) return batch.status();
  auto in_flight = sqlite::AnyInFlight(**conn, seq);
  if (!in_flight.ok()) return in_flight.status();
  if (*in_flight) return Conflict("batch " + batch_id + " has calls in flight; wait until they end");
  BC_RETURN_IF_ERROR(sqlite::DeleteBatchRows(**conn, seq));
  return txn.Commit();
}

Result<std::vector<Execution>> SqliteStore::ListExecutions(const ExecutionQuery& q) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  Transaction snapshot(**conn);
  BC_RETURN_IF_ERROR(snapshot.Begin(/*immediate=*/false));
  int64_t seq = 0;
  auto batch = sqlite::LoadBatch(**conn, q.account_id, q.batch_id, &seq);
  if (!batch.ok()) return batch.status();
  std::vector<Execution> out;
  const int64_t first_row = q.after_row_index ? std::max<int64_t>(0, *q.after_row_index + 1) : 0;
  if (q.limit <= 0 || first_row > sqlite::kMaxRowIndex) return out;
  const int64_t lo = sqlite::RowKey(seq, first_row);
  const int64_t hi = sqlite::LastKey(seq);
  if (q.statuses.empty()) {
    auto st = (*conn)->Prepare(sql::kSelectExecutionRange);
    if (!st.ok()) return st.status();
    st->Bind(1, lo).Bind(2, hi).Bind(3, q.limit);
    BC_RETURN_IF_ERROR(AppendExecutions(*st, *batch, &out));
    return out;
  }
  // Per status, the first `limit` keys from the index (each in key order);
  // the merged first `limit` keys are the page.
  std::vector<ExecutionStatus> statuses = q.statuses;
  std::sort(statuses.begin(), statuses.end());
  statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
  std::vector<int64_t> keys;
  for (ExecutionStatus status : statuses) {
    auto st = (*conn)->Prepare(sql::kSelectExecutionKeysByStatus);
    if (!st.ok()) return st.status();
    st->Bind(1, seq).Bind(2, ToString(status)).Bind(3, lo).Bind(4, q.limit);
    for (;;) {
      auto row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      keys.push_back(st->Int(0));
    }
  }
  std::sort(keys.begin(), keys.end());
  if (keys.size() > static_cast<size_t>(q.limit)) keys.resize(static_cast<size_t>(q.limit));
  for (int64_t key : keys) {
    auto st = (*conn)->Prepare(sql::kSelectExecutionByKey);
    if (!st.ok()) return st.status();
    st->Bind(1, key);
    BC_RETURN_IF_ERROR(AppendExecutions(*st, *batch, &out));
  }
  return out;
}

Result<Execution> SqliteStore::GetExecution(const std::string& account_id, const std::string& execution_id) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  const std::string not_found = "execution " + execution_id + " not found";
  auto st = (*conn)->Prepare(sql::kSelectExecutionById);
  if (!st.ok()) return st.status();
  st->Bind(1, execution_id);
  BC_RETURN_IF_ERROR(st->StepRow(not_found));
  auto batch = ReloadBatch(**conn, st->Int(2));
  if (!batch.ok()) return batch.status();
  if (batch->account_id != account_id) return NotFound(not_found);
  return sqlite::ReadExecution(*st, *batch);
}

Result<std::vector<RejectedRow>> SqliteStore::ListRejects(const std::string& batch_id, int64_t after_line,
                                                          int64_t limit) {
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.status();
  auto seq = BatchSeq(**conn, batch_id);
  if (!seq.ok()) return seq.status();
  auto st = (*conn)->Prepare(sql::kSelectRejects);
  if (!st.ok()) return st.status();
  st->Bind(1, *seq).Bind(2, after_line).Bind(3, std::max<int64_t>(0, limit));
  std::vector<RejectedRow> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(RejectedRow{st->Int(0), st->Text(1), st->Text(2), st->Text(3)});
  }
  return out;
}

}  // namespace batchcall
