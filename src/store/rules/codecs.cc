#include "store/rules/codecs.h"

#include "domain/guardrails.h"

#include "base/json.h"
#include "base/json_scan.h"

namespace batchcall::store_rules {
namespace {

using nlohmann::json;

constexpr char kHex[] = "0123456789abcdef";

// Collects a flat JSON array of strings without building a DOM (every
// execution read decodes its variables: the DOM was most of an export's
// cost). Anything else (a nested value, a number) fails the parse.
class StringArraySax final : public nlohmann::json_sax<json> {
 public:
  explicit StringArraySax(std::vector<std::string>* out) : out_(out) {}
  bool null() override { return false; }
  bool boolean(bool) override { return false; }
  bool number_integer(number_integer_t) override { return false; }
  bool number_unsigned(number_unsigned_t) override { return false; }
  bool number_float(number_float_t, const string_t&) override { return false; }
  bool string(string_t& v) override {
    if (depth_ != 1) return false;
    out_->push_back(std::move(v));
    return true;
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return false; }
  bool key(string_t&) override { return false; }
  bool end_object() override { return false; }
  bool start_array(std::size_t) override { return ++depth_ == 1; }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  std::vector<std::string>* out_;
  int depth_ = 0;
};

}  // namespace

Result<json> ParseStoredJson(std::string_view text, std::string_view what) {
  auto j = batchcall::ParseJson(text);
  if (!j.ok()) return Internal("stored " + std::string(what) + ": " + j.status().message());
  return j;
}

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
  std::vector<std::string> out;
  StringArraySax sax(&out);
  if (!text.empty() && text.front() == '[' && json::sax_parse(text.begin(), text.end(), &sax)) return out;
  // Say what is wrong (rare: only a damaged row gets here).
  auto j = ParseStoredJson(text, "string array");
  if (!j.ok()) return j.status();
  if (!j->is_array()) return Internal("stored string array is not a JSON array");
  return Internal("stored string array holds a non-string");
}

bool ForEachJsonString(std::string_view array,
                       const std::function<void(std::string_view body, bool escaped)>& fn) {
  bool strings = true;
  const bool array_ok = ForEachJsonElement(array, [&](std::string_view raw) {
    if (!strings || raw.size() < 2 || raw.front() != '"') {
      strings = false;
      return;
    }
    std::string_view body = raw.substr(1, raw.size() - 2);
    fn(body, body.find('\\') != std::string_view::npos);
  });
  return array_ok && strings;
}

Result<std::string> UnescapeJsonString(std::string_view body) {
  std::string quoted;
  quoted.reserve(body.size() + 2);
  quoted.push_back('"');
  quoted.append(body);
  quoted.push_back('"');
  auto j = json::parse(quoted, nullptr, /*allow_exceptions=*/false);
  if (!j.is_string()) return Internal("stored string is not a valid JSON string");
  return j.get<std::string>();
}

std::string EncodeGuardrails(const CallingGuardrails& g) {
  json j = {{"call_start_hour", g.call_start_hour},
            {"call_end_hour", g.call_end_hour},
            {"default_timezone", g.default_timezone}};
  // Written only when not the default, so rows stay as they were for agents
  // that do not use them.
  if (g.call_days != kAllWeekdays) j["call_days"] = CallDaysJson(g.call_days);
  if (g.ambiguous_timezone != AmbiguousZonePolicy::kDefault) j["ambiguous_timezone"] = ToString(g.ambiguous_timezone);
  if (!g.rule_packs.empty()) j["rule_packs"] = g.rule_packs;
  return j.dump();
}

