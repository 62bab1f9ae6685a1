// Store codecs shared by every backend: how domain values are written into
// columns. JSON text for lists and nested records (string arrays,
// guardrails, retry config, retry history), provider settings and webhook
// secrets sealed with a SecretBox, instants as Unix milliseconds and the
// packed row key of an execution. Both backends store exactly this text, so
// a database moved between them reads the same. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "base/time.h"
#include "domain/model.h"

namespace batchcall::store_rules {

// Instants are stored as Unix milliseconds.
inline int64_t Millis(TimePoint t) { return static_cast<int64_t>(ToUnixMillis(t)); }

// Row key of an execution: (batch seq, row index) packed in one integer, so
// a batch's executions are one contiguous key range in CSV order.
inline constexpr int64_t kMaxRowIndex = 0xFFFFFFFFLL;
inline int64_t RowKey(int64_t batch_seq, int64_t row_index) {
  return (batch_seq << 32) | row_index;
}
inline int64_t FirstKey(int64_t batch_seq) { return RowKey(batch_seq, 0); }
// The batch_seq of a row key.
inline int64_t SeqOfKey(int64_t key) { return key >> 32; }
inline int64_t LastKey(int64_t batch_seq) { return RowKey(batch_seq, kMaxRowIndex); }

// Parses a stored JSON column; Internal ("stored <what>: ...") when it is
// not JSON.
Result<nlohmann::json> ParseStoredJson(std::string_view text, std::string_view what);

// ["a","b"] with JSON string escaping; bytes >= 0x80 are copied as they are
// (the input is UTF-8). Appends to `out`.
void AppendJsonStringArray(const std::vector<std::string>& values, std::string* out);
std::string JsonStringArray(const std::vector<std::string>& values);
// Inverse of JsonStringArray; Internal when the text is not an array of strings.
Result<std::vector<std::string>> ParseJsonStringArray(std::string_view text);

// Calls fn(body, escaped) for each string of a flat JSON array of strings, in
// order: `body` is the text between the quotes as stored, `escaped` true when
// it holds a backslash escape (then body is not the value; decode it with
// UnescapeJsonString). False, having called fn for a prefix, when the text is
// not such an array (fn is not called after the first non-string). No allocation: exports read every row's variables.
bool ForEachJsonString(std::string_view array,
                       const std::function<void(std::string_view body, bool escaped)>& fn);
// The value of a JSON string's body (without quotes); Internal when it is not
// a valid JSON string body.
Result<std::string> UnescapeJsonString(std::string_view body);

// JSON objects; the decoders are Internal on malformed text or unknown statuses.
std::string EncodeGuardrails(const CallingGuardrails& g);
Result<CallingGuardrails> DecodeGuardrails(std::string_view text);
// An agent's contact_limits as stored ("[{\"max_calls\": 3, \"per_hours\": 24}]").
std::string EncodeContactLimits(const std::vector<ContactLimit>& limits);
Result<std::vector<ContactLimit>> DecodeContactLimits(std::string_view text);
std::string EncodeRetryConfig(const RetryConfig& r);
Result<RetryConfig> DecodeRetryConfig(std::string_view text);
std::string EncodeRetryHistory(const std::vector<AttemptSummary>& history);
Result<std::vector<AttemptSummary>> DecodeRetryHistory(std::string_view text);

// The Execution of a stored row; ids (account, agent, batch) are `batch`'s.
// Internal when a JSON column is malformed.
Result<Execution> ToExecution(const ExecutionRow& row, const Batch& batch);

// Provider settings at rest: JSON, sealed with `box` when it is set.
std::string SealProvider(const nlohmann::json& provider, const SecretBox* box);
// Accepts sealed text ("v1:...", needs the box that sealed it) and plain
// JSON; Internal when it cannot be opened or parsed.
Result<nlohmann::json> OpenProvider(std::string_view stored, const SecretBox* box);

// A webhook signing secret at rest: sealed with `box` ("v1:...") when set,
// else "plain:<secret>".
std::string SealSecret(std::string_view secret, const SecretBox* box);
// Inverse of SealSecret; Internal when sealed text cannot be opened.
Result<std::string> OpenSecret(std::string_view stored, const SecretBox* box);

}  // namespace batchcall::store_rules
