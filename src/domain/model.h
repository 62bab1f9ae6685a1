// Plain domain records shared by the store, the engine and the API. No logic
// beyond defaults; values, not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "domain/states.h"

namespace batchcall {

// How strictly contact numbers are checked at upload.
enum class PhoneValidationMode {
  kStrict,    // valid for its country (libphonenumber IsValidNumber); the default
  kPossible,  // plausible length for its country (IsPossibleNumber)
  kE164,      // syntax only: '+', a country code, at most 15 digits
};
std::string_view ToString(PhoneValidationMode m);  // "strict" | "possible" | "e164"
std::optional<PhoneValidationMode> ParsePhoneValidationMode(std::string_view s);

struct RetryConfig {
  bool enabled = false;
  int max_retries = 0;  // retries after the first attempt, 0..10
  std::vector<ExecutionStatus> retry_on_statuses;  // subset of no-answer, busy, failed, error
  bool retry_on_voicemail = false;
  std::vector<int> retry_intervals_minutes;  // the last one repeats; empty means 30
};

// Weekdays as bits: bit 0 = Monday ... bit 6 = Sunday (ISO order).
inline constexpr uint8_t kAllWeekdays = 0x7f;

// What calling hours do with a number that has several candidate zones.
enum class AmbiguousZonePolicy {
  kDefault,    // "default": the guardrails' default_timezone
  kStrictest,  // "strictest": only when the rules allow it in every candidate zone
};
std::string_view ToString(AmbiguousZonePolicy p);
std::optional<AmbiguousZonePolicy> ParseAmbiguousZonePolicy(std::string_view s);

struct CallingGuardrails {
  int call_start_hour = 9;   // 0..23, recipient's local time, inclusive
  int call_end_hour = 21;    // 1..24, exclusive; must be > call_start_hour
  std::string default_timezone = "UTC";  // IANA name used when a number's zone is unknown
  uint8_t call_days = kAllWeekdays;      // weekdays calls may start, recipient's local time; never 0
  AmbiguousZonePolicy ambiguous_timezone = AmbiguousZonePolicy::kDefault;
  std::vector<std::string> rule_packs;   // names of rule packs applied on top (compliance/rule_pack.h)
};

// At most max_calls dials to one number within any per_hours window, counted
// across every batch and agent of the account.
struct ContactLimit {
  int max_calls = 3;   // 1..100
  int per_hours = 24;  // 1..8760
  bool operator==(const ContactLimit&) const = default;
};

struct Account {
  std::string id;
  std::string name;
  TimePoint created_at;
};

struct ApiKey {
  std::string id;
  std::string account_id;
  std::string name;
  std::string key_hash;  // lowercase hex SHA-256 of the key; the key itself is never stored
  TimePoint created_at;
  // The key's first characters ("bc_1a2b3"), shown to tell keys apart; ""
  // for keys made before prefixes were stored.
  std::string prefix;
  // When the key last authenticated a request, to within a minute; nullopt
  // when never (or not yet recorded).
  std::optional<TimePoint> last_used_at;
};

struct Agent {
  std::string id;  // hyphenated UUID
  std::string account_id;
  std::string name;
  std::string provider_type;          // "simulator" | "twilio" | "http"
  nlohmann::json provider = nlohmann::json::object();  // settings, secrets included (store encrypts)
  std::vector<std::string> from_phone_numbers;
  std::optional<std::string> webhook_url;
  std::string welcome_message;
  std::optional<CallingGuardrails> calling_guardrails;
  std::vector<ContactLimit> contact_limits;  // at most 4; empty = no limit
  int max_concurrency = 10;
  double calls_per_second = 1.0;  // 0 = unpaced
  std::optional<RetryConfig> retry_config;
  TimePoint created_at;
  TimePoint updated_at;
};

struct Batch {
  std::string id;  // 32 lowercase hex
  std::string account_id;
  std::string agent_id;
  BatchStatus status = BatchStatus::kCreated;
  std::optional<TimePoint> scheduled_at;
  TimePoint created_at;
  TimePoint updated_at;
  std::string file_name;
  int64_t total_contacts = 0;    // data rows in the file
  int64_t valid_contacts = 0;    // rows that became executions
  int64_t invalid_contacts = 0;  // rows in the rejected-row report
  std::vector<std::string> columns;  // variable column names, in file order (contact_number excluded)
  std::vector<std::string> from_phone_numbers;
  std::optional<RetryConfig> retry_config;
  std::optional<std::string> webhook_url;
  PhoneValidationMode phone_validation = PhoneValidationMode::kStrict;
  std::string default_country;  // ISO region used for numbers without '+', or empty
  bool allow_duplicates = false;
  bool bypass_call_guardrails = false;
};

// One valid contact row, as handed from ingest to the store.
struct ContactRow {
  int64_t row_index = 0;  // 0-based among valid rows, CSV order
  int64_t line = 0;       // 1-based physical line where the row starts (header is line 1)
  std::string contact_number;          // E.164
  std::vector<std::string> variables;  // values, aligned with Batch::columns
};

// One rejected row of the upload report. `code` is a stable wire string.
struct RejectedRow {
  int64_t line = 0;
  std::string contact_number;  // raw value as it appeared (may be empty)
  std::string code;            // invalid_number, missing_country_code, duplicate, ...
  std::string message;         // one sentence
};

// One dial of an execution, as listed in retry_history.
struct AttemptSummary {
  int attempt = 0;  // 1-based
  ExecutionStatus status = ExecutionStatus::kInitiated;
  TimePoint at;     // when the attempt started
};

// A stored dial attempt.
struct Attempt {
  std::string id;  // hyphenated UUID; also the idempotency key sent to the provider
  std::string execution_id;
  std::string agent_id;
  int number = 1;  // 1-based
  std::string idempotency_key;
  std::string provider_call_id;  // empty until the provider answered StartCall
  std::string from_number;
  ExecutionStatus status = ExecutionStatus::kInitiated;
  TimePoint started_at;
  std::optional<TimePoint> ended_at;
};

struct DncEntry {
  std::string number;  // E.164
  std::string reason;
  TimePoint created_at;
};

struct Execution {
  std::string id;  // hyphenated UUID
  std::string account_id;
  std::string batch_id;
  std::string agent_id;
  int64_t row_index = 0;
  int64_t line = 0;
  std::string contact_number;          // E.164 (user_number)
  std::vector<std::string> variables;  // aligned with the batch's columns
  ExecutionStatus status = ExecutionStatus::kPrepared;
  std::string agent_number;  // caller id used, when dialled
  double conversation_duration = 0;
  double total_cost = 0;
  bool answered_by_voice_mail = false;
  std::string transcript;
  std::string summary;
  nlohmann::json extracted_data;   // null when none
  nlohmann::json telephony_data;   // null when no call was placed
  std::string error_message;
  int retry_count = 0;     // attempts made beyond the first
  int attempt_count = 0;   // attempts begun (0 before the first dial)
  std::vector<AttemptSummary> retry_history;  // every finished attempt, oldest first
  std::optional<TimePoint> next_attempt_at;
  TimePoint created_at;
  TimePoint updated_at;
  // Why the engine is not dialling it (a code of compliance/decision.h such
  // as "calling_hours" or "state_hours:FL"), while rescheduled or canceled
  // by a rule; nullopt once dialled, and before any decision.
  std::optional<std::string> hold_reason;
};

// Filter and keyset page for listing executions of one batch, in CSV order.
struct ExecutionQuery {
  std::string account_id;
  std::string batch_id;
  std::vector<ExecutionStatus> statuses;  // empty = all
  std::optional<int64_t> after_row_index;  // exclusive
  int64_t limit = 1000;
  // For Store::ScanExecutions: the caller reads only the columns of the CSV
  // export (id, row_index, contact_number, variables, status, attempt_count,
  // conversation_duration, answered_by_voice_mail, error_message, created_at,
  // updated_at, hold_reason); a store may leave the others empty. A hint: PostgreSQL
  // reads every column.
  bool csv_columns_only = false;
};

// One execution exactly as stored, for exports that write the stored columns
// straight into a body (Store::ScanExecutions). The views point into the
// store's row and are valid only while the visitor runs. Encodings are the
// store's (store/rules/codecs.h): `variables` a JSON array of strings aligned
// with the batch's columns; `extracted_data` and `telephony_data` JSON text or
// empty when NULL; `retry_history` a JSON array of {attempt, status, at}
// with `at` in Unix milliseconds, or empty when NULL; times in Unix
// milliseconds. account, agent and batch ids are the batch's.
struct ExecutionRow {
  std::string_view id;
  int64_t row_index = 0;
  int64_t line = 0;
  std::string_view contact_number;
  std::string_view variables;
  ExecutionStatus status = ExecutionStatus::kPrepared;
  std::string_view agent_number;
  double conversation_duration = 0;
  double total_cost = 0;
  bool answered_by_voice_mail = false;
  std::string_view transcript;
  std::string_view summary;
  std::string_view extracted_data;
  std::string_view telephony_data;
  std::string_view error_message;
  int64_t retry_count = 0;
  int64_t attempt_count = 0;
  std::string_view retry_history;
  std::optional<int64_t> next_attempt_at_ms;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::optional<std::string_view> hold_reason;  // NULL: nullopt
};

using StatusCounts = std::map<ExecutionStatus, int64_t>;

}  // namespace batchcall
