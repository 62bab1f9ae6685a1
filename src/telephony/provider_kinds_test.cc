// The table of built-in provider kinds: each kind's settings validator
// (defaults, normalisation, refusals), builder, and callback head check and
// handler on sample requests.
#include "telephony/provider_kinds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "telephony/simulator/simulator.h"
#include "telephony/twilio/twilio_callback.h"

namespace batchcall {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const TimePoint kKindsNow = FromUnixMillis(1'780'308'000'000LL);
constexpr char kSid[] = "AC00000000000000000000000000000000";
constexpr char kToken[] = "token-abcdefgh-1234";
constexpr char kAgentSecret[] = "secret-0123456789";

const ProviderKind& Kind(std::string_view type) {
  const ProviderKind* kind = BuiltInProviderKinds().Find(type);
  EXPECT_NE(kind, nullptr) << type;
  return *kind;
}

Result<json> Apply(std::string_view type, const std::string& in, const json& stored = json()) {
  return Kind(type).apply_settings(json::parse(in), stored);
}

std::string MessageOf(const Result<json>& r) { return r.ok() ? "(ok)" : r.status().message(); }

// A request whose headers come from a map (names as given).
CallbackRequest Request(std::map<std::string, std::string> headers) {
  CallbackRequest r;
  r.header = [h = std::move(headers)](std::string_view name) -> std::optional<std::string> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return it->second;
  };
  r.now = kKindsNow;
  return r;
}

TEST(ProviderKindsTest, TableOrderFindAndTypeList) {
  const ProviderKinds& kinds = BuiltInProviderKinds();
  ASSERT_EQ(kinds.all().size(), 3u);
  EXPECT_EQ(kinds.all()[0].type, "simulator");
  EXPECT_EQ(kinds.all()[1].type, "twilio");
  EXPECT_EQ(kinds.all()[2].type, "http");
  EXPECT_EQ(kinds.Find("vonage"), nullptr);
  EXPECT_EQ(kinds.Find(""), nullptr);
  EXPECT_EQ(kinds.TypeList(), R"("simulator", "twilio" or "http")");
  for (const ProviderKind& kind : kinds.all()) {
    EXPECT_TRUE(kind.apply_settings) << kind.type;
    EXPECT_TRUE(kind.build) << kind.type;
    EXPECT_FALSE(kind.display_name.empty()) << kind.type;
  }
}

TEST(ProviderKindsTest, SimulatorDefaultsAndOverlay) {
  auto defaults = Apply("simulator", "{}");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->dump(),
            R"({"answer_rate":0.6,"busy_rate":0.1,"failure_rate":0.05,"no_answer_rate":0.15,"ring_seconds":[3,15],)"
            R"("seed":0,"speed":1.0,"talk_seconds":[20,90],"type":"simulator","voicemail_rate":0.1})");
  auto changed = Apply("simulator", R"({"type":"simulator","speed":50,"seed":7})", *defaults);
  ASSERT_TRUE(changed.ok()) << MessageOf(changed);
  EXPECT_EQ((*changed)["speed"], 50);
  EXPECT_EQ((*changed)["seed"], 7);
  EXPECT_EQ((*changed)["ring_seconds"], json({3, 15}));
  auto again = Apply("simulator", R"({"answer_rate":0.5,"busy_rate":0.2})", *changed);
  ASSERT_TRUE(again.ok()) << MessageOf(again);
  EXPECT_EQ((*again)["speed"], 50);
}

