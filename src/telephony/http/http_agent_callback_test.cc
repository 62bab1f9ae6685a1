// Tests of VerifyAgentCallback and ParseAgentResult (result callbacks posted
// by a voice-agent server).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "telephony/http/http_agent_provider.h"
#include "telephony/http/http_agent_test_util.h"

namespace batchcall {
namespace {

using http_agent_test::Config;
using http_agent_test::kSigningSecret;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kBody = R"({"status":"completed"})";
constexpr long long kNow = 1'700'000'000;

TimePoint At(long long unix_seconds) { return FromUnixMillis(unix_seconds * 1000); }

// Computed here with OpenSSL directly, independently of webhook/signature.
std::string Hmac(const std::string& secret, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

std::string Sign(const std::string& secret, long long t, const std::string& body) {
  return "t=" + std::to_string(t) + ",v1=" + Hmac(secret, std::to_string(t) + "." + body);
}

// ---- VerifyAgentCallback ----

TEST(VerifyAgentCallbackTest, GoodSignature) {
  EXPECT_TRUE(
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow, kBody), kBody, At(kNow)).ok());
  // Within the tolerance, either direction.
  EXPECT_TRUE(
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow - 200, kBody), kBody, At(kNow))
          .ok());
  EXPECT_TRUE(
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow + 200, kBody), kBody, At(kNow))
          .ok());
}

TEST(VerifyAgentCallbackTest, BadSignatureIsPermissionDenied) {
  Status wrong_key = VerifyAgentCallback(Config(), "", Sign("other", kNow, kBody), kBody, At(kNow));
  EXPECT_EQ(wrong_key.code(), StatusCode::kPermissionDenied);
  Status tampered =
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow, kBody), kBody + " ", At(kNow));
  EXPECT_EQ(tampered.code(), StatusCode::kPermissionDenied);
  Status malformed = VerifyAgentCallback(Config(), "", "garbage", kBody, At(kNow));
  EXPECT_EQ(malformed.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(wrong_key.message(), Not(HasSubstr(kSigningSecret)));
}

TEST(VerifyAgentCallbackTest, StaleTimestampIsPermissionDenied) {
  Status s =
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow - 301, kBody), kBody, At(kNow));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  Status future =
      VerifyAgentCallback(Config(), "", Sign(kSigningSecret, kNow + 301, kBody), kBody, At(kNow));
  EXPECT_EQ(future.code(), StatusCode::kPermissionDenied);
}

TEST(VerifyAgentCallbackTest, Bearer) {
  std::string good = std::string("Bearer ") + kSigningSecret;
  EXPECT_TRUE(VerifyAgentCallback(Config(), good, "", kBody, At(kNow)).ok());
  EXPECT_TRUE(VerifyAgentCallback(Config(), std::string("bearer  ") + kSigningSecret + " ", "",
                                  kBody, At(kNow))
                  .ok());
  for (std::string wrong :
       {std::string("Bearer nope"), std::string("Bearer ") + kSigningSecret + "x",
        std::string("Bearer whsec-agent-secre"), std::string("Basic ") + kSigningSecret}) {
    Status s = VerifyAgentCallback(Config(), wrong, "", kBody, At(kNow));
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << wrong;
    EXPECT_THAT(s.message(), Not(HasSubstr(kSigningSecret)));
  }
}

TEST(VerifyAgentCallbackTest, AnyValidCredentialSuffices) {
  // A proxy's own Authorization does not spoil a good signature.
  EXPECT_TRUE(VerifyAgentCallback(Config(), "Basic cHJveHk6eA==", Sign(kSigningSecret, kNow, kBody),
                                  kBody, At(kNow))
                  .ok());
  EXPECT_TRUE(VerifyAgentCallback(Config(), std::string("Bearer ") + kSigningSecret, "t=1,v1=00",
                                  kBody, At(kNow))
                  .ok());
  Status both_bad =
      VerifyAgentCallback(Config(), "Bearer x", Sign("other", kNow, kBody), kBody, At(kNow));
  EXPECT_EQ(both_bad.code(), StatusCode::kPermissionDenied);
}

TEST(VerifyAgentCallbackTest, MissingCredentialOrSecretIsUnauthenticated) {
  EXPECT_EQ(VerifyAgentCallback(Config(), "", "", kBody, At(kNow)).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyAgentCallback(Config(), "  ", "", kBody, At(kNow)).code(),
            StatusCode::kUnauthenticated);
  HttpAgentConfig no_secret = Config();
  no_secret.signing_secret.clear();
  // Not even an empty bearer token or a signature made with an empty key.
  EXPECT_EQ(
      VerifyAgentCallback(no_secret, "Bearer ", Sign("", kNow, kBody), kBody, At(kNow)).code(),
      StatusCode::kUnauthenticated);
}

// ---- ParseAgentResult ----

