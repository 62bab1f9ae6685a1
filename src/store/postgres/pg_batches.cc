// PostgresStore: batches (read, list, transitions, stop, delete), executions
// and rejected rows. Imports live in pg_import.cc.
#include <algorithm>
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
namespace sql = pg_sql;

namespace pg {

Result<Batch> LoadBatch(Connection& conn, const std::string& account_id, const std::string& batch_id,
                        int64_t* seq, bool for_update) {
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn.Query(for_update ? sql::kSelectBatchForUpdate : sql::kSelectBatch,
                                 Params().Add(batch_id).Add(account_id)));
  if (rows.size() == 0) return NotFound("batch " + batch_id + " not found");
  return ReadBatch(Row(rows, 0), seq);
}

Result<Batch> LoadBatchBySeq(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectBatchBySeq, Params().Add(seq)));
  if (rows.size() == 0) return NotFound("batch not found");
  return ReadBatch(Row(rows, 0), nullptr);
}

Result<bool> AnyInFlight(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectAnyInFlight, Params().Add(seq)));
  return rows.size() > 0;
}

Status ApplyStatusDeltas(Connection& conn, const store_rules::StatusDeltas& deltas, const std::string& node) {
  const auto changes = deltas.Changes();
  if (changes.empty()) return Status::Ok();
  std::vector<int64_t> seqs, ns;
  std::vector<std::string> statuses;
  for (const auto& [key, n] : changes) {
    seqs.push_back(key.first);
    statuses.emplace_back(ToString(key.second));
    ns.push_back(n);
  }
  return conn
      .Run(sql::kAddStatusCounts, Params()
                                      .Add(IntArrayLiteral(seqs))
                                      .Add(TextArrayLiteral(statuses))
                                      .Add(IntArrayLiteral(ns))
                                      .Add(node))
      .status();
}

Status ApplyHoldDeltas(Connection& conn, const store_rules::HoldDeltas& deltas, const std::string& node) {
  const auto changes = deltas.Changes();
  if (changes.empty()) return Status::Ok();
  std::vector<int64_t> seqs, ns;
  std::vector<std::string> reasons;
  for (const auto& [key, n] : changes) {
    seqs.push_back(key.first);
    reasons.push_back(key.second);
    ns.push_back(n);
  }
  return conn
      .Run(sql::kAddHoldCounts, Params()
                                    .Add(IntArrayLiteral(seqs))
                                    .Add(TextArrayLiteral(reasons))
                                    .Add(IntArrayLiteral(ns))
                                    .Add(node))
      .status();
}

Status DeleteBatchRows(Connection& conn, int64_t seq) {
  // The engine's rows first (attempts of the executions, pending webhook
  // changes: ReadWebhookChanges would find their objects gone).
  for (const auto& cleanup : sql::kEngineBatchCleanup) {
    Params p;
    if (cleanup.by_key_range) {
      p.Add(store_rules::FirstKey(seq)).Add(store_rules::LastKey(seq));
    } else {
      p.Add(seq);
    }
    BC_RETURN_IF_ERROR(conn.Run(cleanup.sql, p).status());
  }
  for (const char* range_sql : {sql::kDeleteExecutionIds, sql::kDeleteExecutionRange}) {
    BC_RETURN_IF_ERROR(
        conn.Run(range_sql, Params().Add(store_rules::FirstKey(seq)).Add(store_rules::LastKey(seq)))
            .status());
  }
  for (const char* seq_sql : {sql::kDeleteRejects, sql::kDeleteStatusCounts, sql::kDeleteHoldCounts, sql::kDeleteBatch}) {
    BC_RETURN_IF_ERROR(conn.Run(seq_sql, Params().Add(seq)).status());
  }
  return Status::Ok();
}

}  // namespace pg

namespace {

// seq of a batch by id alone (the count and report reads are not scoped).
Result<int64_t> BatchSeq(Connection& conn, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectBatchSeq, Params().Add(batch_id)));
  if (rows.size() == 0) return NotFound("batch " + batch_id + " not found");
  return rows.Int(0, 0);
}

