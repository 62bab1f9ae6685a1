#include "telephony/twilio/twilio_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/fake_transport.h"

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using std::chrono::milliseconds;

// 2026-06-01T10:00:00Z
const TimePoint kStart = FromUnixMillis(1'780'308'000'000LL);
constexpr const char* kSid = "AC0123456789abcdef0123456789abcdef";
constexpr const char* kToken = "s3cr3t-token";

// The shared fake (records every request, answers from a script; an error
// Result means "no response"). An empty script answers 599 so a test
// notices extra requests.
class FakeTransport final : public test::FakeTransport {
 public:
  FakeTransport() : test::FakeTransport(OutboundResponse{599, {}, "unscripted"}) {}
};

std::string Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view field = body.substr(0, amp);
    size_t eq = field.find('=');
    out.emplace_back(Decode(field.substr(0, eq)), eq == std::string_view::npos ? "" : Decode(field.substr(eq + 1)));
    body.remove_prefix(amp == std::string_view::npos ? body.size() : amp + 1);
  }
  return out;
}

std::string CallJson(const std::string& sid, const std::string& status, const std::string& created,
                     const std::string& to = "+15551230001", const std::string& from = "+15550009999") {
  nlohmann::json j = {{"sid", sid},         {"status", status}, {"to", to},
                      {"from", from},       {"date_created", created},
                      {"duration", "42"},   {"answered_by", nullptr}};
  return j.dump();
}

class TwilioProviderTest : public ::testing::Test {
 protected:
  TwilioProviderTest() : clock_(kStart) {
    config_.account_sid = kSid;
    config_.auth_token = kToken;
    config_.twiml_url = "https://agent.example.com/twiml?agent=a b";
    config_.base_url = "http://127.0.0.1:9";
    options_.max_tries = 3;
    options_.sleep = [this](milliseconds d) { sleeps_.push_back(d); };
  }
  TwilioProvider Make() { return TwilioProvider(config_, transport_, clock_, options_); }
  CallRequest Request() {
    CallRequest r;
    r.attempt_id = "att-1";
    r.idempotency_key = "key-1";
    r.to = "+15551230001";
    r.from = "+15550009999";
    r.callback_base = "https://calls.example.com";
    return r;
  }
  std::string CallsUrl() const { return std::string("http://127.0.0.1:9/2010-04-01/Accounts/") + kSid + "/Calls.json"; }

  FakeClock clock_;
  TwilioConfig config_;
  TwilioOptions options_;
  FakeTransport transport_;
  std::vector<milliseconds> sleeps_;
};

TEST_F(TwilioProviderTest, PostsEveryParameterFormEncodedWithBasicAuth) {
  config_.machine_detection = true;
  config_.ring_timeout_seconds = 25;
  transport_.Reply(201, R"({"sid":"CA1","status":"queued"})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(*sid, "CA1");
  ASSERT_EQ(transport_.requests().size(), 1u);
  const OutboundRequest req = transport_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, CallsUrl());
  EXPECT_EQ(req.basic_user, kSid);
  EXPECT_EQ(req.basic_password, kToken);
  EXPECT_THAT(req.headers, testing::Contains(Pair("Content-Type", "application/x-www-form-urlencoded")));
  EXPECT_THAT(ParseForm(req.body),
              ElementsAre(Pair("To", "+15551230001"), Pair("From", "+15550009999"),
                          Pair("Url", "https://agent.example.com/twiml?agent=a b"),
                          Pair("StatusCallback", "https://calls.example.com/webhooks/twilio/att-1"),
                          Pair("StatusCallbackMethod", "POST"), Pair("StatusCallbackEvent", "initiated"),
                          Pair("StatusCallbackEvent", "ringing"), Pair("StatusCallbackEvent", "answered"),
                          Pair("StatusCallbackEvent", "completed"), Pair("MachineDetection", "Enable"),
                          Pair("Timeout", "25")));
  // '+' must travel as %2B (a literal '+' would decode to a space).
  EXPECT_THAT(req.body, HasSubstr("To=%2B15551230001&From=%2B15550009999&"));
  EXPECT_THAT(req.body, HasSubstr("Url=https%3A%2F%2Fagent.example.com%2Ftwiml%3Fagent%3Da%20b&"));
  EXPECT_THAT(req.body, testing::Not(HasSubstr(kToken)));
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TwilioProviderTest, SendsTwimlWhenNoUrlAndOmitsMachineDetection) {
  config_.twiml_url.clear();
  config_.twiml = "<Response><Say>Hi</Say></Response>";
  transport_.Reply(201, R"({"sid":"CA2"})");
  TwilioProvider p = Make();
  ASSERT_TRUE(p.StartCall(Request()).ok());
  auto form = ParseForm(transport_.requests()[0].body);
  EXPECT_THAT(form, testing::Contains(Pair("Twiml", "<Response><Say>Hi</Say></Response>")));
  for (const auto& [k, v] : form) {
    EXPECT_NE(k, "Url");
    EXPECT_NE(k, "MachineDetection");
  }
}

