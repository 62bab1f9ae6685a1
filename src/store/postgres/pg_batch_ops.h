// Batch helpers shared by the PostgresStore source files; each runs on a
// connection the caller holds (inside the caller's transaction when the
// caller opened one). Not thread-safe beyond the connection's rules.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "domain/model.h"
#include "store/postgres/pg_db.h"
#include "store/rules/rules.h"

namespace batchcall::pg {

// The batch `batch_id` of `account_id` and its internal seq; NotFound
// otherwise (also for another account's batch). for_update locks the row
// until the caller's transaction ends.
Result<Batch> LoadBatch(Connection& conn, const std::string& account_id, const std::string& batch_id,
                        int64_t* seq, bool for_update = false);
// The batch with this seq.
Result<Batch> LoadBatchBySeq(Connection& conn, int64_t seq);
// True when an execution of the batch is initiated, ringing, in progress or
// call-disconnected.
Result<bool> AnyInFlight(Connection& conn, int64_t seq);
// Adds one transaction's status count changes under `node` (one statement;
// run it just before COMMIT: it holds the node's count rows until then).
Status ApplyStatusDeltas(Connection& conn, const store_rules::StatusDeltas& deltas, const std::string& node);
// Adds a transaction's hold_reason changes to batch_hold_counts (likewise).
Status ApplyHoldDeltas(Connection& conn, const store_rules::HoldDeltas& deltas, const std::string& node);
// Deletes the batch row, its status counts, its executions, rejected rows and the engine's rows
// of it (attempts, pending webhook changes: pg_sql::kEngineBatchCleanup).
Status DeleteBatchRows(Connection& conn, int64_t seq);

}  // namespace batchcall::pg
