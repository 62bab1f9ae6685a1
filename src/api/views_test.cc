#include "api/views.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/agent_input.h"
#include "telephony/provider_kinds.h"
#include "base/time.h"

namespace batchcall {
namespace {

using ::testing::HasSubstr;

TimePoint T(const char* s) { return *ParseIso8601(s); }

TEST(Views, BatchCountsAndProgress) {
  Batch b;
  b.id = "b";
  b.valid_contacts = 10;
  b.created_at = b.updated_at = T("2026-06-01T10:00:00Z");
  b.from_phone_numbers = {"+14155550100", "+14155550101"};
  StatusCounts counts = {{ExecutionStatus::kQueued, 3}, {ExecutionStatus::kRinging, 2},
                         {ExecutionStatus::kCompleted, 4}, {ExecutionStatus::kBusy, 1},
                         {ExecutionStatus::kPrepared, 0}};
  auto j = BatchView(b, counts, T("2026-06-01T10:05:00Z"));
  EXPECT_EQ(j["status"], "created");
  EXPECT_EQ(j["humanized_created_at"], "5 minutes ago");
  EXPECT_EQ(j["from_phone_number"], "+14155550100");
  EXPECT_EQ(j["execution_status"].size(), 4u);  // zero counts are left out
  EXPECT_EQ(j["progress"]["pending"], 3);
  EXPECT_EQ(j["progress"]["in_flight"], 2);
  EXPECT_EQ(j["progress"]["done"], 5);
  EXPECT_EQ(j["progress"]["total"], 10);
  EXPECT_TRUE(j["scheduled_at"].is_null());
}

TEST(Views, ExecutionRecipientDataInColumnOrder) {
  Execution e;
  e.id = "e";
  e.contact_number = "+14155552671";
  e.variables = {"Ada", "Lovelace"};
  auto j = ExecutionView(e, {"zeta", "alpha"});
  auto data = j["context_details"]["recipient_data"];
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data.begin().key(), "zeta");
  EXPECT_EQ(data["alpha"], "Lovelace");
  EXPECT_EQ(j["telephony_data"]["to_number"], "+14155552671");
  EXPECT_EQ(j["status"], "prepared");
  EXPECT_TRUE(j["retry_history"].is_array());
}

TEST(Views, CsvQuoting) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvField("\r=1+1"), "\"'\r=1+1\"");
}

TEST(Views, SecretsMasked) {
  EXPECT_EQ(MaskSecret("short"), "****");
  EXPECT_EQ(MaskSecret("abcdefghijkl"), "****ijkl");
  Agent a;
  a.provider_type = "http";
  a.provider = {{"type", "http"}, {"url", "http://x"}, {"headers", {{"X-Key", "topsecretvalue"}}},
                {"signing_secret", "0123456789abcdefXYZW"}};
  auto j = AgentView(a);
  EXPECT_EQ(j["provider"]["headers"]["X-Key"], "****alue");
  EXPECT_EQ(j["provider"]["signing_secret"], "****XYZW");
  EXPECT_EQ(j["provider"]["url"], "http://x");
}

TEST(AgentInput, PatchKeepsMaskedSecretAndReplacesNewOne) {
  Agent a;
  Status s = ApplyAgentJson(nlohmann::json::parse(R"({"agent_name":"t","provider":{"type":"twilio",
      "account_sid":"AC00000000000000000000000000000000","auth_token":"token-abcdefgh-1234",
      "twiml_url":"https://x.test/t"}})"), false, &a, OutboundPolicy(), BuiltInProviderKinds());
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(ApplyAgentJson(nlohmann::json::parse(R"({"provider":{"auth_token":"****1234"}})"), true, &a, OutboundPolicy(), BuiltInProviderKinds()).ok());
  EXPECT_EQ(a.provider["auth_token"], "token-abcdefgh-1234");
  ASSERT_TRUE(ApplyAgentJson(nlohmann::json::parse(R"({"provider":{"auth_token":"new-token-5678"}})"), true, &a, OutboundPolicy(), BuiltInProviderKinds()).ok());
  EXPECT_EQ(a.provider["auth_token"], "new-token-5678");
  EXPECT_EQ(a.provider["base_url"], "https://api.twilio.com");
}