TEST_F(TwilioProviderTest, UsesTheCallersFromAndRejectsAMissingOne) {
  TwilioProvider p = Make();
  CallRequest r = Request();
  r.from = "+15550001111";
  transport_.Reply(201, R"({"sid":"CA3"})");
  ASSERT_TRUE(p.StartCall(r).ok());
  EXPECT_THAT(ParseForm(transport_.requests()[0].body), testing::Contains(Pair("From", "+15550001111")));

  r.from.clear();
  Result<std::string> none = p.StartCall(r);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status().message(), "no from number: set from_phone_numbers");
  r.from = "+15550001111";
  r.callback_base.clear();
  EXPECT_EQ(p.StartCall(r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(TwilioProviderTest, RateLimitWaitsRetryAfterAndPostsAgainWithoutListing) {
  transport_.Reply(429, R"({"code":20429,"message":"Too Many Requests"})", {{"Retry-After", "7"}});
  transport_.Reply(201, R"({"sid":"CA4"})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, "CA4");
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(7000)));
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[1].method, "POST");
}

TEST_F(TwilioProviderTest, RetryAfterIsCappedByBackoffMax) {
  options_.backoff_max = milliseconds(2000);
  transport_.Reply(429, "", {{"retry-after", "120"}});
  transport_.Reply(201, R"({"sid":"CA5"})");
  TwilioProvider p = Make();
  ASSERT_TRUE(p.StartCall(Request()).ok());
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(2000)));
}

TEST_F(TwilioProviderTest, ServerErrorThenListFindsTheCallAdoptsItWithoutPostingAgain) {
  transport_.Reply(500, R"({"code":20500,"message":"Internal Server Error"})");
  nlohmann::json list = {{"calls", nlohmann::json::array()}};
  // An older call to the same number (a previous attempt) and ours.
  list["calls"].push_back(nlohmann::json::parse(CallJson("CAnew", "queued", "Mon, 01 Jun 2026 10:00:01 +0000")));
  list["calls"].push_back(nlohmann::json::parse(CallJson("CAold", "completed", "Mon, 01 Jun 2026 09:30:00 +0000")));
  transport_.Reply(200, list.dump());
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(*sid, "CAnew");
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[1].method, "GET");
  EXPECT_EQ(transport_.requests()[1].url, CallsUrl() + "?To=%2B15551230001&From=%2B15550009999&PageSize=20");
  EXPECT_EQ(transport_.requests()[1].basic_password, kToken);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(500)));
}

TEST_F(TwilioProviderTest, ServerErrorThenEmptyListPostsAgain) {
  transport_.Reply(503, "");
  // Created 61 s before the attempt began: not ours.
  transport_.Reply(200, R"({"calls":[)" + CallJson("CAold", "completed", "Mon, 01 Jun 2026 09:58:59 +0000") + "]}");
  transport_.Reply(201, R"({"sid":"CA6"})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(*sid, "CA6");
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(transport_.requests()[0].method, "POST");
  EXPECT_EQ(transport_.requests()[1].method, "GET");
  EXPECT_EQ(transport_.requests()[2].method, "POST");
}

TEST_F(TwilioProviderTest, LostResponseIsCheckedLikeAServerError) {
  transport_.Drop();
  transport_.Reply(200, R"({"calls":[)" + CallJson("CA7", "ringing", "Mon, 01 Jun 2026 09:59:30 +0000") + "]}");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, "CA7");
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(TwilioProviderTest, NeverPostsWhileTheListCannotBeRead) {
  options_.max_tries = 4;
  transport_.Reply(500, "");
  transport_.Reply(500, "");  // list fails
  transport_.Reply(200, R"({"calls":[]})");
  transport_.Reply(201, R"({"sid":"CA8"})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok());
  ASSERT_EQ(transport_.requests().size(), 4u);
  EXPECT_EQ(transport_.requests()[1].method, "GET");
  EXPECT_EQ(transport_.requests()[2].method, "GET");
  EXPECT_EQ(transport_.requests()[3].method, "POST");
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(500), milliseconds(1000)));
}

