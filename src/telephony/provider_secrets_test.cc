#include "telephony/provider_secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "base/clock.h"
#include "base/crypto.h"
#include "telephony/twilio/twilio_provider.h"

namespace batchcall {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSid = "AC0123456789abcdef0123456789abcdef";
constexpr const char* kToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

json TwilioSettings() {
  return {{"type", "twilio"},
          {"account_sid", kSid},
          {"auth_token", kToken},
          {"twiml_url", "https://agent.example.com/twiml"},
          {"base_url", "https://api.twilio.com"}};
}

std::string BasicCredential() { return Base64Encode(std::string(kSid) + ":" + kToken); }

// Answers every request by echoing it back in the error body, the way a
// debugging endpoint (or a hostile base_url) does: Authorization header,
// the decoded credentials, the form body.
class EchoTransport final : public HttpTransport {
 public:
  Result<OutboundResponse> Send(const OutboundRequest& r) override {
    if (!script.empty()) {
      Result<OutboundResponse> next = script.front();
      script.pop_front();
      return next;
    }
    std::string echo = "user=" + r.basic_user + " password=" + r.basic_password + " Authorization: Basic " +
                       Base64Encode(r.basic_user + ":" + r.basic_password) + " " + r.method + " " + r.url +
                       " body=" + r.body;
    return OutboundResponse{400, {}, json{{"code", 20003}, {"message", echo}}.dump()};
  }
  std::deque<Result<OutboundResponse>> script;
};

CallRequest Request() {
  CallRequest r;
  r.attempt_id = "att-1";
  r.idempotency_key = "key-1";
  r.to = "+15551230001";
  r.from = "+15550009999";
  r.callback_base = "https://calls.example.com";
  return r;
}

void ExpectNoSecret(const std::string& text) {
  EXPECT_THAT(text, Not(HasSubstr(kToken)));
  EXPECT_THAT(text, Not(HasSubstr(BasicCredential())));
  EXPECT_THAT(text, Not(HasSubstr(Base64Encode(kToken))));
  // Nor a long piece of one (an excerpt that cut the token or the header).
  EXPECT_THAT(text, Not(HasSubstr(std::string(kToken).substr(0, 8))));
  EXPECT_THAT(text, Not(HasSubstr(BasicCredential().substr(BasicCredential().size() - 12))));
}

TEST(IsSecretProviderSetting, NamesTheSecretScalars) {
  EXPECT_TRUE(IsSecretProviderSetting("auth_token"));
  EXPECT_TRUE(IsSecretProviderSetting("signing_secret"));
  EXPECT_FALSE(IsSecretProviderSetting("account_sid"));
  EXPECT_FALSE(IsSecretProviderSetting("url"));
}

// Regression (issue 13, finding 10): an endpoint that echoes the request put
// Twilio's auth token and the Basic header into the attempt's error_message.
TEST(RedactingProvider, TwilioErrorEchoingTheRequestCarriesNoSecret) {
  EchoTransport transport;
  FakeClock clock(FromUnixMillis(1'780'308'000'000LL));
  TwilioConfig config = *TwilioConfig::FromJson(TwilioSettings());
  TwilioOptions options;
  options.sleep = [](std::chrono::milliseconds) {};

  // What the provider alone says (the leak).
  TwilioProvider bare(config, transport, clock, options);
  const std::string leaked = bare.StartCall(Request()).status().message();
  ASSERT_THAT(leaked, HasSubstr(kToken));
  ASSERT_THAT(leaked, HasSubstr(BasicCredential()));

  RedactingProvider p(std::make_unique<TwilioProvider>(config, transport, clock, options),
                      SecretRedactor(TwilioSettings()));
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_FALSE(sid.ok());
  EXPECT_EQ(sid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sid.status().message(), HasSubstr(std::string("Twilio error 20003: user=") + kSid + " password=*** "));
  EXPECT_THAT(sid.status().message(), HasSubstr("Authorization: Basic *** POST"));
  ExpectNoSecret(sid.status().message());
}

TEST(RedactingProvider, RedactsLookupFailuresAndEventTexts) {
  class Echoing final : public Provider {
   public:
    Result<std::string> StartCall(const CallRequest&) override {
      return Unavailable(std::string("proxy said token=") + kToken);
    }
    Result<CallEvent> Lookup(const CallLookup& lookup) override {
      if (lookup.attempt_id == "fail") return Unavailable(std::string("lookup of ") + kToken + " failed");
      CallEvent e;
      e.status = ExecutionStatus::kFailed;
      e.error_message = "failed: " + BasicCredential();
      e.hangup_reason = std::string("token ") + kToken;
      return e;
    }
    bool remote() const override { return true; }
  };
  RedactingProvider p(std::make_unique<Echoing>(), SecretRedactor(TwilioSettings()));
  EXPECT_TRUE(p.remote());
  auto start = p.StartCall(Request());
  EXPECT_EQ(start.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(start.status().message(), "proxy said token=***");
  CallLookup lookup;
  lookup.attempt_id = "fail";
  EXPECT_EQ(p.Lookup(lookup).status().message(), "lookup of *** failed");
  lookup.attempt_id = "ok";
  auto event = p.Lookup(lookup);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->error_message, "failed: ***");
  EXPECT_EQ(event->hangup_reason, "token ***");
}

TEST(SecretRedactor, CoversEverySecretSettingAndItsForms) {
  const json http = {{"type", "http"},
                     {"url", "https://agent.example.com/call"},
                     {"headers", {{"Authorization", "Bearer sk-live-123456"}, {"X-Api-Key", "k/ey+with=chars\"q"}}},
                     {"signing_secret", "whsec-agent-secret-0001"}};
  SecretRedactor r(http);
  EXPECT_EQ(r.Redact("a Bearer sk-live-123456 b"), "a *** b");
  EXPECT_EQ(r.Redact("only sk-live-123456 here"), "only *** here");
  EXPECT_EQ(r.Redact("raw k/ey+with=chars\"q"), "raw ***");
  EXPECT_EQ(r.Redact("url k%2Fey%2Bwith%3Dchars%22q"), "url ***");
  EXPECT_EQ(r.Redact(R"(json "k/ey+with=chars\"q")"), "json \"***\"");
  EXPECT_EQ(r.Redact("sig whsec-agent-secret-0001"), "sig ***");
  EXPECT_EQ(r.Redact("b64 " + Base64Encode("whsec-agent-secret-0001")), "b64 ***");
  EXPECT_EQ(r.Redact("nothing secret: 401"), "nothing secret: 401");
}

TEST(SecretRedactor, CutSecretAtTheEndOfAnExcerptIsRedacted) {
  SecretRedactor r(TwilioSettings());
  EXPECT_EQ(r.Redact(std::string("body: ") + std::string(kToken).substr(0, 10)), "body: ***");
  EXPECT_EQ(r.Redact("body: " + BasicCredential().substr(0, 30)), "body: ***");
  // Three characters are not treated as a cut secret.
  EXPECT_EQ(r.Redact(std::string("ends with ") + std::string(kToken).substr(0, 3)),
            std::string("ends with ") + std::string(kToken).substr(0, 3));
}

TEST(SecretRedactor, ShortValuesAndOtherJsonAreNotSecrets) {
  SecretRedactor none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.Redact("anything"), "anything");
  SecretRedactor shorts(json{{"type", "http"}, {"headers", {{"X-Flag", "1"}}}});
  EXPECT_TRUE(shorts.empty());
  EXPECT_EQ(shorts.Redact("answered 401"), "answered 401");
  EXPECT_TRUE(SecretRedactor(json("not an object")).empty());
  EXPECT_TRUE(SecretRedactor(json{{"type", "simulator"}, {"speed", 1}}).empty());
}

}  // namespace
}  // namespace batchcall
