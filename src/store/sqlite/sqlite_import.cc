// SqliteStore::BeginImport and its BatchImport: one dedicated connection and
// one BEGIN IMMEDIATE transaction per upload, begun when the imports begun
// before it have ended (SqliteStore::import_turns_).
#include <algorithm>
#include <array>
#include <vector>

#include "base/ids.h"
#include "store/rules/import_state.h"
#include "store/sqlite/sqlite_batch_ops.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {
namespace {

using sqlite::Connection;
using sqlite::Transaction;
using store_rules::Millis;
namespace sql = sqlite_sql;

// Page cache of an import's connection. Kept small: dirty pages spill to
// the WAL, so a big upload costs bounded memory (the ids are sorted in C++
// and inserted in order, which needs no large cache).
constexpr int64_t kImportCacheKib = 16 * 1024;
// seq << 32 must stay a positive int64.
constexpr int64_t kMaxBatchSeq = 0x7FFFFFFFLL;


class SqliteBatchImport final : public BatchImport {
 public:
  SqliteBatchImport(std::unique_ptr<Connection> conn, Batch batch, sqlite::TurnQueue::Turn turn)
      : conn_(std::move(conn)),
        txn_(std::make_unique<Transaction>(*conn_)),
        turn_(std::move(turn)),
        batch_(std::move(batch)) {}

  ~SqliteBatchImport() override {
    txn_.reset();  // rolls back unless committed
    conn_.reset();
    turn_.Release();  // only once the write lock is gone
  }