TEST_F(TwilioProviderTest, ClientErrorIsInvalidArgumentWithTwiliosCodeAndMessage) {
  transport_.Reply(400, R"({"code":21211,"message":"The 'To' number +1555 is not a valid phone number.",)"
                        R"("more_info":"https://www.twilio.com/docs/errors/21211","status":400})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  EXPECT_EQ(sid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sid.status().message(), "Twilio error 21211: The 'To' number +1555 is not a valid phone number.");
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

// Regression (issue 13, finding 3): base_url may point anywhere, and the
// whole message (or body) of a 4xx was copied into the error, so an internal
// service's answer could be read through error_message.
TEST_F(TwilioProviderTest, ClientErrorQuotesOnlyAShortPrintableExcerpt) {
  nlohmann::json body = {{"code", 20003}, {"message", "internal\r\nsecret page " + std::string(5000, 'x')}};
  transport_.Reply(401, body.dump());
  transport_.Reply(404, "<html>\n<body>" + std::string(5000, 'y') + "</body></html>");
  TwilioProvider p = Make();
  std::string json_error = p.StartCall(Request()).status().message();
  EXPECT_EQ(json_error, "Twilio error 20003: internal  secret page " + std::string(200 - 22, 'x'));
  std::string html_error = p.StartCall(Request()).status().message();
  EXPECT_EQ(html_error, "Twilio error HTTP 404: <html> <body>" + std::string(200 - 13, 'y'));
}

// An address the outbound policy refuses: nothing was sent, so no listing,
// no retry, and the attempt fails with the transport's reason.
TEST_F(TwilioProviderTest, OutboundPolicyRefusalIsPermanentAndNotRetried) {
  transport_.Push(PermissionDenied(
      "refused to connect to 127.0.0.1 (in 127.0.0.0/8, loopback) for http://127.0.0.1:9/...; set outbound_allow"));
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  EXPECT_EQ(sid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sid.status().message(), HasSubstr("Twilio base_url refused: refused to connect to 127.0.0.1"));
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TwilioProviderTest, RefusedConnectionPostsAgainWithoutListing) {
  transport_.Refuse();
  transport_.Reply(201, R"({"sid":"CA12"})");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  ASSERT_TRUE(sid.ok()) << sid.status().ToString();
  EXPECT_EQ(*sid, "CA12");
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(transport_.requests()[1].method, "POST");
}

TEST_F(TwilioProviderTest, RefusedEveryTimeIsUnavailable) {
  for (int i = 0; i < 3; ++i) transport_.Refuse();
  TwilioProvider p = Make();
  EXPECT_EQ(p.StartCall(Request()).status().code(), StatusCode::kUnavailable);
}

// Regression (issue 4 review): shutdown waited out Twilio's backoff sleeps.
TEST_F(TwilioProviderTest, StoppingAfterAWaitGivesUpAtOnce) {
  bool stopping = false;
  options_.stopping = [&] { return stopping; };
  options_.sleep = [&](milliseconds d) {
    sleeps_.push_back(d);
    stopping = true;  // the server began shutting down during this wait
  };
  transport_.Reply(429, "");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  EXPECT_EQ(sid.status().code(), StatusCode::kUnavailable);  // a 429 created nothing
  EXPECT_THAT(sid.status().message(), HasSubstr("shutting down"));
  EXPECT_EQ(transport_.requests().size(), 1u);

  stopping = false;
  transport_.Clear();
  transport_.Reply(500, "");
  TwilioProvider q = Make();
  Result<std::string> maybe = q.StartCall(Request());
  EXPECT_EQ(maybe.status().code(), StatusCode::kUnknownOutcome);  // a 500 may have created it
  EXPECT_EQ(transport_.requests().size(), 1u);
}

// Regression (issue 4 review): an exhausted dial whose call may exist was
// reported Unavailable, and the engine closed the attempt `error` (retryable).
TEST_F(TwilioProviderTest, TriesExhaustedIsUnknownOutcomeAndARepeatListsFirst) {
  for (int i = 0; i < 3; ++i) transport_.Reply(500, "");
  TwilioProvider p = Make();
  Result<std::string> sid = p.StartCall(Request());
  EXPECT_EQ(sid.status().code(), StatusCode::kUnknownOutcome);
  EXPECT_THAT(sid.status().message(), HasSubstr("after 3 tries"));
  EXPECT_THAT(sid.status().message(), testing::Not(HasSubstr(kToken)));
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(500), milliseconds(1000)));
  ASSERT_EQ(transport_.requests().size(), 3u);  // POST, GET (fails), GET (fails)

  // The engine retries the same request later: the provider lists before it
  // posts, with the first attempt's start time, and adopts what it finds.
  clock_.Advance(milliseconds(10 * 60 * 1000));
  transport_.Clear();
  transport_.Reply(200, R"({"calls":[)" + CallJson("CA9", "in-progress", "Mon, 01 Jun 2026 10:00:00 +0000") + "]}");
  Result<std::string> again = p.StartCall(Request());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, "CA9");
  ASSERT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(transport_.requests()[0].method, "GET");
}