TEST(ParseAgentResultTest, FullCompletedResult) {
  json body = {{"status", "completed"},
               {"transcript", "agent: Hi Ada\nuser: hello"},
               {"summary", "Ada said hello"},
               {"extracted_data", {{"interested", true}, {"slot", "tuesday"}}},
               {"conversation_duration", 12.5},
               {"total_cost", 0.02},
               {"recording_url", "https://rec.example/r.mp3"},
               {"answered_by_voice_mail", false},
               {"hangup_by", "user"},
               {"hangup_reason", "normal"},
               {"provider_call_id", "p-1"},
               {"call_sid", "ignored-when-provider_call_id"},
               {"unknown_extra", {1, 2, 3}}};
  Result<CallEvent> e = ParseAgentResult(body, "att-9", At(kNow));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->attempt_id, "att-9");
  EXPECT_EQ(e->at, At(kNow));
  EXPECT_EQ(e->status, ExecutionStatus::kCompleted);
  EXPECT_EQ(e->transcript, "agent: Hi Ada\nuser: hello");
  EXPECT_EQ(e->summary, "Ada said hello");
  EXPECT_EQ(e->extracted_data, json({{"interested", true}, {"slot", "tuesday"}}));
  EXPECT_DOUBLE_EQ(e->duration_seconds, 12.5);
  EXPECT_DOUBLE_EQ(e->cost, 0.02);
  EXPECT_EQ(e->recording_url, "https://rec.example/r.mp3");
  EXPECT_FALSE(e->answered_by_voice_mail);
  EXPECT_EQ(e->hangup_by, "user");
  EXPECT_EQ(e->hangup_reason, "normal");
  EXPECT_EQ(e->provider_call_id, "p-1");
  EXPECT_TRUE(e->telephony_extra.is_null());
  EXPECT_TRUE(IsOutcome(*e));
}

TEST(ParseAgentResultTest, MinimalBodyHasEmptyFields) {
  Result<CallEvent> e = ParseAgentResult({{"status", "ringing"}}, "a", At(kNow));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kRinging);
  EXPECT_TRUE(e->transcript.empty());
  EXPECT_TRUE(e->extracted_data.is_null());
  EXPECT_EQ(e->duration_seconds, 0);
  EXPECT_FALSE(IsOutcome(*e));
}

TEST(ParseAgentResultTest, EveryStatusAndBolnaSpellings) {
  std::pair<std::string, ExecutionStatus> cases[] = {
      {"ringing", ExecutionStatus::kRinging},
      {"in-progress", ExecutionStatus::kInProgress},
      {"in_progress", ExecutionStatus::kInProgress},
      {"call-disconnected", ExecutionStatus::kCallDisconnected},
      {"call_disconnected", ExecutionStatus::kCallDisconnected},
      {"completed", ExecutionStatus::kCompleted},
      {"busy", ExecutionStatus::kBusy},
      {"no-answer", ExecutionStatus::kNoAnswer},
      {"no_answer", ExecutionStatus::kNoAnswer},
      {"failed", ExecutionStatus::kFailed},
      {"canceled", ExecutionStatus::kCanceled},
      {"error", ExecutionStatus::kError},
  };
  for (const auto& [text, want] : cases) {
    Result<CallEvent> e = ParseAgentResult({{"status", text}}, "a", At(kNow));
    ASSERT_TRUE(e.ok()) << text;
    EXPECT_EQ(e->status, want) << text;
  }
  for (std::string bad : {"initiated", "queued", "stopped", "done", "", "completed!"}) {
    Result<CallEvent> e = ParseAgentResult({{"status", bad}}, "a", At(kNow));
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(e.status().message(), HasSubstr("status")) << bad;
  }
}

TEST(ParseAgentResultTest, NumbersMayBeNumericStrings) {
  Result<CallEvent> e = ParseAgentResult(
      {{"status", "completed"}, {"conversation_duration", "31.25"}, {"total_cost", " 0.5 "}}, "a",
      At(kNow));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_DOUBLE_EQ(e->duration_seconds, 31.25);
  EXPECT_DOUBLE_EQ(e->cost, 0.5);
  Result<CallEvent> ints =
      ParseAgentResult({{"status", "completed"}, {"conversation_duration", 7}}, "a", At(kNow));
  ASSERT_TRUE(ints.ok());
  EXPECT_DOUBLE_EQ(ints->duration_seconds, 7);
}

TEST(ParseAgentResultTest, TranscriptAsTurns) {
  json turns = json::array({{{"role", "assistant"}, {"content", "Hi Ada"}},
                            {{"role", "user"}, {"content", "who is this?"}},
                            {{"role", "assistant"}, {"content", nullptr}}});
  Result<CallEvent> e =
      ParseAgentResult({{"status", "completed"}, {"transcript", turns}}, "a", At(kNow));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->transcript, "assistant: Hi Ada\nuser: who is this?\nassistant: ");
}

TEST(ParseAgentResultTest, CallSidAndErrorFields) {
  Result<CallEvent> e = ParseAgentResult({{"status", "failed"},
                                          {"call_sid", "CA9"},
                                          {"error_message", "trunk down"},
                                          {"answered_by_voice_mail", true}},
                                         "a", At(kNow));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->provider_call_id, "CA9");
  EXPECT_EQ(e->error_message, "trunk down");
  EXPECT_TRUE(e->answered_by_voice_mail);
}

