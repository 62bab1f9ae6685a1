#include "api/views.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "base/time.h"
#include "compliance/decision.h"
#include "domain/guardrails.h"
#include "domain/retry_config.h"
#include "telephony/provider_secrets.h"

namespace batchcall {
namespace {

OrderedJson TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? OrderedJson(FormatRfc3339(*t)) : OrderedJson(nullptr);
}

OrderedJson StringOrNull(const std::string& s) { return s.empty() ? OrderedJson(nullptr) : OrderedJson(s); }

OrderedJson MaskedProvider(const Agent& agent) {
  OrderedJson p;
  p["type"] = agent.provider_type;
  for (const auto& [key, value] : agent.provider.items()) {
    if (key == "type") continue;
    if (IsSecretProviderSetting(key) && value.is_string()) {
      p[key] = MaskSecret(value.get<std::string>());
    } else if (key == "headers" && value.is_object()) {
      OrderedJson h = OrderedJson::object();
      for (const auto& [name, v] : value.items())
        h[name] = v.is_string() ? OrderedJson(MaskSecret(v.get<std::string>())) : OrderedJson(nullptr);
      p[key] = h;
    } else {
      p[key] = OrderedJson::parse(value.dump());
    }
  }
  return p;
}

}  // namespace

OrderedJson AgentView(const Agent& a) {
  OrderedJson j;
  j["agent_id"] = a.id;
  j["agent_name"] = a.name;
  j["provider"] = MaskedProvider(a);
  j["from_phone_numbers"] = a.from_phone_numbers;
  j["webhook_url"] = a.webhook_url ? OrderedJson(*a.webhook_url) : OrderedJson(nullptr);
  j["welcome_message"] = a.welcome_message;
  if (a.calling_guardrails) {
    const CallingGuardrails& g = *a.calling_guardrails;
    j["calling_guardrails"] = {{"call_start_hour", g.call_start_hour},
                               {"call_end_hour", g.call_end_hour},
                               {"default_timezone", g.default_timezone},
                               {"call_days", OrderedJson::parse(CallDaysJson(g.call_days).dump())},
                               {"ambiguous_timezone", ToString(g.ambiguous_timezone)},
                               {"rule_packs", g.rule_packs}};
  } else {
    j["calling_guardrails"] = nullptr;
  }
  j["contact_limits"] = OrderedJson::parse(ContactLimitsJson(a.contact_limits).dump());
  j["max_concurrency"] = a.max_concurrency;
  j["calls_per_second"] = a.calls_per_second;
  j["retry_config"] = a.retry_config ? OrderedJson::parse(ToJson(*a.retry_config).dump()) : OrderedJson(nullptr);
  j["created_at"] = FormatRfc3339(a.created_at);
  j["updated_at"] = FormatRfc3339(a.updated_at);
  return j;
}

OrderedJson BatchView(const Batch& b, const StatusCounts& counts, TimePoint now,
                      const std::map<std::string, int64_t>* held) {
  OrderedJson j;
  j["batch_id"] = b.id;
  j["agent_id"] = b.agent_id;
  j["status"] = std::string(ToString(b.status));
  j["scheduled_at"] = TimeOrNull(b.scheduled_at);
  j["created_at"] = FormatRfc3339(b.created_at);
  j["updated_at"] = FormatRfc3339(b.updated_at);
  j["humanized_created_at"] = Humanize(b.created_at, now);
  j["file_name"] = b.file_name;
  j["total_contacts"] = b.total_contacts;
  j["valid_contacts"] = b.valid_contacts;
  j["invalid_contacts"] = b.invalid_contacts;
  j["from_phone_numbers"] = b.from_phone_numbers;
  j["from_phone_number"] =
      b.from_phone_numbers.empty() ? OrderedJson(nullptr) : OrderedJson(b.from_phone_numbers.front());
  j["retry_config"] = b.retry_config ? OrderedJson::parse(ToJson(*b.retry_config).dump()) : OrderedJson(nullptr);
  j["webhook_url"] = b.webhook_url ? OrderedJson(*b.webhook_url) : OrderedJson(nullptr);
  OrderedJson status = OrderedJson::object();
  int64_t pending = 0, in_flight = 0, done = 0;
  for (const auto& [s, n] : counts) {
    if (n <= 0) continue;
    status[std::string(ToString(s))] = n;
    if (IsTerminal(s)) done += n;
    else if (IsInFlight(s)) in_flight += n;
    else pending += n;
  }
  j["execution_status"] = status;
  j["progress"] = {{"pending", pending}, {"in_flight", in_flight}, {"done", done}, {"total", b.valid_contacts}};
  j["phone_validation"] = std::string(ToString(b.phone_validation));
  j["default_country"] = StringOrNull(b.default_country);
  j["allow_duplicates"] = b.allow_duplicates;
  j["bypass_call_guardrails"] = b.bypass_call_guardrails;
  if (held) {
    const bool finished = IsTerminal(b.status);
    OrderedJson h = OrderedJson::object();
    for (const auto& [reason, n] : *held)
      if (n > 0 && (!finished || IsBlockingReason(reason))) h[reason] = n;
    j["held"] = std::move(h);
  }
  return j;
}