// The status counts of batch `seq`, summed over the nodes' rows.
Result<StatusCounts> CountsOf(Connection& conn, int64_t seq) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectStatusCounts, Params().Add(seq)));
  StatusCounts counts;
  for (int i = 0; i < rows.size(); ++i) {
    BC_RETURN_IF_ERROR(store_rules::AddStatusCount(rows.TextView(i, 0), rows.Int(i, 1), &counts));
  }
  return counts;
}

// Sets status (and the optional fields) of batch `seq`.
Status UpdateBatch(Connection& conn, int64_t seq, const BatchTransition& t, TimePoint now) {
  Params p;
  p.Add(ToString(t.to)).Add(t.scheduled_at.has_value());
  if (t.scheduled_at) {
    p.Add(store_rules::Millis(*t.scheduled_at));
  } else {
    p.AddNull();
  }
  p.Add(t.bypass_call_guardrails.has_value()).Add(t.bypass_call_guardrails.value_or(false));
  p.Add(store_rules::Millis(now)).Add(seq);
  return conn.Run(sql::kUpdateBatchTransition, p).status();
}

// Calls visit for each row of a result selecting BC_PG_EXECUTION_COLUMNS.
using RowVisit = std::function<Status(const Batch&, const Row&)>;
Status VisitRows(const pg::Rows& rows, const Batch& batch, const RowVisit& visit) {
  for (int i = 0; i < rows.size(); ++i) BC_RETURN_IF_ERROR(visit(batch, Row(rows, i)));
  return Status::Ok();
}

// The page of `q` (ListExecutions' order) on one snapshot: each row, with the
// batch, to `visit`.
Status ScanPage(Connection& conn, const ExecutionQuery& q, const RowVisit& visit) {
  Transaction snapshot(conn);
  BC_RETURN_IF_ERROR(snapshot.Begin("REPEATABLE READ"));
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch, pg::LoadBatch(conn, q.account_id, q.batch_id, &seq));
  const int64_t first_row = q.after_row_index ? std::max<int64_t>(0, *q.after_row_index + 1) : 0;
  if (q.limit <= 0 || first_row > store_rules::kMaxRowIndex) return Status::Ok();
  const int64_t lo = store_rules::RowKey(seq, first_row);
  const int64_t hi = store_rules::LastKey(seq);
  if (q.statuses.empty()) {
    BC_ASSIGN_OR_RETURN(
        auto rows, conn.Query(sql::kSelectExecutionRange, Params().Add(lo).Add(hi).Add(q.limit)));
    BC_RETURN_IF_ERROR(VisitRows(rows, batch, visit));
  } else {
    // Per status, the first `limit` keys from the index (each in key order);
    // the merged first `limit` keys are the page.
    std::vector<ExecutionStatus> statuses = q.statuses;
    std::sort(statuses.begin(), statuses.end());
    statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
    std::vector<int64_t> keys;
    for (ExecutionStatus status : statuses) {
      BC_ASSIGN_OR_RETURN(
          auto rows,
          status == ExecutionStatus::kPrepared
              ? conn.Query(sql::kSelectPreparedKeys, Params().Add(lo).Add(hi).Add(q.limit))
              : conn.Query(sql::kSelectExecutionKeysByStatus,
                           Params().Add(seq).Add(ToString(status)).Add(lo).Add(q.limit)));
      for (int i = 0; i < rows.size(); ++i) keys.push_back(rows.Int(i, 0));
    }
    std::sort(keys.begin(), keys.end());
    if (keys.size() > static_cast<size_t>(q.limit)) keys.resize(static_cast<size_t>(q.limit));
    if (!keys.empty()) {
      BC_ASSIGN_OR_RETURN(auto rows,
                          conn.Query(sql::kSelectExecutionsByKeys, Params().Add(pg::IntArrayLiteral(keys))));
      BC_RETURN_IF_ERROR(VisitRows(rows, batch, visit));
    }
  }
  return snapshot.Commit();
}

}  // namespace