TEST(ProviderKindsTest, SimulatorRefusals) {
  EXPECT_EQ(MessageOf(Apply("simulator", R"({"speed":0})")), "provider.speed must be between 0.001 and 1000000.0.");
  EXPECT_EQ(MessageOf(Apply("simulator", R"({"speed":2e6})")), "provider.speed must be between 0.001 and 1000000.0.");
  EXPECT_EQ(MessageOf(Apply("simulator", R"({"seed":1.5})")), "provider.seed must be a whole number.");
  EXPECT_EQ(MessageOf(Apply("simulator", R"({"ring_seconds":[5,1]})")), "provider.ring_seconds must have min <= max.");
  EXPECT_EQ(MessageOf(Apply("simulator", R"({"talk_seconds":[1,4000]})")),
            "provider.talk_seconds must be between 0.0 and 3600.0.");
  EXPECT_THAT(MessageOf(Apply("simulator", R"({"colour":"red"})")),
              HasSubstr("provider.colour is not a simulator setting"));
  // 1.005: outside the one tolerance (0.001), for users and for the simulator alike.
  EXPECT_THAT(MessageOf(Apply("simulator", R"({"answer_rate":0.605})")),
              HasSubstr("provider rates (answer, busy, no_answer, voicemail, failure) must sum to 1; they sum to 1.00"));
  EXPECT_EQ(SimulatorConfig::FromJson(json{{"answer_rate", 0.605}}).status().code(), StatusCode::kInvalidArgument);
  // What the kind stores is what the simulator runs.
  auto defaults = Apply("simulator", "{}");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(*defaults, DefaultSimulatorSettings());
  EXPECT_TRUE(SimulatorConfig::FromJson(*defaults).ok());
  EXPECT_EQ(SimulatorConfig::FromJson(json{{"speed", 2e6}}).status().message(),
            "provider.speed must be between 0.001 and 1000000.0.");
}