TEST(ParseAgentResultTest, OptOut) {
  Result<CallEvent> e = ParseAgentResult({{"status", "completed"}, {"opt_out", true}}, "a", At(kNow));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(e->opt_out);
  EXPECT_FALSE(ParseAgentResult({{"status", "completed"}}, "a", At(kNow))->opt_out);
  EXPECT_FALSE(ParseAgentResult({{"status", "completed"}, {"opt_out", nullptr}}, "a", At(kNow))->opt_out);
  Result<CallEvent> bad = ParseAgentResult({{"status", "completed"}, {"opt_out", "yes"}}, "a", At(kNow));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("opt_out"), std::string::npos);
}

TEST(ParseAgentResultTest, NullFieldsAreAbsent) {
  json body = {{"status", "completed"}, {"transcript", nullptr},
               {"summary", nullptr},    {"extracted_data", nullptr},
               {"total_cost", nullptr}, {"answered_by_voice_mail", nullptr}};
  Result<CallEvent> e = ParseAgentResult(body, "a", At(kNow));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(e->summary.empty());
  EXPECT_TRUE(e->extracted_data.is_null());
}

TEST(ParseAgentResultTest, MalformedFieldsAreNamed) {
  struct Case {
    json body;
    std::string field;
  } cases[] = {
      {json::array(), "object"},
      {json("completed"), "object"},
      {json::object(), "status"},
      {{{"status", 3}}, "status"},
      {{{"status", "completed"}, {"transcript", 5}}, "transcript"},
      {{{"status", "completed"}, {"transcript", json::array({"plain"})}}, "transcript[0]"},
      {{{"status", "completed"}, {"transcript", json::array({{{"content", "x"}}})}},
       "transcript[0].role"},
      {{{"status", "completed"}, {"transcript", json::array({{{"role", "user"}, {"content", 1}}})}},
       "transcript[0].content"},
      {{{"status", "completed"}, {"summary", json::object()}}, "summary"},
      {{{"status", "completed"}, {"extracted_data", "a=b"}}, "extracted_data"},
      {{{"status", "completed"}, {"extracted_data", json::array()}}, "extracted_data"},
      {{{"status", "completed"}, {"conversation_duration", "12s"}}, "conversation_duration"},
      {{{"status", "completed"}, {"conversation_duration", -1}}, "conversation_duration"},
      {{{"status", "completed"}, {"conversation_duration", true}}, "conversation_duration"},
      {{{"status", "completed"}, {"total_cost", "nan"}}, "total_cost"},
      {{{"status", "completed"}, {"total_cost", ""}}, "total_cost"},
      {{{"status", "completed"}, {"recording_url", "javascript:alert(1)"}}, "recording_url"},
      {{{"status", "completed"}, {"recording_url", 7}}, "recording_url"},
      {{{"status", "completed"}, {"answered_by_voice_mail", "yes"}}, "answered_by_voice_mail"},
      {{{"status", "completed"}, {"hangup_by", 1}}, "hangup_by"},
      {{{"status", "completed"}, {"hangup_reason", false}}, "hangup_reason"},
      {{{"status", "failed"}, {"error_message", json::array()}}, "error_message"},
      {{{"status", "completed"}, {"provider_call_id", 12}}, "provider_call_id"},
      {{{"status", "completed"}, {"call_sid", json::object()}}, "call_sid"},
  };
  for (const Case& c : cases) {
    Result<CallEvent> e = ParseAgentResult(c.body, "a", At(kNow));
    ASSERT_FALSE(e.ok()) << c.body.dump();
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << c.body.dump();
    EXPECT_THAT(e.status().message(), HasSubstr(c.field)) << c.body.dump();
  }
}

TEST(ParseAgentResultTest, OversizedFieldsAreRejected) {
  std::string big(1 << 20, 'x');
  EXPECT_TRUE(ParseAgentResult({{"status", "completed"}, {"transcript", big}}, "a", At(kNow)).ok());
  big.push_back('x');
  Result<CallEvent> e =
      ParseAgentResult({{"status", "completed"}, {"transcript", big}}, "a", At(kNow));
  EXPECT_EQ(e.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_THAT(e.status().message(), HasSubstr("transcript"));
  // The same limit applies to a transcript given as turns.
  json turns = json::array();
  for (int i = 0; i < 3; ++i)
    turns.push_back({{"role", "user"}, {"content", std::string(400'000, 'y')}});
  e = ParseAgentResult({{"status", "completed"}, {"transcript", turns}}, "a", At(kNow));
  EXPECT_EQ(e.status().code(), StatusCode::kPayloadTooLarge);
  // Other text fields: 64 KiB; extracted_data: 256 KiB serialised.
  e = ParseAgentResult({{"status", "completed"}, {"summary", std::string(70'000, 's')}}, "a",
                       At(kNow));
  EXPECT_EQ(e.status().code(), StatusCode::kPayloadTooLarge);
  json data = {{"notes", std::string(300'000, 'n')}};
  e = ParseAgentResult({{"status", "completed"}, {"extracted_data", data}}, "a", At(kNow));
  EXPECT_EQ(e.status().code(), StatusCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace batchcall