Result<Batch> PostgresStore::GetBatch(const std::string& account_id, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return pg::LoadBatch(*conn, account_id, batch_id, nullptr);
}

Result<IdempotentResponse> PostgresStore::FindIdempotentResponse(const std::string& account_id,
                                                                const std::string& key, TimePoint not_before) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(
      auto rows,
      conn->Query(sql::kSelectIdempotencyKey,
                  Params().Add(account_id).Add(key).Add(store_rules::Millis(not_before))));
  if (rows.size() == 0) return NotFound("no answer remembered for this Idempotency-Key");
  Row row(rows, 0);
  IdempotentResponse r;
  r.account_id = row.Text(0);
  r.key = row.Text(1);
  r.request_hash = row.Text(2);
  r.status = static_cast<int>(row.Int(3));
  r.body = row.Text(4);
  r.created_at = FromUnixMillis(row.Int(5));
  return r;
}

Result<std::vector<BatchWithCounts>> PostgresStore::ListBatches(const std::string& account_id,
                                                                const std::string& agent_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // One snapshot for the batches and their counts.
  Transaction snapshot(*conn);
  BC_RETURN_IF_ERROR(snapshot.Begin("REPEATABLE READ"));
  const Params who = Params().Add(account_id).Add(agent_id);
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectBatchesOfAgent, who));
  std::vector<BatchWithCounts> out;
  std::unordered_map<int64_t, size_t> by_seq;
  for (int i = 0; i < rows.size(); ++i) {
    int64_t seq = 0;
    BC_ASSIGN_OR_RETURN(auto b, pg::ReadBatch(Row(rows, i), &seq));
    by_seq.emplace(seq, out.size());
    out.push_back({std::move(b), {}, {}});
  }
  if (!out.empty()) {
    BC_ASSIGN_OR_RETURN(auto counts, conn->Query(sql::kSelectStatusCountsOfAgent, who));
    for (int i = 0; i < counts.size(); ++i) {
      auto it = by_seq.find(counts.Int(i, 0));
      if (it == by_seq.end()) continue;  // a batch created after the list's snapshot cannot be here; kept safe
      BC_RETURN_IF_ERROR(
          store_rules::AddStatusCount(counts.TextView(i, 1), counts.Int(i, 2), &out[it->second].counts));
    }
  }
  BC_RETURN_IF_ERROR(snapshot.Commit());
  return out;
}

Result<StatusCounts> PostgresStore::CountExecutions(const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto seq, BatchSeq(*conn, batch_id));
  return CountsOf(*conn, seq);
}

// Two statements on one connection (each its own snapshot, as GetBatch and
// CountExecutions are).
Result<BatchWithCounts> PostgresStore::GetBatchWithCounts(const std::string& account_id,
                                                          const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  int64_t seq = 0;
  BatchWithCounts out;
  BC_ASSIGN_OR_RETURN(out.batch, pg::LoadBatch(*conn, account_id, batch_id, &seq));
  BC_ASSIGN_OR_RETURN(out.counts, CountsOf(*conn, seq));
  BC_ASSIGN_OR_RETURN(auto held, conn->Query(sql::kSelectHoldCounts, Params().Add(seq)));
  for (int i = 0; i < held.size(); ++i) out.held[held.Text(i, 0)] = held.Int(i, 1);
  return out;
}

Result<Batch> PostgresStore::TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                             const BatchTransition& t, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  // The row lock makes check-and-set atomic against other nodes.
  BC_ASSIGN_OR_RETURN(auto batch,
                      pg::LoadBatch(*conn, account_id, batch_id, &seq, /*for_update=*/true));
  if (!CanTransition(batch.status, t.to))
    return store_rules::TransitionConflict(batch.status, t.to);
  BC_RETURN_IF_ERROR(UpdateBatch(*conn, seq, t, now));
  BC_ASSIGN_OR_RETURN(auto updated, pg::LoadBatchBySeq(*conn, seq));
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

