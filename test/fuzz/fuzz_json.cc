// Every JSON input of the API through ParseJson (src/base/json.h) and then
// the code that reads it: agent settings (POST and PATCH /agents, with the
// provider settings of every type), retry_config, the voice-agent result
// (ParseAgentResult, then the execution view that shows it), and the steps
// the POST /batches/{id}/schedule and POST /dnc routes take on their body
// (a non-string value is serialised, then parsed as a time or number).
// Whatever is accepted must serialise (strict UTF-8) as the views do.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/agent_input.h"
#include "api/views.h"
#include "base/json.h"
#include "base/time.h"
#include "domain/retry_config.h"
#include "fuzz_support.h"
#include "phone/phone_validator.h"
#include "telephony/http/http_agent_provider.h"
#include "telephony/provider_kinds.h"

namespace {

using namespace batchcall;
using nlohmann::json;

void AgentSettings(const json& body) {
  const OutboundPolicy policy;
  Agent created;
  if (ApplyAgentJson(body, /*partial=*/false, &created, policy, BuiltInProviderKinds()).ok()) {
    (void)AgentView(created).dump();
  }
  // A PATCH of stored agents of each provider type (masked secrets, origins).
  static const json kStored[] = {
      json::parse(R"({"agent_name":"t","provider":{"type":"twilio","account_sid":"AC00000000000000000000000000000000",
                   "auth_token":"token-abcdefgh-1234","twiml_url":"https://x.test/t"}})"),
      json::parse(R"({"agent_name":"h","provider":{"type":"http","url":"https://agent.example.com/call",
                   "signing_secret":"secret-0123456789","headers":{"X-Api-Key":"k-0123456789"}}})"),
      json::parse(R"({"agent_name":"s","provider":{"type":"simulator"}})"),
  };
  for (const json& stored : kStored) {
    Agent agent;
    if (!ApplyAgentJson(stored, false, &agent, policy, BuiltInProviderKinds()).ok()) fuzz::Fail("a stored agent seed is invalid");
    if (ApplyAgentJson(body, /*partial=*/true, &agent, policy, BuiltInProviderKinds()).ok()) {
      (void)AgentView(agent).dump();
      fuzz::Check(agent.calls_per_second == 0 || (agent.calls_per_second >= 0.01 && agent.calls_per_second <= 1000),
                  "calls_per_second outside 0 and [0.01, 1000]");
      if (agent.provider_type == "http") (void)HttpAgentConfig::FromJson(agent.provider);
    }
  }
}

void RetryConfigInput(const json& j) {
  auto r = ParseRetryConfig(j);
  if (!r.ok()) return;
  auto again = ParseRetryConfig(ToJson(*r));
  fuzz::Check(again.ok(), "ToJson(ParseRetryConfig(x)) is refused");
  fuzz::Check(ToJson(*again) == ToJson(*r), "retry_config does not round-trip");
}

void AgentResult(const json& body) {
  auto event = ParseAgentResult(body, "attempt-1", TimePoint{});
  if (!event.ok()) return;
  Execution e;
  e.transcript = event->transcript;
  e.summary = event->summary;
  e.extracted_data = event->extracted_data;
  e.error_message = event->error_message;
  (void)fuzz::StrictDump(json{{"provider_call_id", event->provider_call_id},
                              {"recording_url", event->recording_url},
                              {"hangup_by", event->hangup_by},
                              {"hangup_reason", event->hangup_reason}});
  (void)ExecutionView(e, {}).dump();
}

// What Field() in api.cc makes of a JSON member: the string, or its dump.
std::string FieldText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void ScheduleBody(const json& body) {
  if (!body.is_object() || !body.contains("scheduled_at") || body["scheduled_at"].is_null()) return;
  auto t = ParseIso8601(FieldText(body["scheduled_at"]));
  if (t.ok()) (void)FormatRfc3339(*t);
}

void DncBody(const json& body) {
  if (!body.is_object() || !body.contains("numbers") || !body["numbers"].is_array()) return;
  if (body["numbers"].size() > 10000) return;
  static const PhoneValidator validator({PhoneValidationMode::kE164, ""});
  json rejected = json::array();
  for (const auto& n : body["numbers"]) {
    const std::string raw = FieldText(n);
    PhoneCheck check = validator.Check(raw);
    if (!check.ok) rejected.push_back({{"contact_number", raw}, {"code", check.code}, {"message", check.message}});
  }
  (void)fuzz::StrictDump(rejected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseJson(text);
  if (!parsed.ok()) {
    fuzz::Check(parsed.status().code() == StatusCode::kInvalidArgument, "a parse failure that is not InvalidArgument");
    return 0;
  }
  const json& j = *parsed;
  // Within the depth limit a value serialises and parses again (1e400 is
  // read as infinity and written as null, so values may differ).
  fuzz::Check(ParseJson(j.dump()).ok(), "a parsed value does not parse again once serialised");
  AgentSettings(j);
  RetryConfigInput(j);
  if (j.is_object() && j.contains("retry_config")) RetryConfigInput(j["retry_config"]);
  AgentResult(j);
  ScheduleBody(j);
  DncBody(j);
  return 0;
}
