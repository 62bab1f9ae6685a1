// Batch helpers shared by the SqliteStore source files; each runs on a
// connection the caller holds (inside the caller's transaction when the
// caller opened one). Not thread-safe beyond the connection's rules.
#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "domain/model.h"
#include "store/rules/rules.h"
#include "store/sqlite/sqlite_db.h"

namespace batchcall::sqlite {

// Wall-clock Unix milliseconds: when an import or a delete last wrote
// (batches.import_seen_at, compared across nodes, so never a fake clock).
inline int64_t WallMillis() { return static_cast<int64_t>(ToUnixMillis(SystemClock().Now())); }

// The batch `batch_id` of `account_id` and its internal seq; NotFound
// otherwise (also for another account's batch).
Result<Batch> LoadBatch(Connection& conn, const std::string& account_id, const std::string& batch_id,
                        int64_t* seq);
// True when an execution of the batch is initiated, ringing, in progress or
// call-disconnected.
Result<bool> AnyInFlight(Connection& conn, int64_t seq);
// Writes a transaction's status count changes (batch_status_counts); call
// inside that transaction, after its last status change.
Status ApplyStatusDeltas(Connection& conn, const store_rules::StatusDeltas& deltas);
// Adds a transaction's hold_reason changes to batch_hold_counts (likewise).
Status ApplyHoldDeltas(Connection& conn, const store_rules::HoldDeltas& deltas);
// Deletes the batch row, its executions (with their contacts and attempts),
// rejected rows and pending webhook journal rows.
Status DeleteBatchRows(Connection& conn, int64_t seq);
// Deletes batch `seq` (status importing or discarding: hidden from every
// read) in short transactions of its own: marks it discarding, deletes its
// attempts, executions, ids and rejects a few thousand per transaction, then
// the rest and the batch row last, so an interrupted discard is found again
// (SqliteStore::DiscardAbandonedImports). Call outside any transaction.
Status DiscardBatch(Connection& conn, int64_t seq);

}  // namespace batchcall::sqlite
