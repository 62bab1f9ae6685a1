#include "store/sqlite/sqlite_rows.h"

#include <nlohmann/json.hpp>

#include "base/json.h"

namespace batchcall::sqlite {
namespace {

using nlohmann::json;

constexpr char kHex[] = "0123456789abcdef";

Result<json> ParseStoredJson(std::string_view text, std::string_view what) {
  auto j = batchcall::ParseJson(text);
  if (!j.ok()) return Internal("stored " + std::string(what) + ": " + j.status().message());
  return j;
}

// Reads a JSON column that may be NULL (-> null).
Result<json> JsonColumn(const Statement& st, int col, std::string_view what) {
  if (st.IsNull(col)) return json();
  return ParseStoredJson(st.TextView(col), what);
}

std::optional<std::string> OptionalText(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Text(col);
}

std::optional<TimePoint> OptionalTime(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return FromUnixMillis(st.Int(col));
}

}  // namespace

void AppendJsonStringArray(const std::vector<std::string>& values, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('"');
    for (char ch : values[i]) {
      auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(ch);
      } else if (c < 0x20) {
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
      } else {
        out->push_back(ch);
      }
    }
    out->push_back('"');
  }
  out->push_back(']');
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string out;
  AppendJsonStringArray(values, &out);
  return out;
}