TEST_F(TwilioProviderTest, BackoffDoublesUpToTheCap) {
  options_.max_tries = 5;
  options_.backoff_max = milliseconds(3000);
  for (int i = 0; i < 5; ++i) transport_.Reply(429, "");
  TwilioProvider p = Make();
  EXPECT_EQ(p.StartCall(Request()).status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(sleeps_, ElementsAre(milliseconds(500), milliseconds(1000), milliseconds(2000), milliseconds(3000)));
  for (const OutboundRequest& r : transport_.requests()) EXPECT_EQ(r.method, "POST");  // 429: nothing created
}

TEST_F(TwilioProviderTest, LookupByCallSidMapsStatusDurationAndAnsweredBy) {
  nlohmann::json call = nlohmann::json::parse(CallJson("CA10", "completed", "Mon, 01 Jun 2026 10:00:00 +0000"));
  call["answered_by"] = "machine_end_beep";
  transport_.Reply(200, call.dump());
  TwilioProvider p = Make();
  CallLookup l{"att-1", "key-1", "CA10", "+15551230001", "+15550009999", kStart};
  Result<CallEvent> e = p.Lookup(l);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(transport_.requests()[0].method, "GET");
  EXPECT_EQ(transport_.requests()[0].url, std::string("http://127.0.0.1:9/2010-04-01/Accounts/") + kSid + "/Calls/CA10.json");
  EXPECT_EQ(e->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e->duration_seconds, 42);
  EXPECT_TRUE(e->answered_by_voice_mail);
  EXPECT_EQ(e->provider_call_id, "CA10");
  EXPECT_EQ(e->attempt_id, "att-1");
  EXPECT_EQ(e->idempotency_key, "key-1");
  EXPECT_EQ(e->telephony_extra["answered_by"], "machine_end_beep");
}

TEST_F(TwilioProviderTest, LookupMapsEveryTwilioStatus) {
  const std::pair<const char*, ExecutionStatus> cases[] = {
      {"queued", ExecutionStatus::kInitiated},     {"initiated", ExecutionStatus::kInitiated},
      {"ringing", ExecutionStatus::kRinging},      {"in-progress", ExecutionStatus::kInProgress},
      {"completed", ExecutionStatus::kCompleted},  {"busy", ExecutionStatus::kBusy},
      {"no-answer", ExecutionStatus::kNoAnswer},   {"failed", ExecutionStatus::kFailed},
      {"canceled", ExecutionStatus::kCanceled}};
  TwilioProvider p = Make();
  for (const auto& [twilio, ours] : cases) {
    transport_.Reply(200, CallJson("CA11", twilio, "Mon, 01 Jun 2026 10:00:00 +0000"));
    Result<CallEvent> e = p.Lookup(CallLookup{"a", "k", "CA11", "+15551230001", "", kStart});
    ASSERT_TRUE(e.ok()) << twilio;
    EXPECT_EQ(e->status, ours) << twilio;
  }
  transport_.Reply(200, CallJson("CA11", "exploded", "Mon, 01 Jun 2026 10:00:00 +0000"));
  EXPECT_EQ(p.Lookup(CallLookup{"a", "k", "CA11", "+1", "", kStart}).status().code(), StatusCode::kUnavailable);
}

TEST_F(TwilioProviderTest, LookupNotFoundAndUnavailable) {
  transport_.Reply(404, R"({"code":20404,"message":"The requested resource was not found"})");
  transport_.Reply(502, "");
  transport_.Drop();
  TwilioProvider p = Make();
  CallLookup l{"a", "k", "CA12", "+15551230001", "", kStart};
  EXPECT_EQ(p.Lookup(l).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.Lookup(l).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(p.Lookup(l).status().code(), StatusCode::kUnavailable);
}

TEST_F(TwilioProviderTest, LookupWithoutCallSidListsSinceTheAttemptStarted) {
  transport_.Reply(200, R"({"calls":[)" + CallJson("CAold", "completed", "Mon, 01 Jun 2026 09:00:00 +0000") + "]}");
  transport_.Reply(200, R"({"calls":[)" + CallJson("CA13", "busy", "Mon, 01 Jun 2026 12:00:05 +0200") + "]}");
  TwilioProvider p = Make();
  CallLookup l{"att-1", "key-1", "", "+15551230001", "+15550009999", kStart};
  EXPECT_EQ(p.Lookup(l).status().code(), StatusCode::kNotFound);
  Result<CallEvent> e = p.Lookup(l);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->provider_call_id, "CA13");
  EXPECT_EQ(e->status, ExecutionStatus::kBusy);
  EXPECT_EQ(e->idempotency_key, "key-1");
  EXPECT_EQ(transport_.requests()[0].url, CallsUrl() + "?To=%2B15551230001&From=%2B15550009999&PageSize=20");
}

TEST(TwilioConfigTest, FromJson) {
  auto c = TwilioConfig::FromJson({{"type", "twilio"},
                                   {"account_sid", kSid},
                                   {"auth_token", kToken},
                                   {"twiml_url", "https://agent.example.com/twiml"},
                                   {"machine_detection", true},
                                   {"base_url", "http://127.0.0.1:8080//"},
                                   {"timeout", 20}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->base_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(c->machine_detection);
  EXPECT_EQ(c->ring_timeout_seconds, 20);

  auto d = TwilioConfig::FromJson({{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "<Response/>"}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->base_url, "https://api.twilio.com");
  EXPECT_EQ(d->ring_timeout_seconds, 30);
  EXPECT_FALSE(d->machine_detection);

  // Both stored (a PATCH adds one without removing the other): Url wins.
  auto both = TwilioConfig::FromJson(
      {{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "<Response/>"}, {"twiml_url", "https://a.example"}});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->twiml_url, "https://a.example");
  EXPECT_TRUE(both->twiml.empty());

  const nlohmann::json bad[] = {
      nlohmann::json::array(),
      {{"auth_token", kToken}, {"twiml", "x"}},
      {{"account_sid", kSid}, {"twiml", "x"}},
      {{"account_sid", kSid}, {"auth_token", kToken}},
      {{"account_sid", kSid}, {"auth_token", kToken}, {"twiml_url", "ftp://a"}},
      {{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "x"}, {"machine_detection", "yes"}},
      {{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "x"}, {"timeout", 4}},
      {{"account_sid", kSid}, {"auth_token", kToken}, {"twiml", "x"}, {"base_url", "api.twilio.com"}},
      {{"account_sid", 5}, {"auth_token", kToken}, {"twiml", "x"}},
  };
  for (const auto& j : bad) {
    auto r = TwilioConfig::FromJson(j);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << j.dump();
    EXPECT_THAT(r.status().message(), testing::Not(HasSubstr(kToken)));
  }
}

TEST(TwilioCallbackUrlTest, Format) {
  EXPECT_EQ(TwilioCallbackUrl("https://calls.example.com", "a-1"), "https://calls.example.com/webhooks/twilio/a-1");
}

}  // namespace
}  // namespace batchcall