TEST(ProviderKindsTest, TwilioDefaultsSecretsAndRefusals) {
  auto twilio = Apply("twilio", std::string(R"({"type":"twilio","account_sid":")") + kSid +
                                    R"(","auth_token":")" + kToken + R"(","twiml_url":"https://x.test/t"})");
  ASSERT_TRUE(twilio.ok()) << MessageOf(twilio);
  EXPECT_EQ((*twilio)["base_url"], "https://api.twilio.com");
  EXPECT_EQ((*twilio)["machine_detection"], false);
  auto masked = Apply("twilio", R"({"auth_token":"****1234"})", *twilio);
  ASSERT_TRUE(masked.ok()) << MessageOf(masked);
  EXPECT_EQ((*masked)["auth_token"], kToken);
  EXPECT_THAT(MessageOf(Apply("twilio", R"({"base_url":"https://other.example"})", *twilio)),
              HasSubstr("provider.auth_token must be sent again in full when provider.base_url moves"));
  EXPECT_EQ(MessageOf(Apply("twilio", R"({"twiml":"<Response/>"})")), "provider.account_sid is required for twilio.");
  EXPECT_THAT(MessageOf(Apply("twilio", R"({"timeout":2})")), HasSubstr("provider.timeout must be a whole number"));
  EXPECT_EQ(Kind("twilio").outbound_url_settings, std::vector<std::string>{"base_url"});
}

TEST(ProviderKindsTest, HttpDefaultsAndRefusals) {
  auto http = Apply("http", R"({"url":"https://agent.example.com/call"})");
  ASSERT_TRUE(http.ok()) << MessageOf(http);
  EXPECT_EQ((*http)["headers"], json::object());
  EXPECT_EQ(MessageOf(Apply("http", "{}")), "provider.url is required for the http provider.");
  EXPECT_EQ(MessageOf(Apply("http", R"({"url":"https://a.example","headers":{"Bad Name":"x"}})")),
            "provider.headers has a header name with characters not allowed in HTTP.");
  EXPECT_EQ(MessageOf(Apply("http", R"({"url":"ftp://a.example"})")), "provider.url must be an http:// or https:// URL.");
  EXPECT_EQ(Kind("http").outbound_url_settings, std::vector<std::string>{"url"});
}

TEST(ProviderKindsTest, Builders) {
  FakeClock clock(kKindsNow);
  ManualTimerQueue timers;
  struct NullSink final : CallEventSink {
    void OnCallEvent(CallEvent) override {}
  } sink;
  ProviderEnvironment env;
  env.clock = &clock;
  env.timers = &timers;
  env.sink = &sink;
  env.agent_id = "agent-1";
  auto sim = Kind("simulator").build(*Apply("simulator", "{}"), env);
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  EXPECT_FALSE((*sim)->remote());
  auto twilio = Kind("twilio").build(json{{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "<Response/>"}}, env);
  EXPECT_EQ(twilio.status().message(), "outbound HTTP is not configured");
  auto http = Kind("http").build(json{{"url", "https://agent.example.com/call"}}, env);
  EXPECT_EQ(http.status().message(), "outbound HTTP is not configured");
}

TEST(ProviderKindsTest, CallbackRoutes) {
  EXPECT_FALSE(Kind("simulator").callback.has_value());
  const ProviderCallback& twilio = *Kind("twilio").callback;
  EXPECT_EQ(twilio.path, "/webhooks/twilio/{attempt_id}");
  EXPECT_EQ(twilio.target, CallbackTarget::kAttempt);
  EXPECT_EQ(twilio.max_body_bytes, 64u * 1024);
  EXPECT_EQ(twilio.closed_reply, R"({"accepted":true})");
  const ProviderCallback& http = *Kind("http").callback;
  EXPECT_EQ(http.path, "/webhooks/agent/{execution_id}");
  EXPECT_EQ(http.target, CallbackTarget::kExecution);
  EXPECT_EQ(http.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(http.closed_reply, R"({"accepted":false,"reason":"the call's result was already recorded"})");
}

TEST(ProviderKindsTest, TwilioCallbackHeadAndHandle) {
  const ProviderCallback& callback = *Kind("twilio").callback;
  const std::string denied = "X-Twilio-Signature is missing or does not match this request.";
  Status head = callback.check_head(Request({}).header);
  EXPECT_EQ(head.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(head.message(), denied);

  const json settings = {{"type", "twilio"}, {"account_sid", kSid}, {"auth_token", kToken},
                         {"twiml_url", "https://x.test/t"}};
  const FormParams form = {{"CallSid", "CA1"}, {"CallStatus", "ringing"}};
  const std::string url = "https://calls.example.com/webhooks/twilio/att-1";
  CallbackRequest request = Request({{"X-Twilio-Signature", TwilioSignature(kToken, url, form)}});
  request.url = url;
  request.form = form;
  EXPECT_TRUE(callback.check_head(request.header).ok());
  auto event = callback.handle(settings, request, "att-1");
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->attempt_id, "att-1");
  EXPECT_EQ(event->status, ExecutionStatus::kRinging);
  EXPECT_EQ(event->provider_call_id, "CA1");

  request.url = url + "?tampered=1";
  EXPECT_EQ(callback.handle(settings, request, "att-1").status().message(), denied);
  EXPECT_EQ(callback.handle(json{{"type", "twilio"}}, request, "att-1").status().message(),
            "The agent's Twilio settings are incomplete.");
}

TEST(ProviderKindsTest, AgentCallbackHeadAndHandle) {
  const ProviderCallback& callback = *Kind("http").callback;
  Status head = callback.check_head(Request({}).header);
  EXPECT_EQ(head.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(head.message(), "missing X-Batchcall-Signature or Authorization: Bearer");

  const json settings = {{"type", "http"}, {"url", "https://agent.example.com/call"},
                         {"signing_secret", kAgentSecret}, {"headers", json::object()}};
  CallbackRequest request = Request({{"Authorization", std::string("Bearer ") + kAgentSecret}});
  EXPECT_TRUE(callback.check_head(request.header).ok());
  const std::string body = R"({"status":"completed","conversation_duration":12})";
  request.body = body;
  auto event = callback.handle(settings, request, "att-2");
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->attempt_id, "att-2");
  EXPECT_EQ(event->status, ExecutionStatus::kCompleted);

  request.body = "";
  EXPECT_EQ(callback.handle(settings, request, "att-2").status().message(), "The request needs a JSON body.");
  CallbackRequest wrong = Request({{"Authorization", "Bearer not-the-secret-at-all"}});
  wrong.body = body;
  EXPECT_EQ(callback.handle(settings, wrong, "att-2").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(callback.handle(json{{"type", "http"}}, request, "att-2").status().message(),
            "The agent's voice-agent settings are incomplete.");
}

}  // namespace
}  // namespace batchcall
