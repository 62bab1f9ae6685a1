// JSON and CSV views of domain records: the wire shapes of docs/api.md.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "domain/model.h"
#include "telephony/provider_secrets.h"  // MaskSecret

namespace batchcall {

using OrderedJson = nlohmann::ordered_json;

// Agent with provider secrets masked ("****" + last 4 characters).
OrderedJson AgentView(const Agent& agent);

// Batch object of GET /batches/{id}: Bolna fields, execution_status counts and
// the progress extension.
// With `held` (Store::GetBatchWithCounts), adds "held": {reason: count} for
// executions currently held or blocked by a rule (a finished batch shows
// only the blocking reasons: nothing waits in it any more).
OrderedJson BatchView(const Batch& batch, const StatusCounts& counts, TimePoint now,
                      const std::map<std::string, int64_t>* held = nullptr);

// Execution object; `columns` are the batch's variable names (recipient_data keys).
OrderedJson ExecutionView(const Execution& e, const std::vector<std::string>& columns);

OrderedJson RejectView(const RejectedRow& r);

// API key object of GET /keys: id, name, prefix, created_at, last_used_at
// (or null). Never the key or its hash.
OrderedJson ApiKeyView(const ApiKey& k);

// A cell a spreadsheet would run as a formula, neutralised with a leading
// apostrophe (OWASP's convention for CSV injection): a value starting with
// '=', '@', tab or CR, or with '+' or '-' unless the whole value is a number
// ("+14155550100", "-2.5" stay as they are). Every other value is unchanged.
std::string SpreadsheetSafeCell(std::string_view value);

// One RFC 4180 field of a CSV export: SpreadsheetSafeCell, then quoted when it
// holds a comma, quote, CR or LF.
std::string CsvField(std::string_view value);
// CsvField, appended to *out (no temporary strings: exports write every row).
void AppendCsvField(std::string_view value, std::string* out);

std::string RejectCsvHeader();
std::string RejectCsvRow(const RejectedRow& r);

}  // namespace batchcall
