#include "telephony/http/http_agent_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "telephony/provider_secrets.h"
#include "telephony/http/http_agent_test_util.h"
#include "testing/fake_transport.h"

namespace batchcall {
namespace {

using http_agent_test::Config;
using http_agent_test::kApiKey;
using http_agent_test::kSigningSecret;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The shared fake (records every request, answers from a script); an empty
// script answers 200 "done".
class FakeTransport final : public test::FakeTransport {
 public:
  FakeTransport() : test::FakeTransport(OutboundResponse{200, {}, "done"}) {}
};


// Config() as an agent's stored provider settings.
json ConfigJson() {
  return {{"type", "http"},
          {"url", "https://agent.example.com/call"},
          {"headers", {{"Authorization", std::string("Bearer ") + kApiKey}, {"X-Tenant", "acme"}}},
          {"signing_secret", kSigningSecret}};
}

CallRequest Request() {
  CallRequest r;
  r.agent_id = "agent-1";
  r.execution_id = "exec-1";
  r.attempt_id = "att-1";
  r.idempotency_key = "idem-1";
  r.to = "+15550001111";
  r.from = "+15559990000";
  r.variables = {{"first_name", "Ada"}, {"zeta", "last"}, {"amount", "12.50"}};
  r.welcome_message = "Hi {first_name}";
  r.callback_base = "https://calls.example.com";
  return r;
}

// ---- StartCall ----

TEST(HttpAgentProviderTest, PostsTheDocumentedBodyAndHeaders) {
  FakeTransport transport;
  HttpAgentProvider provider(Config(), transport,
                             HttpAgentOptions{std::chrono::milliseconds(7'000)});
  Result<std::string> id = provider.StartCall(Request());
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_EQ(transport.requests().size(), 1u);
  const OutboundRequest r = transport.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://agent.example.com/call");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(7'000));
  EXPECT_TRUE(r.basic_user.empty());
  HttpHeaders expected_headers = {{"Content-Type", "application/json"},
                                  {"Authorization", std::string("Bearer ") + kApiKey},
                                  {"X-Tenant", "acme"}};
  EXPECT_EQ(r.headers, expected_headers);
  // Exact bytes: field order and user_data in file order.
  EXPECT_EQ(
      r.body,
      R"({"agent_id":"agent-1","recipient_phone_number":"+15550001111","from_phone_number":"+15559990000",)"
      R"("user_data":{"first_name":"Ada","zeta":"last","amount":"12.50"},"execution_id":"exec-1",)"
      R"("callback_url":"https://calls.example.com/webhooks/agent/exec-1?attempt_id=att-1","attempt_id":"att-1"})");
}

TEST(HttpAgentProviderTest, NullFromAndCallbackWhenUnknown) {
  FakeTransport transport;
  HttpAgentProvider provider(Config(), transport, {});
  CallRequest req = Request();
  req.from.clear();
  req.callback_base.clear();
  req.variables.clear();
  ASSERT_TRUE(provider.StartCall(req).ok());
  json body = json::parse(transport.requests().at(0).body);
  EXPECT_TRUE(body.at("from_phone_number").is_null());
  EXPECT_TRUE(body.at("callback_url").is_null());
  EXPECT_EQ(body.at("user_data"), json::object());
}

TEST(HttpAgentProviderTest, RemoteAgentIdReplacesAgentId) {
  FakeTransport transport;
  HttpAgentConfig c = Config();
  c.remote_agent_id = "bolna-agent-7";
  HttpAgentProvider provider(c, transport, {});
  ASSERT_TRUE(provider.StartCall(Request()).ok());
  EXPECT_EQ(json::parse(transport.requests().at(0).body).at("agent_id"), "bolna-agent-7");
}

TEST(HttpAgentProviderTest, CustomContentTypeReplacesTheDefault) {
  FakeTransport transport;
  HttpAgentConfig c = Config();
  c.headers = {{"content-type", "application/json; charset=utf-8"}};
  HttpAgentProvider provider(c, transport, {});
  ASSERT_TRUE(provider.StartCall(Request()).ok());
  HttpHeaders expected = {{"content-type", "application/json; charset=utf-8"}};
  EXPECT_EQ(transport.requests().at(0).headers, expected);
}

TEST(HttpAgentProviderTest, InvalidUtf8VariableIsReplacedNotThrown) {
  FakeTransport transport;
  HttpAgentProvider provider(Config(), transport, {});
  CallRequest req = Request();
  req.variables = {{"name", "bad\xff"}};
  ASSERT_TRUE(provider.StartCall(req).ok());
  json body = json::parse(transport.requests().at(0).body);  // valid JSON
  EXPECT_EQ(body["user_data"]["name"], "bad\xEF\xBF\xBD");
}

TEST(HttpAgentProviderTest, CallIdFromJsonBodyOrAttemptId) {
  struct Case {
    std::string body;
    std::string want;
  } cases[] = {
      {"done", "att-1"},  // the Bolna telephony server
      {"", "att-1"},
      {R"({"call_sid":"CA123","call_id":"x","id":"y"})", "CA123"},
      {R"({"call_id":"c-9","id":"y"})", "c-9"},
      {R"({"id":"i-7"})", "i-7"},
      {R"({"id":42})", "42"},
      {R"({"status":"queued"})", "att-1"},
      {R"({"id":""})", "att-1"},
      {R"({"id":"has space"})", "att-1"},
      {R"({"id":{"nested":1}})", "att-1"},
      {R"(["CA1"])", "att-1"},
      {std::string(R"({"id":")") + std::string(300, 'a') + "\"}", "att-1"},
  };
  for (const Case& c : cases) {
    FakeTransport transport;
    transport.Reply(201, c.body);
    HttpAgentProvider provider(Config(), transport, {});
    Result<std::string> id = provider.StartCall(Request());
    ASSERT_TRUE(id.ok()) << c.body;
    EXPECT_EQ(*id, c.want) << c.body;
  }
}

TEST(HttpAgentProviderTest, ClientErrorIsInvalidArgumentWithStatusAndBodyStart) {
  FakeTransport transport;
  transport.Reply(422, "invalid number " + std::string(300, 'x'));
  HttpAgentProvider provider(Config(), transport, {});
  Result<std::string> id = provider.StartCall(Request());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(id.status().message(),
            "voice-agent server answered 422: invalid number " + std::string(200 - 15, 'x'));
  EXPECT_EQ(transport.requests().size(), 1u);
}

// Regression (issue 4 review): a request that reached the server but whose
// answer was lost ended the attempt `error` (retryable) though the call may
// have started.
TEST(HttpAgentProviderTest, LostAnswerIsUnknownOutcome) {
  FakeTransport transport;
  transport.Push(UnknownOutcome("Timeout was reached (https://agent.example.com/call)"));
  HttpAgentProvider provider(Config(), transport, {});
  Result<std::string> a = provider.StartCall(Request());
  EXPECT_EQ(a.status().code(), StatusCode::kUnknownOutcome);
  EXPECT_THAT(a.status().message(), HasSubstr("may have started"));
}

TEST(HttpAgentProviderTest, RedirectIsPermanent) {
  FakeTransport transport;
  transport.Reply(302, "");
  HttpAgentProvider provider(Config(), transport, {});
  EXPECT_EQ(provider.StartCall(Request()).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpAgentProviderTest, ServerErrorAndTransportErrorAreUnavailableAndNotRetried) {
  FakeTransport transport;
  transport.Reply(503, "overloaded");
  transport.Push(Unavailable("Timeout was reached (https://agent.example.com/call)"));
  HttpAgentProvider provider(Config(), transport, {});
  Result<std::string> a = provider.StartCall(Request());
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(a.status().message(), "voice-agent server answered 503: overloaded");
  EXPECT_EQ(transport.requests().size(), 1u);
  Result<std::string> b = provider.StartCall(Request());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(b.status().message(), HasSubstr("Timeout was reached"));
  EXPECT_EQ(transport.requests().size(), 2u);
}

TEST(HttpAgentProviderTest, TransportRefusingTheUrlIsPermanent) {
  FakeTransport transport;
  transport.Push(InvalidArgument("not an http(s) URL: x"));
  HttpAgentProvider provider(Config(), transport, {});
  EXPECT_EQ(provider.StartCall(Request()).status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpAgentProviderTest, HeaderSecretsNeverAppearInErrors) {
  FakeTransport transport;
  // A server (or a transport) that echoes what it was sent.
  transport.Reply(401, std::string("bad key Bearer ") + kApiKey + " for tenant");
  transport.Reply(500, std::string("{\"headers\":{\"Authorization\":\"Bearer ") + kApiKey + "\"}}");
  transport.Push(Unavailable(std::string("proxy said ") + kApiKey));
  // Redaction lives in one place for every provider (provider_secrets.h).
  RedactingProvider provider(std::make_unique<HttpAgentProvider>(Config(), transport, HttpAgentOptions{}),
                             SecretRedactor(ConfigJson()));
  for (int i = 0; i < 3; ++i) {
    Result<std::string> r = provider.StartCall(Request());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), Not(HasSubstr(kApiKey))) << i;
    EXPECT_THAT(r.status().message(), HasSubstr("***")) << i;
  }
}

TEST(HttpAgentProviderTest, ErrorSnippetIsPrintableUtf8) {
  FakeTransport transport;
  // 199 bytes then a 3-byte character that would straddle the cut.
  transport.Reply(400, "a\r\nb\xff" + std::string(194, 'c') + "\xE2\x82\xAC" + "tail");
  HttpAgentProvider provider(Config(), transport, {});
  std::string m = provider.StartCall(Request()).status().message();
  EXPECT_EQ(m, "voice-agent server answered 400: a  b?" + std::string(194, 'c'));
  EXPECT_NO_THROW(json(m).dump());
}

TEST(HttpAgentProviderTest, LookupIsUnavailableAndProviderIsRemote) {
  FakeTransport transport;
  HttpAgentConfig c = Config();
  c.result_timeout = std::chrono::milliseconds(90'000);
  HttpAgentProvider provider(c, transport, {});
  EXPECT_EQ(provider.Lookup(CallLookup{}).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(provider.remote());
  EXPECT_EQ(provider.outcome_timeout(), std::chrono::milliseconds(90'000));
  EXPECT_TRUE(transport.requests().empty());
}

TEST(HttpAgentProviderTest, AgentCallbackUrl) {
  EXPECT_EQ(AgentCallbackUrl("https://x.example", "e-1"), "https://x.example/webhooks/agent/e-1");
  EXPECT_EQ(AgentCallbackUrl("https://x.example/", "e-1"), "https://x.example/webhooks/agent/e-1");
  EXPECT_EQ(AgentCallbackUrl("", "e-1"), "");
  EXPECT_EQ(AgentCallbackUrl("https://x.example", "e-1", "a 1"), "https://x.example/webhooks/agent/e-1?attempt_id=a%201");
}

// ---- HttpAgentConfig::FromJson ----

TEST(HttpAgentConfigTest, ReadsAllFields) {
  json p = {{"type", "http"},
            {"url", "http://127.0.0.1:9000/call"},
            {"headers", {{"X-Api-Key", "k1"}, {"Authorization", "Bearer t"}}},
            {"signing_secret", "s3"},
            {"remote_agent_id", "b-1"},
            {"result_timeout_seconds", 1.5}};
  Result<HttpAgentConfig> c = HttpAgentConfig::FromJson(p);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->url, "http://127.0.0.1:9000/call");
  ASSERT_EQ(c->headers.size(), 2u);
  EXPECT_EQ(c->signing_secret, "s3");
  EXPECT_EQ(c->remote_agent_id, "b-1");
  EXPECT_EQ(c->result_timeout, std::chrono::milliseconds(1'500));
}

TEST(HttpAgentConfigTest, Defaults) {
  Result<HttpAgentConfig> c =
      HttpAgentConfig::FromJson({{"url", "https://a.example"}, {"headers", nullptr}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->headers.empty());
  EXPECT_TRUE(c->signing_secret.empty());
  EXPECT_EQ(c->result_timeout, std::chrono::milliseconds(3'600'000));
}

TEST(HttpAgentConfigTest, RejectsBadFieldsNamingThem) {
  struct Case {
    json provider;
    std::string field;
  } cases[] = {
      {json::array(), "provider"},
      {json::object(), "provider.url"},
      {{{"url", 5}}, "provider.url"},
      {{{"url", "ftp://a.example/x"}}, "provider.url"},
      {{{"url", "https://"}}, "provider.url"},
      {{{"url", "https://a.example/a b"}}, "provider.url"},
      {{{"url", "https://a.example"}, {"headers", "X: y"}}, "provider.headers"},
      {{{"url", "https://a.example"}, {"headers", {{"X-Key", 5}}}}, "provider.headers.X-Key"},
      {{{"url", "https://a.example"}, {"headers", {{"X-Key", "a\r\nInjected: 1"}}}},
       "provider.headers.X-Key"},
      {{{"url", "https://a.example"}, {"headers", {{"Bad Name", "v"}}}}, "provider.headers"},
      {{{"url", "https://a.example"}, {"signing_secret", 1}}, "provider.signing_secret"},
      {{{"url", "https://a.example"}, {"remote_agent_id", 1}}, "provider.remote_agent_id"},
      {{{"url", "https://a.example"}, {"result_timeout_seconds", 0}},
       "provider.result_timeout_seconds"},
      {{{"url", "https://a.example"}, {"result_timeout_seconds", -5}},
       "provider.result_timeout_seconds"},
      {{{"url", "https://a.example"}, {"result_timeout_seconds", "60"}},
       "provider.result_timeout_seconds"},
      {{{"url", "https://a.example"}, {"result_timeout_seconds", 1e12}},
       "provider.result_timeout_seconds"},
  };
  for (const Case& c : cases) {
    Result<HttpAgentConfig> r = HttpAgentConfig::FromJson(c.provider);
    ASSERT_FALSE(r.ok()) << c.provider.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.field)) << c.provider.dump();
  }
}

TEST(HttpAgentConfigTest, HeaderValueNotQuotedInError) {
  Result<HttpAgentConfig> r = HttpAgentConfig::FromJson(
      {{"url", "https://a.example"}, {"headers", {{"X-Key", "topsecret\n"}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), Not(HasSubstr("topsecret")));
}

}  // namespace
}  // namespace batchcall