Result<CallingGuardrails> DecodeGuardrails(std::string_view text) {
  auto j = ParseStoredJson(text, "calling_guardrails");
  if (!j.ok()) return j.status();
  CallingGuardrails g;
  try {
    g.call_start_hour = j->at("call_start_hour").get<int>();
    g.call_end_hour = j->at("call_end_hour").get<int>();
    g.default_timezone = j->at("default_timezone").get<std::string>();
    if (auto d = j->find("call_days"); d != j->end()) {
      BC_ASSIGN_OR_RETURN(g.call_days, ParseCallDays(*d, "stored calling_guardrails.call_days"));
    }
    if (auto p = j->find("ambiguous_timezone"); p != j->end()) {
      auto policy = ParseAmbiguousZonePolicy(p->get<std::string>());
      if (!policy) return Internal("stored calling_guardrails.ambiguous_timezone is unknown");
      g.ambiguous_timezone = *policy;
    }
    if (auto r = j->find("rule_packs"); r != j->end()) g.rule_packs = r->get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    return Internal(std::string("stored calling_guardrails is malformed: ") + e.what());
  }
  return g;
}

std::string EncodeContactLimits(const std::vector<ContactLimit>& limits) { return ContactLimitsJson(limits).dump(); }

Result<std::vector<ContactLimit>> DecodeContactLimits(std::string_view text) {
  auto j = ParseStoredJson(text, "contact_limits");
  if (!j.ok()) return j.status();
  auto limits = ParseContactLimits(*j, "stored contact_limits");
  if (!limits.ok()) return Internal(limits.status().message());
  return limits;
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
    arr.push_back(
        {{"attempt", a.attempt}, {"status", ToString(a.status)}, {"at", ToUnixMillis(a.at)}});
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

Result<Execution> ToExecution(const ExecutionRow& row, const Batch& batch) {
  Execution e;
  e.id = row.id;
  e.account_id = batch.account_id;
  e.batch_id = batch.id;
  e.agent_id = batch.agent_id;
  e.row_index = row.row_index;
  e.line = row.line;
  e.contact_number = row.contact_number;
  BC_ASSIGN_OR_RETURN(e.variables, ParseJsonStringArray(row.variables));
  e.status = row.status;
  e.agent_number = row.agent_number;
  e.conversation_duration = row.conversation_duration;
  e.total_cost = row.total_cost;
  e.answered_by_voice_mail = row.answered_by_voice_mail;
  e.transcript = row.transcript;
  e.summary = row.summary;
  if (!row.extracted_data.empty()) {
    BC_ASSIGN_OR_RETURN(e.extracted_data, ParseStoredJson(row.extracted_data, "extracted_data"));
  }
  if (!row.telephony_data.empty()) {
    BC_ASSIGN_OR_RETURN(e.telephony_data, ParseStoredJson(row.telephony_data, "telephony_data"));
  }
  e.error_message = row.error_message;
  e.retry_count = static_cast<int>(row.retry_count);
  e.attempt_count = static_cast<int>(row.attempt_count);
  if (!row.retry_history.empty()) {
    BC_ASSIGN_OR_RETURN(e.retry_history, DecodeRetryHistory(row.retry_history));
  }
  if (row.next_attempt_at_ms) e.next_attempt_at = FromUnixMillis(*row.next_attempt_at_ms);
  e.created_at = FromUnixMillis(row.created_at_ms);
  e.updated_at = FromUnixMillis(row.updated_at_ms);
  if (row.hold_reason) e.hold_reason = std::string(*row.hold_reason);
  return e;
}

std::string SealProvider(const json& provider, const SecretBox* box) {
  std::string plain = provider.dump(-1, ' ', false, json::error_handler_t::replace);
  return box ? box->Seal(plain) : plain;
}

Result<json> OpenProvider(std::string_view stored, const SecretBox* box) {
  if (stored.substr(0, 3) == "v1:") {
    if (!box)
      return Internal("agent provider settings are encrypted and no secret key is configured");
    auto plain = box->Open(stored);
    if (!plain)
      return Internal("agent provider settings cannot be decrypted with the configured secret key");
    return ParseStoredJson(*plain, "provider");
  }
  return ParseStoredJson(stored, "provider");
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

}  // namespace batchcall::store_rules
