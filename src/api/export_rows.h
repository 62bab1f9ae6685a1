// Export rows: one stored execution (ExecutionRow, Store::ScanExecutions)
// written straight into a CSV or JSON body, without an Execution object or a
// JSON DOM per row. Stored JSON columns (extracted_data, telephony_data
// values, variables) are copied as they are stored: the store wrote them as
// compact JSON (store/rules/codecs.h), which is what re-serialising them
// would give.
//
// The JSON is the value of the per-execution view ExecutionView (views.h:
// GET /executions/{id}, webhooks) with the same members in the same order
// (numbers may be spelled differently, never valued differently);
// export_rows_test checks it over executions of every shape. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

// The CSV export's header line: contact_number, the batch's columns, then
// status, attempts, conversation_duration, answered_by_voice_mail,
// error_message, created_at, updated_at, execution_id, hold_reason.
std::string ExecutionCsvHeader(const std::vector<std::string>& columns);
// One line of the CSV export (RFC 4180 fields through AppendCsvField, CRLF).
// Internal when a stored column is malformed.
Status AppendExecutionCsv(const ExecutionRow& row, std::string* out);
// ExecutionView(row, batch.columns).dump(); ids from `batch`. Internal when a
// stored column is malformed.
Status AppendExecutionJson(const ExecutionRow& row, const Batch& batch, std::string* out);

}  // namespace batchcall
