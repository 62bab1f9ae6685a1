// SqliteStore::BeginImport and its BatchImport. An upload never holds the
// write lock for long: its batch is stored first with status 'importing'
// (hidden from every read), its rows are written a few thousand per short
// transaction as the ingest emits them (validation never runs under the
// lock), and its last transaction writes the counts and makes it
// 'created'. Execution ids come from one
// OrderedUuids sequence, so each write appends them to execution_ids in the
// same transaction as their rows (no pass over the ids at Commit). Rows are
// staged on the caller's thread while a writer thread writes the previous
// ones; the import's connection does not checkpoint the WAL itself: after
// each write a third thread, on a connection of its own, runs a passive
// checkpoint when none is running, so copying pages into the database
// overlaps the next write and the WAL stays small. An import that does not finish
// is discarded: marked 'discarding', its rows deleted in short transactions,
// its batch row last. One its process could not discard (kill -9) is found
// again by DiscardAbandonedImports (at Open, and at every BeginImport).
#include <algorithm>
#include <atomic>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/job_thread.h"
#include "base/log.h"
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
// the WAL, so a big upload costs bounded memory.
// Every B-tree an import writes grows at its end (keys, ordered ids, the
// status index of a new batch), so its right-hand pages are all it needs:
// 2 MiB measured faster than 16 (1M rows: 1.49-1.56 s against 1.66-1.73 s)
// and keeps an upload's memory flat.
constexpr int64_t kImportCacheKib = 2 * 1024;
// seq << 32 must stay a positive int64.
constexpr int64_t kMaxBatchSeq = 0x7FFFFFFFLL;
// Rows (contacts or rejects) per write transaction: each holds the write
// lock for a few milliseconds (store/README.md, "Measured").
constexpr size_t kRowsPerWrite = 4096;
// ... or fewer when their text passes this size (wide rows): what is staged
// beside the write in flight stays small.
constexpr size_t kBytesPerWrite = 1 << 20;
// WAL frames (pages) after which an import's next write waits until the WAL
// is copied and starts it again: 16 MiB of 4 KiB pages.
constexpr int kWalRestartFrames = 4096;
// An import nobody has written for this long is abandoned (its node died
// without coming back under the same name). A live import writes every few
// milliseconds, or fails after busy_timeout_ms.
constexpr std::chrono::minutes kAbandonedAfter{10};

class SqliteBatchImport final : public BatchImport {
  // Rows not written yet (their strings are reused from write to write).
  struct StagedRow {
    int64_t row_index = 0;
    int64_t line = 0;
    std::string id;
    std::string contact_number;
    std::string variables;  // JSON
  };
  struct Staged {
    std::vector<StagedRow> rows;  // [0, row_count) are in use
    size_t row_count = 0;
    std::vector<RejectedRow> rejects;
    size_t bytes = 0;  // text staged
  };
 public:
  SqliteBatchImport(std::unique_ptr<Connection> conn, std::unique_ptr<Connection> checkpoint_conn, Batch batch,
                    std::string importer)
      : conn_(std::move(conn)),
        batch_(std::move(batch)),
        importer_(std::move(importer)),
        checkpoint_conn_(std::move(checkpoint_conn)) {
    sqlite3_wal_hook(conn_->raw(), &SqliteBatchImport::OnWalCommit, this);
    for (Staged* staged : {&filling_, &writing_}) {
      staged->rows.resize(kRowsPerWrite);
      for (StagedRow& row : staged->rows) row.id.assign(36, '-');
    }
  }

  ~SqliteBatchImport() override {
    (void)writer_.Wait();  // the connection is ours again
    if (seq_ == 0 || committed_) return;
    if (Status s = sqlite::DiscardBatch(*conn_, seq_); !s.ok()) {
      LogWarn("could not delete the rows of an unfinished upload; they are deleted later",
              {{"batch_id", batch_.id}, {"error", s.message()}});
    }
  }

