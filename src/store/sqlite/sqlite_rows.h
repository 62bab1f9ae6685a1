// Conversions between the domain records and SQLite rows of the SQLite
// store: binders and readers for the column lists of sqlite_sql.h. The
// column encodings themselves (JSON, sealing, row keys) are the shared
// codecs of store/rules/codecs.h. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "domain/model.h"
#include "store/rules/codecs.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace batchcall::sqlite {

// Binds the 15 BC_AGENT_COLUMNS of `a` at 1..15.
void BindAgent(Statement& st, const Agent& a, const SecretBox* box);
// Readers for rows selected with BC_AGENT_COLUMNS / BC_BATCH_COLUMNS /
// BC_EXECUTION_COLUMNS. `seq` receives the batch's internal key prefix.
Result<Agent> ReadAgent(const Statement& st, const SecretBox* box);
Result<Batch> ReadBatch(const Statement& st, int64_t* seq);
// The stored row (views into the statement's current row).
Result<ExecutionRow> ReadExecutionRow(const Statement& st);
// Only the columns of BC_EXECUTION_CSV_COLUMNS (ExecutionQuery::csv_columns_only).
Result<ExecutionRow> ReadExecutionCsvRow(const Statement& st);
// account, agent and batch ids come from the execution's batch.
Result<Execution> ReadExecution(const Statement& st, const Batch& batch);
// Rows selected with BC_ATTEMPT_COLUMNS / BC_OPEN_ATTEMPT_COLUMNS; `closed`
// is set from ended_at.
Attempt ReadAttempt(const Statement& st);
OpenAttempt ReadOpenAttempt(const Statement& st);

}  // namespace batchcall::sqlite
