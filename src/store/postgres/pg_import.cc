// PostgresStore::BeginImport and its BatchImport: one dedicated connection
// and one transaction per upload; the executions stream in with
// COPY ... FROM STDIN while the upload is parsed, the rejected rows (held in
// memory meanwhile, as COPY text) and the id -> key index (sorted by id, so
// the index fills page by page) follow with COPYs at Commit.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/ids.h"
#include "store/postgres/pg_batch_ops.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"
#include "store/rules/codecs.h"
#include "store/rules/import_state.h"

namespace batchcall {
namespace {

using pg::Connection;
using pg::Params;
namespace sql = pg_sql;

// seq << 32 must stay a positive int64.
constexpr int64_t kMaxBatchSeq = 0x7FFFFFFFLL;
// COPY data is sent in chunks of about this size.
constexpr size_t kCopyChunk = 256 * 1024;
// Uploads at least this big refresh the planner statistics of executions.
constexpr int64_t kAnalyzeAfterRows = 50'000;

void AppendInt(std::string& out, int64_t v) { out.append(std::to_string(v)); }

class PgBatchImport final : public BatchImport {
 public:
  PgBatchImport(std::unique_ptr<Connection> conn, Batch batch, std::string node)
      : conn_(std::move(conn)), batch_(std::move(batch)), node_(std::move(node)) {}

  // Closing the connection of an unfinished import makes the server roll
  // its transaction back (also in the middle of a COPY).
  ~PgBatchImport() override = default;

  // Opens the transaction, locks the agent (against a concurrent delete),
  // inserts the batch row (status created, counts 0) and starts the COPY.
  Status Start() {
    BC_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
    {
      BC_ASSIGN_OR_RETURN(auto rows,
                          conn_->Query(sql::kSelectAgentOfAccount,
                                       Params().Add(batch_.agent_id).Add(batch_.account_id)));
      if (rows.size() == 0) return NotFound("agent " + batch_.agent_id + " not found");
    }
    const Batch& b = batch_;
    Params p;
    p.Add(b.id).Add(b.account_id).Add(b.agent_id).Add(ToString(BatchStatus::kCreated));
    if (b.scheduled_at) {
      p.Add(store_rules::Millis(*b.scheduled_at));
    } else {
      p.AddNull();
    }
    p.Add(store_rules::Millis(b.created_at))
        .Add(store_rules::Millis(b.updated_at))
        .Add(b.file_name);
    p.Add(store_rules::JsonStringArray(b.columns))
        .Add(store_rules::JsonStringArray(b.from_phone_numbers));
    if (b.retry_config) {
      p.Add(store_rules::EncodeRetryConfig(*b.retry_config));
    } else {
      p.AddNull();
    }
    p.Add(b.webhook_url).Add(ToString(b.phone_validation)).Add(b.default_country);
    p.Add(b.allow_duplicates).Add(b.bypass_call_guardrails);
    auto rows = conn_->Query(sql::kInsertBatch, p);
    if (rows.status().code() == StatusCode::kConflict) return Conflict("batch " + b.id + " already exists");
    if (!rows.ok()) return rows.status();
    seq_ = rows->Int(0, 0);
    if (seq_ > kMaxBatchSeq) return Internal("batch sequence exhausted");
    created_at_ = std::to_string(store_rules::Millis(b.created_at));
    seq_text_ = std::to_string(seq_);
    BC_RETURN_IF_ERROR(conn_->CopyBegin(sql::kCopyExecutions));
    return Status::Ok();
  }

  Status AddContact(const ContactRow& contact) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    BC_RETURN_IF_ERROR(state_.AcceptRow(contact.row_index));
    // key, id, batch_seq, row_index, line, contact_number, variables, status, created_at, updated_at
    std::string& o = copy_buffer_;
    AppendInt(o, store_rules::RowKey(seq_, contact.row_index));
    o += '\t';
    std::array<char, 36> id;
    ids_.Next(id.data());
    o.append(id.data(), id.size());
    o += '\t';
    state_.AddId(std::string_view(id.data(), id.size()), store_rules::RowKey(seq_, contact.row_index));
    o += seq_text_;
    o += '\t';
    AppendInt(o, contact.row_index);
    o += '\t';
    AppendInt(o, contact.line);
    o += '\t';
    pg::AppendCopyField(o, contact.contact_number);
    o += '\t';
    json_.clear();
    store_rules::AppendJsonStringArray(contact.variables, &json_);
    pg::AppendCopyField(o, json_);
    o += "\tprepared\t";
    o += created_at_;
    o += '\t';
    o += created_at_;
    o += '\n';
    if (o.size() >= kCopyChunk) return state_.Fail(SendCopyBuffer());
    return Status::Ok();
  }

  Status AddReject(const RejectedRow& reject) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    // batch_seq, line, pos, contact_number, code, message
    std::string& o = rejects_;
    o += seq_text_;
    o += '\t';
    AppendInt(o, reject.line);
    o += '\t';
    AppendInt(o, reject_count_++);
    o += '\t';
    pg::AppendCopyField(o, reject.contact_number);
    o += '\t';
    pg::AppendCopyField(o, reject.code);
    o += '\t';
    pg::AppendCopyField(o, reject.message);
    o += '\n';
    return Status::Ok();
  }