  // Takes the write lock and inserts the batch row (status created, counts 0).
  Status Start() {
    BC_RETURN_IF_ERROR(txn_->Begin());
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kSelectAgentOfAccount));
      st.Bind(1, batch_.agent_id).Bind(2, batch_.account_id);
      BC_RETURN_IF_ERROR(st.StepRow("agent " + batch_.agent_id + " not found"));
    }
    BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kInsertBatch));
    const Batch& b = batch_;
    st.Bind(1, b.id)
        .Bind(2, b.account_id)
        .Bind(3, b.agent_id)
        .Bind(4, ToString(BatchStatus::kCreated));
    if (b.scheduled_at) {
      st.Bind(5, Millis(*b.scheduled_at));
    } else {
      st.BindNull(5);
    }
    st.Bind(6, Millis(b.created_at)).Bind(7, Millis(b.updated_at)).Bind(8, b.file_name);
    st.Bind(9, store_rules::JsonStringArray(b.columns))
        .Bind(10, store_rules::JsonStringArray(b.from_phone_numbers));
    if (b.retry_config) {
      st.Bind(11, store_rules::EncodeRetryConfig(*b.retry_config));
    } else {
      st.BindNull(11);
    }
    st.Bind(12, b.webhook_url).Bind(13, ToString(b.phone_validation)).Bind(14, b.default_country);
    st.Bind(15, b.allow_duplicates).Bind(16, b.bypass_call_guardrails);
    Status s = st.Run();
    if (s.code() == StatusCode::kConflict) return Conflict("batch " + b.id + " already exists");
    BC_RETURN_IF_ERROR(s);
    seq_ = conn_->LastInsertRowId();
    if (seq_ > kMaxBatchSeq) return Internal("batch sequence exhausted");
    created_at_ = Millis(b.created_at);
    return Status::Ok();
  }

  Status AddContact(const ContactRow& contact) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    BC_RETURN_IF_ERROR(state_.AcceptRow(contact.row_index));
    PendingRow& row = pending_[pending_count_++];
    row.row_index = contact.row_index;
    row.line = contact.line;
    row.id = NewUuid();
    state_.AddId(row.id, store_rules::RowKey(seq_, row.row_index));
    row.contact_number = contact.contact_number;
    row.variables.clear();
    store_rules::AppendJsonStringArray(contact.variables, &row.variables);
    if (pending_count_ == pending_.size()) return state_.Fail(Flush());
    return Status::Ok();
  }

  Status AddReject(const RejectedRow& reject) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    auto st = conn_->Prepare(sql::kInsertReject);
    if (!st.ok()) return state_.Fail(st.status());
    st->Bind(1, seq_).Bind(2, reject.line).Bind(3, reject.contact_number).Bind(4, reject.code);
    st->Bind(5, reject.message);
    return state_.Fail(st->Run());
  }

  Result<Batch> Commit(int64_t total_contacts, int64_t valid_contacts, int64_t invalid_contacts) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    state_.Finish();
    BC_RETURN_IF_ERROR(Flush());
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kUpdateBatchCounts));
      st.Bind(1, total_contacts).Bind(2, valid_contacts).Bind(3, invalid_contacts).Bind(4, seq_);
      BC_RETURN_IF_ERROR(st.Run());
    }
    {
      store_rules::StatusDeltas added;
      added.Add(seq_, ExecutionStatus::kPrepared, static_cast<int64_t>(state_.IdCount()));
      BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn_, added));
    }
    BC_RETURN_IF_ERROR(InsertIds());
    if (state_.remembered()) BC_RETURN_IF_ERROR(InsertRemembered());
    Result<Batch> stored = Internal("unread");
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kSelectBatchBySeq));
      st.Bind(1, seq_);
      BC_RETURN_IF_ERROR(st.StepRow("batch vanished during its import"));
      stored = sqlite::ReadBatch(st, nullptr);
      if (!stored.ok()) return stored.status();
    }
    BC_RETURN_IF_ERROR(txn_->Commit());
    txn_.reset();
    conn_.reset();
    turn_.Release();
    return stored;
  }

  void RememberResponse(IdempotentResponse response, TimePoint expired_before) override {
    state_.Remember(std::move(response), expired_before);
  }

 private:
  Status InsertRemembered() {
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kDeleteExpiredIdempotencyKeys));
      st.Bind(1, Millis(state_.expired_before()));
      BC_RETURN_IF_ERROR(st.Run());
    }
    BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kInsertIdempotencyKey));
    const IdempotentResponse& r = *state_.remembered();
    st.Bind(1, r.account_id)
        .Bind(2, r.key)
        .Bind(3, r.request_hash)
        .Bind(4, r.status)
        .Bind(5, r.body);
    st.Bind(6, Millis(r.created_at));
    Status s = st.Run();
    if (s.code() == StatusCode::kConflict) return Conflict("the Idempotency-Key was used by another request");
    return s;
  }

  // Inserts the pending rows: one multi-row statement when the buffer is
  // full, else one statement per row.
  Status Flush() {
    const bool full = pending_count_ == pending_.size();
    auto st = conn_->Prepare(full ? sql::InsertExecutionsSql() : sql::kInsertExecution);
    const int n = sql::kExecutionParams;
    if (!st.ok()) return st.status();
    for (size_t i = 0; i < pending_count_; ++i) {
      const PendingRow& r = pending_[i];
      const int p = full ? static_cast<int>(i) * n : 0;
      st->Bind(p + 1, store_rules::RowKey(seq_, r.row_index))
          .BindStatic(p + 2, r.id)
          .Bind(p + 3, seq_);
      st->Bind(p + 4, r.row_index).Bind(p + 5, r.line).BindStatic(p + 6, r.contact_number);
      st->BindStatic(p + 7, r.variables).Bind(p + 8, created_at_).Bind(p + 9, created_at_);
      if (!full) BC_RETURN_IF_ERROR(st->Run());
    }
    if (full) BC_RETURN_IF_ERROR(st->Run());
    pending_count_ = 0;
    return Status::Ok();
  }

  // Registers every id of the batch in execution_ids, in id order: the
  // B-tree is then filled page by page instead of at random places.
  Status InsertIds() {
    const auto& ids = state_.SortedIds();
    constexpr size_t kRows = sql::kImportRowsPerInsert;
    const size_t full_end = ids.size() - ids.size() % kRows;
    for (size_t i = 0; i < ids.size();) {
      const bool full = i < full_end;
      BC_ASSIGN_OR_RETURN(
          auto st, conn_->Prepare(full ? sql::InsertExecutionIdsSql() : sql::kInsertExecutionId));
      const size_t rows = full ? kRows : 1;
      for (size_t j = 0; j < rows; ++j, ++i) {
        const int p = static_cast<int>(j) * sql::kExecutionIdParams;
        st.BindStatic(p + 1, std::string_view(ids[i].id.data(), ids[i].id.size()))
            .Bind(p + 2, ids[i].key);
      }
      BC_RETURN_IF_ERROR(st.Run());
    }
    state_.ReleaseIds();
    return Status::Ok();
  }

  std::unique_ptr<Connection> conn_;
  std::unique_ptr<Transaction> txn_;
  sqlite::TurnQueue::Turn turn_;
  Batch batch_;
  int64_t seq_ = 0;
  int64_t created_at_ = 0;
  // Rows not inserted yet (their strings are reused from row to row).
  struct PendingRow {
    int64_t row_index = 0;
    int64_t line = 0;
    std::string id;
    std::string contact_number;
    std::string variables;  // JSON
  };
  std::array<PendingRow, sql::kImportRowsPerInsert> pending_;
  size_t pending_count_ = 0;
  // Row order, sticky failure, remembered response and the ids (see ImportState).
  store_rules::ImportState state_;
};

}  // namespace

Result<std::unique_ptr<BatchImport>> SqliteStore::BeginImport(const Batch& draft) {
  sqlite::TurnQueue::Turn turn = sqlite::TurnQueue::Wait(import_turns_);
  sqlite::ConnectionOptions co;
  co.path = options_.path;
  co.busy_timeout_ms = options_.busy_timeout_ms;
  co.cache_kib = kImportCacheKib;
  BC_ASSIGN_OR_RETURN(auto conn, Connection::Open(co));
  auto import = std::make_unique<SqliteBatchImport>(std::move(conn), draft, std::move(turn));
  BC_RETURN_IF_ERROR(import->Start());
  return std::unique_ptr<BatchImport>(std::move(import));
}

}  // namespace batchcall