Result<std::vector<std::string>> ParseJsonStringArray(std::string_view text) {
  auto j = ParseStoredJson(text, "string array");
  if (!j.ok()) return j.status();
  if (!j->is_array()) return Internal("stored string array is not a JSON array");
  std::vector<std::string> out;
  out.reserve(j->size());
  for (const auto& v : *j) {
    if (!v.is_string()) return Internal("stored string array holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string EncodeGuardrails(const CallingGuardrails& g) {
  return json{{"call_start_hour", g.call_start_hour},
              {"call_end_hour", g.call_end_hour},
              {"default_timezone", g.default_timezone}}
      .dump();
}

Result<CallingGuardrails> DecodeGuardrails(std::string_view text) {
  auto j = ParseStoredJson(text, "calling_guardrails");
  if (!j.ok()) return j.status();
  CallingGuardrails g;
  try {
    g.call_start_hour = j->at("call_start_hour").get<int>();
    g.call_end_hour = j->at("call_end_hour").get<int>();
    g.default_timezone = j->at("default_timezone").get<std::string>();
  } catch (const json::exception& e) {
    return Internal(std::string("stored calling_guardrails is malformed: ") + e.what());
  }
  return g;
}

std::string EncodeRetryConfig(const RetryConfig& r) {
  json statuses = json::array();
  for (auto s : r.retry_on_statuses) statuses.push_back(std::string(ToString(s)));
  return json{{"enabled", r.enabled},
              {"max_retries", r.max_retries},
              {"retry_on_statuses", statuses},
              {"retry_on_voicemail", r.retry_on_voicemail},
              {"retry_intervals_minutes", r.retry_intervals_minutes}}
      .dump();
}

Result<RetryConfig> DecodeRetryConfig(std::string_view text) {
  auto j = ParseStoredJson(text, "retry_config");
  if (!j.ok()) return j.status();
  RetryConfig r;
  try {
    r.enabled = j->at("enabled").get<bool>();
    r.max_retries = j->at("max_retries").get<int>();
    for (const auto& s : j->at("retry_on_statuses")) {
      auto st = ParseExecutionStatus(s.get<std::string>());
      if (!st) return Internal("stored retry_config has an unknown status");
      r.retry_on_statuses.push_back(*st);
    }
    r.retry_on_voicemail = j->at("retry_on_voicemail").get<bool>();
    r.retry_intervals_minutes = j->at("retry_intervals_minutes").get<std::vector<int>>();
  } catch (const json::exception& e) {
    return Internal(std::string("stored retry_config is malformed: ") + e.what());
  }
  return r;
}

std::string EncodeRetryHistory(const std::vector<AttemptSummary>& history) {
  json arr = json::array();
  for (const auto& a : history)
    arr.push_back({{"attempt", a.attempt}, {"status", ToString(a.status)}, {"at", ToUnixMillis(a.at)}});
  return arr.dump();
}

Result<std::vector<AttemptSummary>> DecodeRetryHistory(std::string_view text) {
  auto j = ParseStoredJson(text, "retry_history");
  if (!j.ok()) return j.status();
  std::vector<AttemptSummary> out;
  try {
    for (const auto& e : *j) {
      AttemptSummary a;
      a.attempt = e.at("attempt").get<int>();
      auto st = ParseExecutionStatus(e.at("status").get<std::string>());
      if (!st) return Internal("stored retry_history has an unknown status");
      a.status = *st;
      a.at = FromUnixMillis(e.at("at").get<int64_t>());
      out.push_back(a);
    }
  } catch (const json::exception& e) {
    return Internal(std::string("stored retry_history is malformed: ") + e.what());
  }
  return out;
}

std::string SealProvider(const json& provider, const SecretBox* box) {
  std::string plain = provider.dump(-1, ' ', false, json::error_handler_t::replace);
  return box ? box->Seal(plain) : plain;
}

Result<json> OpenProvider(std::string_view stored, const SecretBox* box) {
  if (stored.substr(0, 3) == "v1:") {
    if (!box) return Internal("agent provider settings are encrypted and no secret key is configured");
    auto plain = box->Open(stored);
    if (!plain) return Internal("agent provider settings cannot be decrypted with the configured secret key");
    return ParseStoredJson(*plain, "provider");
  }
  return ParseStoredJson(stored, "provider");
}

void BindAgent(Statement& st, const Agent& a, const SecretBox* box) {
  st.Bind(1, a.id).Bind(2, a.account_id).Bind(3, a.name).Bind(4, a.provider_type);
  st.Bind(5, SealProvider(a.provider, box)).Bind(6, JsonStringArray(a.from_phone_numbers));
  st.Bind(7, a.webhook_url).Bind(8, a.welcome_message);
  if (a.calling_guardrails) {
    st.Bind(9, EncodeGuardrails(*a.calling_guardrails));
  } else {
    st.BindNull(9);
  }
  st.Bind(10, a.max_concurrency).Bind(11, a.calls_per_second);
  if (a.retry_config) {
    st.Bind(12, EncodeRetryConfig(*a.retry_config));
  } else {
    st.BindNull(12);
  }
  st.Bind(13, static_cast<int64_t>(ToUnixMillis(a.created_at)));
  st.Bind(14, static_cast<int64_t>(ToUnixMillis(a.updated_at)));
}

Result<Agent> ReadAgent(const Statement& st, const SecretBox* box) {
  Agent a;
  a.id = st.Text(0);
  a.account_id = st.Text(1);
  a.name = st.Text(2);
  a.provider_type = st.Text(3);
  auto provider = OpenProvider(st.TextView(4), box);
  if (!provider.ok()) return provider.status();
  a.provider = std::move(provider).value();
  auto from = ParseJsonStringArray(st.TextView(5));
  if (!from.ok()) return from.status();
  a.from_phone_numbers = std::move(from).value();
  a.webhook_url = OptionalText(st, 6);
  a.welcome_message = st.Text(7);
  if (!st.IsNull(8)) {
    auto g = DecodeGuardrails(st.TextView(8));
    if (!g.ok()) return g.status();
    a.calling_guardrails = *g;
  }
  a.max_concurrency = static_cast<int>(st.Int(9));
  a.calls_per_second = st.Double(10);
  if (!st.IsNull(11)) {
    auto r = DecodeRetryConfig(st.TextView(11));
    if (!r.ok()) return r.status();
    a.retry_config = *r;
  }
  a.created_at = FromUnixMillis(st.Int(12));
  a.updated_at = FromUnixMillis(st.Int(13));
  return a;
}

Result<Batch> ReadBatch(const Statement& st, int64_t* seq) {
  Batch b;
  if (seq) *seq = st.Int(0);
  b.id = st.Text(1);
  b.account_id = st.Text(2);
  b.agent_id = st.Text(3);
  auto status = ParseBatchStatus(st.TextView(4));
  if (!status) return Internal("stored batch status is unknown: " + st.Text(4));
  b.status = *status;
  b.scheduled_at = OptionalTime(st, 5);
  b.created_at = FromUnixMillis(st.Int(6));
  b.updated_at = FromUnixMillis(st.Int(7));
  b.file_name = st.Text(8);
  b.total_contacts = st.Int(9);
  b.valid_contacts = st.Int(10);
  b.invalid_contacts = st.Int(11);
  auto columns = ParseJsonStringArray(st.TextView(12));
  if (!columns.ok()) return columns.status();
  b.columns = std::move(columns).value();
  auto from = ParseJsonStringArray(st.TextView(13));
  if (!from.ok()) return from.status();
  b.from_phone_numbers = std::move(from).value();
  if (!st.IsNull(14)) {
    auto r = DecodeRetryConfig(st.TextView(14));
    if (!r.ok()) return r.status();
    b.retry_config = *r;
  }
  b.webhook_url = OptionalText(st, 15);
  auto mode = ParsePhoneValidationMode(st.TextView(16));
  if (!mode) return Internal("stored phone_validation is unknown: " + st.Text(16));
  b.phone_validation = *mode;
  b.default_country = st.Text(17);
  b.allow_duplicates = st.Int(18) != 0;
  b.bypass_call_guardrails = st.Int(19) != 0;
  return b;
}

Result<Execution> ReadExecution(const Statement& st, const Batch& batch) {
  Execution e;
  e.id = st.Text(1);
  e.account_id = batch.account_id;
  e.batch_id = batch.id;
  e.agent_id = batch.agent_id;
  e.row_index = st.Int(3);
  e.line = st.Int(4);
  e.contact_number = st.Text(5);
  auto vars = ParseJsonStringArray(st.TextView(6));
  if (!vars.ok()) return vars.status();
  e.variables = std::move(vars).value();
  auto status = ParseExecutionStatus(st.TextView(7));
  if (!status) return Internal("stored execution status is unknown: " + st.Text(7));
  e.status = *status;
  e.agent_number = st.Text(8);
  e.conversation_duration = st.Double(9);
  e.total_cost = st.Double(10);
  e.answered_by_voice_mail = st.Int(11) != 0;
  e.transcript = st.Text(12);
  e.summary = st.Text(13);
  auto extracted = JsonColumn(st, 14, "extracted_data");
  if (!extracted.ok()) return extracted.status();
  e.extracted_data = std::move(extracted).value();
  auto telephony = JsonColumn(st, 15, "telephony_data");
  if (!telephony.ok()) return telephony.status();
  e.telephony_data = std::move(telephony).value();
  e.error_message = st.Text(16);
  e.retry_count = static_cast<int>(st.Int(17));
  e.attempt_count = static_cast<int>(st.Int(18));
  if (!st.IsNull(19)) {
    auto history = DecodeRetryHistory(st.TextView(19));
    if (!history.ok()) return history.status();
    e.retry_history = std::move(history).value();
  }
  e.next_attempt_at = OptionalTime(st, 20);
  e.created_at = FromUnixMillis(st.Int(21));
  e.updated_at = FromUnixMillis(st.Int(22));
  return e;
}

Attempt ReadAttempt(const Statement& st) {
  Attempt a;
  a.id = st.Text(0);
  a.execution_id = st.Text(1);
  a.agent_id = st.Text(2);
  a.number = static_cast<int>(st.Int(3));
  a.idempotency_key = st.Text(4);
  a.provider_call_id = st.Text(5);
  a.from_number = st.Text(6);
  a.status = ParseExecutionStatus(st.TextView(7)).value_or(ExecutionStatus::kError);
  a.started_at = FromUnixMillis(st.Int(8));
  a.ended_at = OptionalTime(st, 9);
  return a;
}

OpenAttempt ReadOpenAttempt(const Statement& st) {
  OpenAttempt o;
  o.attempt = ReadAttempt(st);
  o.account_id = st.Text(10);
  o.batch_id = st.Text(11);
  o.retry_count = static_cast<int>(st.Int(12));
  o.contact_number = st.Text(13);
  o.closed = o.attempt.ended_at.has_value();
  return o;
}

namespace {
constexpr std::string_view kPlainSecretPrefix = "plain:";
}  // namespace

std::string SealSecret(std::string_view secret, const SecretBox* box) {
  if (box) return box->Seal(secret);
  std::string out(kPlainSecretPrefix);
  out.append(secret);
  return out;
}

Result<std::string> OpenSecret(std::string_view stored, const SecretBox* box) {
  if (stored.substr(0, kPlainSecretPrefix.size()) == kPlainSecretPrefix)
    return std::string(stored.substr(kPlainSecretPrefix.size()));
  if (!box) return Internal("webhook secrets are encrypted and no secret key is configured");
  auto plain = box->Open(stored);
  if (!plain) return Internal("webhook secret cannot be decrypted with the configured secret key");
  return std::move(*plain);
}

}  // namespace batchcall::sqlite