  Result<Batch> Commit(int64_t total_contacts, int64_t valid_contacts, int64_t invalid_contacts) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    state_.Finish();
    BC_RETURN_IF_ERROR(SendCopyBuffer());
    BC_RETURN_IF_ERROR(conn_->CopyEnd());
    store_rules::StatusDeltas added;
    added.Add(seq_, ExecutionStatus::kPrepared, static_cast<int64_t>(state_.IdCount()));
    BC_RETURN_IF_ERROR(CopyIds());
    if (!rejects_.empty()) {
      BC_RETURN_IF_ERROR(conn_->CopyBegin(sql::kCopyRejects));
      for (size_t i = 0; i < rejects_.size(); i += kCopyChunk) {
        BC_RETURN_IF_ERROR(conn_->CopyPut(std::string_view(rejects_).substr(i, kCopyChunk)));
      }
      BC_RETURN_IF_ERROR(conn_->CopyEnd());
      std::string().swap(rejects_);
    }
    BC_RETURN_IF_ERROR(
        conn_
            ->Run(sql::kUpdateBatchCounts,
                  Params().Add(total_contacts).Add(valid_contacts).Add(invalid_contacts).Add(seq_))
            .status());
    if (state_.remembered()) BC_RETURN_IF_ERROR(InsertRemembered());
    BC_ASSIGN_OR_RETURN(auto rows, conn_->Query(sql::kSelectBatchBySeq, Params().Add(seq_)));
    if (rows.size() == 0) return Internal("batch vanished during its import");
    BC_ASSIGN_OR_RETURN(auto stored, pg::ReadBatch(pg::Row(rows, 0), nullptr));
    BC_RETURN_IF_ERROR(pg::ApplyStatusDeltas(*conn_, added, node_));
    BC_RETURN_IF_ERROR(CommitOpenTransaction());
    // A big upload changes the table's statistics (autovacuum would notice
    // within a minute or so; plans made meanwhile would think the batch is
    // small). Best effort: the upload is committed either way.
    if (state_.last_row_index() + 1 >= kAnalyzeAfterRows)
      (void)conn_->Exec(sql::kAnalyzeExecutions);
    conn_.reset();
    return stored;
  }

  void RememberResponse(IdempotentResponse response, TimePoint expired_before) override {
    state_.Remember(std::move(response), expired_before);
  }

 private:
  // A concurrent duplicate's uncommitted row makes this insert wait for that
  // transaction: it then fails (23505, Conflict) if the other committed.
  Status InsertRemembered() {
    BC_RETURN_IF_ERROR(conn_
                           ->Run(sql::kDeleteExpiredIdempotencyKeys,
                                 Params().Add(store_rules::Millis(state_.expired_before())))
                           .status());
    const IdempotentResponse& r = *state_.remembered();
    auto n = conn_->Run(sql::kInsertIdempotencyKey, Params()
                                                        .Add(r.account_id)
                                                        .Add(r.key)
                                                        .Add(r.request_hash)
                                                        .Add(r.status)
                                                        .Add(r.body)
                                                        .Add(store_rules::Millis(r.created_at)));
    if (n.status().code() == StatusCode::kConflict) return Conflict("the Idempotency-Key was used by another request");
    return n.status();
  }

  Status SendCopyBuffer() {
    Status s = conn_->CopyPut(copy_buffer_);
    copy_buffer_.clear();
    return s;
  }

  // Registers every id of the batch in execution_ids, in id order.
  Status CopyIds() {
    BC_RETURN_IF_ERROR(conn_->CopyBegin(sql::kCopyExecutionIds));
    std::string& o = copy_buffer_;
    for (const store_rules::ImportState::IdKey& k : state_.SortedIds()) {
      o.append(k.id.data(), k.id.size());
      o += '\t';
      AppendInt(o, k.key);
      o += '\n';
      if (o.size() >= kCopyChunk) BC_RETURN_IF_ERROR(SendCopyBuffer());
    }
    BC_RETURN_IF_ERROR(SendCopyBuffer());
    state_.ReleaseIds();
    return conn_->CopyEnd();
  }

  // COMMIT, reporting a transaction that failed meanwhile as an error.
  Status CommitOpenTransaction() {
    if (PQtransactionStatus(conn_->raw()) != PQTRANS_INTRANS) return Internal("the import transaction failed");
    return conn_->Exec("COMMIT");
  }

  std::unique_ptr<Connection> conn_;
  Batch batch_;
  int64_t seq_ = 0;
  std::string seq_text_;
  std::string created_at_;
  std::string copy_buffer_;  // executions not sent yet (COPY text)
  const std::string node_;   // the status counts' node (PostgresStoreOptions::node_id)
  std::string json_;         // scratch: one row's variables
  std::string rejects_;      // every rejected row (COPY text)
  int64_t reject_count_ = 0;
  // Row order, sticky failure, remembered response and the ids (see ImportState).
  store_rules::ImportState state_;
  OrderedUuids ids_;  // in id order already: the id index grows at its end
};

}  // namespace

Result<std::unique_ptr<BatchImport>> PostgresStore::BeginImport(const Batch& draft) {
  pg::ConnectionOptions co = ConnOptions();
  // An upload streams for as long as the client sends it: no statement limit.
  co.statement_timeout = std::chrono::milliseconds(0);
  BC_ASSIGN_OR_RETURN(auto conn, Connection::Open(co));
  auto import = std::make_unique<PgBatchImport>(std::move(conn), draft, options_.node_id);
  BC_RETURN_IF_ERROR(import->Start());
  return std::unique_ptr<BatchImport>(std::move(import));
}

}  // namespace batchcall