Result<Batch> PostgresStore::StopBatch(const std::string& account_id, const std::string& batch_id, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch,
                      pg::LoadBatch(*conn, account_id, batch_id, &seq, /*for_update=*/true));
  BC_RETURN_IF_ERROR(store_rules::CheckStoppable(batch.status));
  // Executions first: their webhook changes are journaled before the batch's.
  store_rules::StatusDeltas deltas;
  for (ExecutionStatus from : {ExecutionStatus::kPrepared, ExecutionStatus::kQueued, ExecutionStatus::kRescheduled,
                               ExecutionStatus::kScheduled}) {
    BC_ASSIGN_OR_RETURN(auto stopped, conn->Run(sql::kStopPreDialExecutions, Params()
                                                                              .Add(store_rules::Millis(now))
                                                                              .Add(store_rules::FirstKey(seq))
                                                                              .Add(store_rules::LastKey(seq))
                                                                              .Add(ToString(from))));
    deltas.Move(seq, from, ExecutionStatus::kStopped, stopped);
  }
  BatchTransition t;
  t.to = BatchStatus::kStopped;
  BC_RETURN_IF_ERROR(UpdateBatch(*conn, seq, t, now));
  BC_ASSIGN_OR_RETURN(auto updated, pg::LoadBatchBySeq(*conn, seq));
  BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(*conn, deltas, options_.node_id));
  BC_RETURN_IF_ERROR(txn.Commit());
  return updated;
}

Status PostgresStore::DeleteBatch(const std::string& account_id, const std::string& batch_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t seq = 0;
  BC_ASSIGN_OR_RETURN(auto batch,
                      pg::LoadBatch(*conn, account_id, batch_id, &seq, /*for_update=*/true));
  BC_ASSIGN_OR_RETURN(auto in_flight, pg::AnyInFlight(*conn, seq));
  if (in_flight) return store_rules::InFlightConflict(batch_id);
  BC_RETURN_IF_ERROR(pg::DeleteBatchRows(*conn, seq));
  return txn.Commit();
}

Result<std::vector<Execution>> PostgresStore::ListExecutions(const ExecutionQuery& q) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  std::vector<Execution> out;
  BC_RETURN_IF_ERROR(ScanPage(*conn, q, [&out](const Batch& batch, const Row& r) -> Status {
    BC_ASSIGN_OR_RETURN(auto e, pg::ReadExecution(r, batch));
    out.push_back(std::move(e));
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::ScanExecutions(const ExecutionQuery& q, const ExecutionRowVisitor& visit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return ScanPage(*conn, q, [&visit](const Batch&, const Row& r) -> Status {
    BC_ASSIGN_OR_RETURN(auto row, pg::ReadExecutionRow(r));
    return visit(row);
  });
}

Result<Execution> PostgresStore::GetExecution(const std::string& account_id, const std::string& execution_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  const std::string not_found = "execution " + execution_id + " not found";
  BC_ASSIGN_OR_RETURN(auto rows,
                      conn->Query(sql::kSelectExecutionById, Params().Add(execution_id)));
  if (rows.size() == 0) return NotFound(not_found);
  BC_ASSIGN_OR_RETURN(auto batch, pg::LoadBatchBySeq(*conn, rows.Int(0, 2)));
  if (batch.account_id != account_id) return NotFound(not_found);
  return pg::ReadExecution(Row(rows, 0), batch);
}

Result<std::vector<RejectedRow>> PostgresStore::ListRejects(const std::string& batch_id, int64_t after_line,
                                                            int64_t limit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto seq, BatchSeq(*conn, batch_id));
  auto rows = conn->Query(sql::kSelectRejects,
                          Params().Add(seq).Add(after_line).Add(std::max<int64_t>(0, limit)));
  if (!rows.ok()) return rows.status();
  std::vector<RejectedRow> out;
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(RejectedRow{rows->Int(i, 0), rows->Text(i, 1), rows->Text(i, 2), rows->Text(i, 3)});
  }
  return out;
}

}  // namespace batchcall