  // Stores the batch row (status importing, counts 0) in its own transaction.
  Status Start() {
    Transaction txn(*conn_);
    BC_RETURN_IF_ERROR(txn.Begin());
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kSelectAgentOfAccount));
      st.Bind(1, batch_.agent_id).Bind(2, batch_.account_id);
      BC_RETURN_IF_ERROR(st.StepRow("agent " + batch_.agent_id + " not found"));
    }
    BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kInsertImportingBatch));
    const Batch& b = batch_;
    st.Bind(1, b.id).Bind(2, b.account_id).Bind(3, b.agent_id);
    if (b.scheduled_at) {
      st.Bind(4, Millis(*b.scheduled_at));
    } else {
      st.BindNull(4);
    }
    st.Bind(5, Millis(b.created_at)).Bind(6, Millis(b.updated_at)).Bind(7, b.file_name);
    st.Bind(8, store_rules::JsonStringArray(b.columns))
        .Bind(9, store_rules::JsonStringArray(b.from_phone_numbers));
    if (b.retry_config) {
      st.Bind(10, store_rules::EncodeRetryConfig(*b.retry_config));
    } else {
      st.BindNull(10);
    }
    st.Bind(11, b.webhook_url).Bind(12, ToString(b.phone_validation)).Bind(13, b.default_country);
    st.Bind(14, b.allow_duplicates).Bind(15, b.bypass_call_guardrails);
    st.Bind(16, importer_).Bind(17, sqlite::WallMillis());
    Status s = st.Run();
    if (s.code() == StatusCode::kConflict) return Conflict("batch " + b.id + " already exists");
    BC_RETURN_IF_ERROR(s);
    const int64_t seq = conn_->LastInsertRowId();
    if (seq > kMaxBatchSeq) return Internal("batch sequence exhausted");
    BC_RETURN_IF_ERROR(txn.Commit());
    seq_ = seq;
    created_at_ = Millis(b.created_at);
    return Status::Ok();
  }

  Status AddContact(const ContactRow& contact) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    BC_RETURN_IF_ERROR(state_.AcceptRow(contact.row_index));
    StagedRow& row = filling_.rows[filling_.row_count++];
    row.row_index = contact.row_index;
    row.line = contact.line;
    ids_.Next(row.id.data());
    row.contact_number = contact.contact_number;
    row.variables.clear();
    store_rules::AppendJsonStringArray(contact.variables, &row.variables);
    filling_.bytes += row.contact_number.size() + row.variables.size();
    if (filling_.row_count == filling_.rows.size() || filling_.bytes >= kBytesPerWrite) {
      return state_.Fail(Flush());
    }
    return Status::Ok();
  }

  Status AddReject(const RejectedRow& reject) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    filling_.rejects.push_back(reject);
    filling_.bytes += reject.contact_number.size() + reject.message.size();
    if (filling_.rejects.size() == kRowsPerWrite || filling_.bytes >= kBytesPerWrite) {
      return state_.Fail(Flush());
    }
    return Status::Ok();
  }

  Result<Batch> Commit(int64_t total_contacts, int64_t valid_contacts, int64_t invalid_contacts) override {
    BC_RETURN_IF_ERROR(state_.CheckOpen());
    state_.Finish();
    auto batch = Finish(total_contacts, valid_contacts, invalid_contacts);
    if (batch.ok()) committed_ = true;
    return batch;
  }

  void RememberResponse(IdempotentResponse response, TimePoint expired_before) override {
    state_.Remember(std::move(response), expired_before);
  }

 private:
  Result<Batch> Finish(int64_t total_contacts, int64_t valid_contacts, int64_t invalid_contacts) {
    BC_RETURN_IF_ERROR(writer_.Wait());
    BC_RETURN_IF_ERROR(WriteStaged(filling_));
    Transaction txn(*conn_);
    BC_RETURN_IF_ERROR(txn.Begin());
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kFinishImport));
      st.Bind(1, total_contacts).Bind(2, valid_contacts).Bind(3, invalid_contacts).Bind(4, seq_);
      BC_RETURN_IF_ERROR(st.Run());
      if (conn_->Changes() == 0) return Gone();
    }
    {
      store_rules::StatusDeltas added;
      added.Add(seq_, ExecutionStatus::kPrepared, contacts_written_);
      BC_RETURN_IF_ERROR(sqlite::ApplyStatusDeltas(*conn_, added));
    }
    if (state_.remembered()) BC_RETURN_IF_ERROR(InsertRemembered());
    Result<Batch> stored = Internal("unread");
    {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kSelectBatchBySeq));
      st.Bind(1, seq_);
      BC_RETURN_IF_ERROR(st.StepRow("batch vanished during its import"));
      stored = sqlite::ReadBatch(st, nullptr);
      if (!stored.ok()) return stored.status();
    }
    BC_RETURN_IF_ERROR(txn.Commit());
    Checkpoint();
    return stored;
  }

  // The batch row is gone: its agent was deleted during the upload.
  Status Gone() const { return NotFound("agent " + batch_.agent_id + " was deleted during the upload"); }

  // Opens a write transaction in which the import's batch is still there.
  Status BeginWrite(Transaction& txn) {
    BC_RETURN_IF_ERROR(txn.Begin());
    BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kTouchImport));
    BC_RETURN_IF_ERROR(st.Bind(1, sqlite::WallMillis()).Bind(2, seq_).Run());
    if (conn_->Changes() == 0) return Gone();
    return Status::Ok();
  }

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

  // Copies what the WAL holds into the database (PASSIVE: waits for nobody,
  // copies what it can), unless a checkpoint is under way. A checkpoint
  // that cannot run now (busy) is left to the next write or to any other
  // connection's automatic checkpoint.
  void Checkpoint() {
    checkpointer_.StartIfIdle([this] {
      PassiveCheckpoint();
      return Status::Ok();
    });
  }

  void PassiveCheckpoint() {
    sqlite3_wal_checkpoint_v2(checkpoint_conn_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

  // Before a write: once the WAL has grown past kWalRestartFrames, waits for
  // the checkpoint under way and copies the rest, so that this write starts
  // the WAL again from its beginning (it is reset only when fully copied).
  void BoundWal() {
    if (wal_frames_.load(std::memory_order_relaxed) < kWalRestartFrames) return;
    (void)checkpointer_.Wait();
    PassiveCheckpoint();
    wal_frames_.store(0, std::memory_order_relaxed);
  }

  // sqlite3_wal_hook: the WAL's size in frames after each commit.
  static int OnWalCommit(void* self, sqlite3*, const char*, int frames) {
    static_cast<SqliteBatchImport*>(self)->wal_frames_.store(frames, std::memory_order_relaxed);
    return SQLITE_OK;
  }

  // Hands the filled rows to the writer thread (after its previous write
  // finished) and goes on filling the other buffer: rows are read, checked
  // and staged on the caller's thread while the last ones are written.
  Status Flush() {
    BC_RETURN_IF_ERROR(writer_.Wait());
    std::swap(filling_, writing_);
    return writer_.Start([this] { return WriteStaged(writing_); });
  }

  // Writes the staged rows and rejects in one short transaction: full
  // multi-row statements of kImportRowsPerInsert rows, the tail one by one.
  // Runs on the writer thread (Flush) or, once it is idle, the caller's.
  Status WriteStaged(Staged& staged) {
    const size_t row_count = staged.row_count;
    const std::vector<StagedRow>& rows = staged.rows;
    if (row_count == 0 && staged.rejects.empty()) return Status::Ok();
    BoundWal();
    Transaction txn(*conn_);
    BC_RETURN_IF_ERROR(BeginWrite(txn));
    constexpr size_t kPer = sql::kImportRowsPerInsert;
    const size_t full_end = row_count - row_count % kPer;
    for (size_t i = 0; i < row_count;) {
      const bool full = i < full_end;
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(full ? sql::InsertExecutionsSql() : sql::kInsertExecution));
      const size_t n = full ? kPer : 1;
      for (size_t j = 0; j < n; ++j, ++i) {
        const StagedRow& r = rows[i];
        const int p = static_cast<int>(j) * sql::kExecutionParams;
        st.Bind(p + 1, store_rules::RowKey(seq_, r.row_index)).BindStatic(p + 2, r.id).Bind(p + 3, seq_);
        st.Bind(p + 4, r.row_index).Bind(p + 5, r.line).BindStatic(p + 6, r.contact_number);
        st.BindStatic(p + 7, r.variables).Bind(p + 8, created_at_).Bind(p + 9, created_at_);
      }
      BC_RETURN_IF_ERROR(st.Run());
    }
    // Their ids, greater than every id before them (OrderedUuids).
    for (size_t i = 0; i < row_count;) {
      const bool full = i < full_end;
      BC_ASSIGN_OR_RETURN(auto st,
                          conn_->Prepare(full ? sql::InsertExecutionIdsSql() : sql::kInsertExecutionId));
      const size_t n = full ? kPer : 1;
      for (size_t j = 0; j < n; ++j, ++i) {
        const StagedRow& r = rows[i];
        const int p = static_cast<int>(j) * sql::kExecutionIdParams;
        st.BindStatic(p + 1, r.id).Bind(p + 2, store_rules::RowKey(seq_, r.row_index));
      }
      BC_RETURN_IF_ERROR(st.Run());
    }
    for (const RejectedRow& r : staged.rejects) {
      BC_ASSIGN_OR_RETURN(auto st, conn_->Prepare(sql::kInsertReject));
      st.Bind(1, seq_).Bind(2, r.line).BindStatic(3, r.contact_number).BindStatic(4, r.code);
      BC_RETURN_IF_ERROR(st.BindStatic(5, r.message).Run());
    }
    BC_RETURN_IF_ERROR(txn.Commit());
    Checkpoint();
    contacts_written_ += static_cast<int64_t>(row_count);
    staged.row_count = 0;
    staged.rejects.clear();
    staged.bytes = 0;
    return Status::Ok();
  }

  std::unique_ptr<Connection> conn_;
  Batch batch_;
  const std::string importer_;
  int64_t seq_ = 0;  // 0 until Start() stored the batch
  int64_t created_at_ = 0;
  bool committed_ = false;
  int64_t contacts_written_ = 0;
  OrderedUuids ids_;
  Staged filling_;  // the caller's thread's
  Staged writing_;  // the writer thread's while a write runs
  std::unique_ptr<Connection> checkpoint_conn_;
  JobThread checkpointer_;  // destroyed (waited for) after the writer, before its connection
  std::atomic<int> wal_frames_{0};
  // Declared last: destroyed (waited for) before the buffers and connection.
  JobThread writer_;
  // Row order, sticky failure, remembered response and the ids (see ImportState).
  store_rules::ImportState state_;
};

}  // namespace