TEST(AgentInput, Urls) {
  EXPECT_TRUE(ValidateHttpUrl("https://example.com/hook", "u").ok());
  EXPECT_TRUE(ValidateHttpUrl("http://127.0.0.1:9000", "u").ok());
  EXPECT_FALSE(ValidateHttpUrl("ftp://example.com", "u").ok());
  EXPECT_FALSE(ValidateHttpUrl("https://", "u").ok());
  EXPECT_FALSE(ValidateHttpUrl("https://exa mple.com", "u").ok());
  EXPECT_FALSE(ValidateHttpUrl("https://user:pw@example.com", "u").ok());
  EXPECT_FALSE(ValidateHttpUrl("https://x.com/" + std::string(3000, 'a'), "u").ok());
}

// Regression (issue 13, finding 3): the URLs the server connects to could
// name internal addresses. Only the fields given are checked, so a PATCH of
// another field leaves a stored URL to the connection-time check.
TEST(AgentInput, OutboundUrlsMustPassThePolicy) {
  const OutboundPolicy none;
  Agent a;
  Status s = ApplyAgentJson(nlohmann::json::parse(R"({"agent_name":"t","provider":{"type":"http",
      "url":"http://10.0.0.7:8001/call"}})"), false, &a, none, BuiltInProviderKinds());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("provider.url points to 10.0.0.7 (in 10.0.0.0/8, private, RFC 1918)"));
  s = ApplyAgentJson(nlohmann::json::parse(R"({"agent_name":"t","webhook_url":"http://[::1]/h",
      "provider":{"type":"simulator"}})"), false, &a, none, BuiltInProviderKinds());
  EXPECT_THAT(s.message(), HasSubstr("webhook_url points to ::1 (in ::1/128, loopback)"));

  const OutboundPolicy lan = *OutboundPolicy::Allowing({"10.0.0.0/8"});
  Agent b;
  ASSERT_TRUE(ApplyAgentJson(nlohmann::json::parse(R"({"agent_name":"t","provider":{"type":"http",
      "url":"http://10.0.0.7:8001/call"}})"), false, &b, lan, BuiltInProviderKinds()).ok());
  ASSERT_TRUE(ApplyAgentJson(nlohmann::json::parse(R"({"agent_name":"renamed"})"), true, &b, none, BuiltInProviderKinds()).ok());
  EXPECT_EQ(ValidateOutboundUrl("http://0x7f000001/", "webhook_url", none).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateOutboundUrl("ftp://x/", "webhook_url", lan).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateOutboundUrl("https://hooks.example.com/x", "webhook_url", none).ok());
}

// Regression (issue 13 finding 9): calls_per_second 1e-320 was accepted and
// made the engine wake every millisecond.
TEST(AgentInput, CallsPerSecondIsZeroOrFromOneHundredthToAThousand) {
  const OutboundPolicy none;
  for (const char* ok : {"0", "0.01", "0.5", "1", "1000"}) {
    Agent a;
    Status s = ApplyAgentJson(nlohmann::json::parse(std::string(R"({"calls_per_second":)") + ok + "}"), true, &a, none, BuiltInProviderKinds());
    EXPECT_TRUE(s.ok()) << ok << ": " << s.ToString();
  }
  for (const char* bad : {"1e-320", "0.0099", "-0.5", "1000.01", "1e308", "\"2\"", "null"}) {
    Agent a;
    Status s = ApplyAgentJson(nlohmann::json::parse(std::string(R"({"calls_per_second":)") + bad + "}"), true, &a, none, BuiltInProviderKinds());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("calls_per_second")) << bad;
  }
}

TEST(AgentInput, TimeZones) {
  EXPECT_TRUE(IsKnownTimeZone("Asia/Kolkata"));
  EXPECT_TRUE(IsKnownTimeZone("America/New_York"));
  EXPECT_FALSE(IsKnownTimeZone("Mars/Base"));
  EXPECT_FALSE(IsKnownTimeZone(""));
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

TEST(SpreadsheetSafeCell, NeutralisesFormulasAndKeepsNumbers) {
  for (const char* formula : {"=1+1", "=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1)", "\tx", "\rx", "+cmd",
                              "-1+cmd|' /C calc'!A0", "+", "-", "+1 415", "--1", "-.", "+1e5"}) {
    EXPECT_EQ(SpreadsheetSafeCell(formula), std::string("'") + formula) << formula;
  }
  for (const char* plain : {"", "plain", "+14155550100", "-5", "-2.5", "+.5", "a=b", " =1", "'=1", "1-2"}) {
    EXPECT_EQ(SpreadsheetSafeCell(plain), plain) << plain;
  }
}

}  // namespace
}  // namespace batchcall
