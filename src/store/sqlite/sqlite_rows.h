// Conversions between the domain records and SQLite rows/columns of the
// SQLite store: JSON encodings of nested fields, the packed row key, and
// readers for the column lists of sqlite_sql.h. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/status.h"
#include "domain/model.h"
#include "store/store.h"
#include "store/sqlite/sqlite_db.h"

namespace batchcall::sqlite {

// Instants are stored as Unix milliseconds.
inline int64_t Millis(TimePoint t) { return static_cast<int64_t>(ToUnixMillis(t)); }

// Row key of an execution: (batch seq, row index) packed in one integer.
inline constexpr int64_t kMaxRowIndex = 0xFFFFFFFFLL;
inline int64_t RowKey(int64_t batch_seq, int64_t row_index) { return (batch_seq << 32) | row_index; }
inline int64_t FirstKey(int64_t batch_seq) { return RowKey(batch_seq, 0); }
inline int64_t LastKey(int64_t batch_seq) { return RowKey(batch_seq, kMaxRowIndex); }

// ["a","b"] with JSON string escaping; bytes >= 0x80 are copied as they are
// (the input is UTF-8). Appends to `out`.
void AppendJsonStringArray(const std::vector<std::string>& values, std::string* out);
std::string JsonStringArray(const std::vector<std::string>& values);
// Inverse of JsonStringArray; Internal when the text is not an array of strings.
Result<std::vector<std::string>> ParseJsonStringArray(std::string_view text);

std::string EncodeGuardrails(const CallingGuardrails& g);
Result<CallingGuardrails> DecodeGuardrails(std::string_view text);
std::string EncodeRetryConfig(const RetryConfig& r);
Result<RetryConfig> DecodeRetryConfig(std::string_view text);
std::string EncodeRetryHistory(const std::vector<AttemptSummary>& history);
Result<std::vector<AttemptSummary>> DecodeRetryHistory(std::string_view text);

// Provider settings at rest: JSON, sealed with `box` when it is set.
std::string SealProvider(const nlohmann::json& provider, const SecretBox* box);
// Accepts sealed text ("v1:...", needs the box that sealed it) and plain
// JSON; Internal when it cannot be opened or parsed.
Result<nlohmann::json> OpenProvider(std::string_view stored, const SecretBox* box);

// Binds the 14 BC_AGENT_COLUMNS of `a` at 1..14.
void BindAgent(Statement& st, const Agent& a, const SecretBox* box);
// Readers for rows selected with BC_AGENT_COLUMNS / BC_BATCH_COLUMNS /
// BC_EXECUTION_COLUMNS. `seq` receives the batch's internal key prefix.
Result<Agent> ReadAgent(const Statement& st, const SecretBox* box);
Result<Batch> ReadBatch(const Statement& st, int64_t* seq);
// account, agent and batch ids come from the execution's batch.
Result<Execution> ReadExecution(const Statement& st, const Batch& batch);
// Rows selected with BC_ATTEMPT_COLUMNS / BC_OPEN_ATTEMPT_COLUMNS; `closed`
// is set from ended_at.
Attempt ReadAttempt(const Statement& st);
OpenAttempt ReadOpenAttempt(const Statement& st);

// A webhook signing secret at rest: sealed with `box` ("v1:...") when set,
// else "plain:<secret>".
std::string SealSecret(std::string_view secret, const SecretBox* box);
// Inverse of SealSecret; Internal when sealed text cannot be opened.
Result<std::string> OpenSecret(std::string_view stored, const SecretBox* box);

}  // namespace batchcall::sqlite