Status SqliteStore::DiscardAbandonedImports(bool include_own) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  std::vector<int64_t> seqs;
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAbandonedImports));
    st.Bind(1, include_own ? options_.node_id : std::string()).Bind(2, sqlite::WallMillis() - std::chrono::milliseconds(kAbandonedAfter).count());
    BC_RETURN_IF_ERROR(sqlite::ForEachRow(st, [&](const sqlite::Statement& s) {
      seqs.push_back(s.Int(0));
      return Status::Ok();
    }));
  }
  for (int64_t seq : seqs) {
    BC_RETURN_IF_ERROR(sqlite::DiscardBatch(*conn, seq));
    LogInfo("deleted the rows of an upload that did not finish", {{"batch_seq", seq}});
  }
  return Status::Ok();
}

Result<std::unique_ptr<BatchImport>> SqliteStore::BeginImport(const Batch& draft) {
  BC_RETURN_IF_ERROR(DiscardAbandonedImports(/*include_own=*/false));  // own ones may be live
  sqlite::ConnectionOptions co;
  co.path = options_.path;
  co.busy_timeout_ms = options_.busy_timeout_ms;
  co.cache_kib = kImportCacheKib;
  co.write_order = write_gate_;
  BC_ASSIGN_OR_RETURN(auto conn, Connection::Open(co));
  BC_RETURN_IF_ERROR(conn->Exec("PRAGMA wal_autocheckpoint = 0"));  // SqliteBatchImport::Checkpoint
  co.cache_kib = 256;  // copies pages; needs no cache of its own
  co.write_order = nullptr;
  BC_ASSIGN_OR_RETURN(auto checkpoint_conn, Connection::Open(co));
  auto import = std::make_unique<SqliteBatchImport>(std::move(conn), std::move(checkpoint_conn), draft,
                                                    options_.node_id);
  BC_RETURN_IF_ERROR(import->Start());
  return std::unique_ptr<BatchImport>(std::move(import));
}

}  // namespace batchcall