OrderedJson ExecutionView(const Execution& e, const std::vector<std::string>& columns) {
  OrderedJson j;
  j["id"] = e.id;
  j["agent_id"] = e.agent_id;
  j["batch_id"] = e.batch_id;
  j["status"] = std::string(ToString(e.status));
  j["user_number"] = e.contact_number;
  j["agent_number"] = StringOrNull(e.agent_number);
  j["conversation_duration"] = e.conversation_duration;
  j["total_cost"] = e.total_cost;
  j["answered_by_voice_mail"] = e.answered_by_voice_mail;
  j["transcript"] = StringOrNull(e.transcript);
  j["summary"] = StringOrNull(e.summary);
  j["extracted_data"] = e.extracted_data.is_null() ? OrderedJson(nullptr) : OrderedJson::parse(e.extracted_data.dump());
  j["error_message"] = StringOrNull(e.error_message);
  j["created_at"] = FormatRfc3339(e.created_at);
  j["updated_at"] = FormatRfc3339(e.updated_at);
  OrderedJson t = {{"duration", nullptr},       {"to_number", e.contact_number},
                   {"from_number", StringOrNull(e.agent_number)},
                   {"recording_url", nullptr},  {"provider_call_id", nullptr},
                   {"call_type", "outbound"},   {"provider", nullptr},
                   {"hangup_by", nullptr},      {"hangup_reason", nullptr},
                   {"ring_duration", nullptr}};
  if (e.telephony_data.is_object()) {
    for (const auto& [k, v] : e.telephony_data.items()) t[k] = OrderedJson::parse(v.dump());
  }
  j["telephony_data"] = t;
  OrderedJson data = OrderedJson::object();
  for (size_t i = 0; i < columns.size(); ++i) data[columns[i]] = i < e.variables.size() ? e.variables[i] : "";
  j["context_details"] = {{"recipient_data", data}, {"recipient_phone_number", e.contact_number}};
  j["batch_run_details"] = {{"status", std::string(ToString(e.status))},
                            {"created_at", FormatRfc3339(e.created_at)},
                            {"updated_at", FormatRfc3339(e.updated_at)},
                            {"retried", e.retry_count}};
  j["retry_count"] = e.retry_count;
  OrderedJson history = OrderedJson::array();
  for (const AttemptSummary& a : e.retry_history)
    history.push_back({{"attempt", a.attempt}, {"status", std::string(ToString(a.status))}, {"at", FormatRfc3339(a.at)}});
  j["retry_history"] = history;
  j["attempts"] = e.attempt_count;
  j["next_attempt_at"] = TimeOrNull(e.next_attempt_at);
  j["hold_reason"] = e.hold_reason ? OrderedJson(*e.hold_reason) : OrderedJson(nullptr);
  return j;
}

OrderedJson RejectView(const RejectedRow& r) {
  return {{"line", r.line}, {"contact_number", r.contact_number}, {"code", r.code}, {"message", r.message}};
}

namespace {

// [+-]digits[.digits] or [+-].digits: what a spreadsheet reads as a plain number.
bool IsSignedNumber(std::string_view v) {
  size_t i = 1, digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++digits;
  }
  return digits > 0 && i == v.size();
}

}  // namespace

std::string SpreadsheetSafeCell(std::string_view v) {
  if (v.empty()) return {};
  char c = v.front();
  bool risky = c == '=' || c == '@' || c == '\t' || c == '\r' || ((c == '+' || c == '-') && !IsSignedNumber(v));
  return risky ? "'" + std::string(v) : std::string(v);
}

OrderedJson ApiKeyView(const ApiKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", FormatRfc3339(k.created_at)},
          {"last_used_at", TimeOrNull(k.last_used_at)}};
}

namespace {

bool RiskyCell(std::string_view v) {
  if (v.empty()) return false;
  const char c = v.front();
  return c == '=' || c == '@' || c == '\t' || c == '\r' || ((c == '+' || c == '-') && !IsSignedNumber(v));
}

}  // namespace

void AppendCsvField(std::string_view raw, std::string* out) {
  const bool risky = RiskyCell(raw);
  // A plain loop: find_first_of scans its set once per character (a memchr
  // each), and this runs for every field of an export.
  bool quote = false;
  for (char c : raw) quote |= c == ',' || c == '"' || c == '\r' || c == '\n';
  if (!quote) {
    if (risky) out->push_back('\'');
    out->append(raw);
    return;
  }
  out->push_back('"');
  if (risky) out->push_back('\'');
  for (char c : raw) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string CsvField(std::string_view raw) {
  std::string out;
  AppendCsvField(raw, &out);
  return out;
}

std::string RejectCsvHeader() { return "line,contact_number,code,message\r\n"; }

std::string RejectCsvRow(const RejectedRow& r) {
  return std::to_string(r.line) + "," + CsvField(r.contact_number) + "," + r.code + "," +
         CsvField(r.message) + "\r\n";
}

}  // namespace batchcall
