#include "store/rules/codecs.h"

#include <gtest/gtest.h>

namespace batchcall::store_rules {
namespace {

constexpr char kKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(CodecsTest, RowKeysPackBatchAndRow) {
  EXPECT_EQ(RowKey(1, 0), int64_t{1} << 32);
  EXPECT_EQ(RowKey(3, 7), (int64_t{3} << 32) | 7);
  EXPECT_EQ(FirstKey(5), RowKey(5, 0));
  EXPECT_EQ(LastKey(5), RowKey(5, kMaxRowIndex));
  EXPECT_LT(LastKey(5), FirstKey(6));
  EXPECT_EQ(Millis(FromUnixMillis(1234567)), 1234567);
}

TEST(CodecsTest, StringArraysRoundTripWithEscapes) {
  const std::vector<std::string> values = {"",          "plain", "quote\"back\\slash",
                                           "tab\tnl\n", "ünï",   std::string(1, '\x01')};
  const std::string text = JsonStringArray(values);
  EXPECT_EQ(JsonStringArray({"a", "b\"c"}), R"(["a","b\"c"])");
  EXPECT_NE(text.find("\\u0001"), std::string::npos);
  auto back = ParseJsonStringArray(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, values);
  std::string appended = "x";
  AppendJsonStringArray({}, &appended);
  EXPECT_EQ(appended, "x[]");
}

TEST(CodecsTest, StringArraysRejectOtherJson) {
  EXPECT_EQ(ParseJsonStringArray("{}").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseJsonStringArray("[1]").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseJsonStringArray("not json").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseJsonStringArray("[[\"a\"]]").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ParseJsonStringArray("[\"a\"] x").status().code(), StatusCode::kInternal);
  EXPECT_EQ(*ParseJsonStringArray("[]"), std::vector<std::string>{});
}

TEST(CodecsTest, GuardrailsAndRetryConfigRoundTrip) {
  CallingGuardrails g;
  g.call_start_hour = 8;
  g.call_end_hour = 20;
  g.default_timezone = "Europe/Paris";
  auto g2 = DecodeGuardrails(EncodeGuardrails(g));
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(g2->call_start_hour, 8);
  EXPECT_EQ(g2->call_end_hour, 20);
  EXPECT_EQ(g2->default_timezone, "Europe/Paris");
  EXPECT_EQ(DecodeGuardrails("{}").status().code(), StatusCode::kInternal);

  RetryConfig r;
  r.enabled = true;
  r.max_retries = 3;
  r.retry_on_statuses = {ExecutionStatus::kNoAnswer, ExecutionStatus::kBusy};
  r.retry_on_voicemail = true;
  r.retry_intervals_minutes = {5, 30};
  auto r2 = DecodeRetryConfig(EncodeRetryConfig(r));
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->enabled);
  EXPECT_EQ(r2->max_retries, 3);
  EXPECT_EQ(r2->retry_on_statuses, r.retry_on_statuses);
  EXPECT_TRUE(r2->retry_on_voicemail);
  EXPECT_EQ(r2->retry_intervals_minutes, r.retry_intervals_minutes);
  EXPECT_EQ(DecodeRetryConfig(R"({"enabled":true,"max_retries":1,"retry_on_statuses":["nope"],)"
                              R"("retry_on_voicemail":false,"retry_intervals_minutes":[]})")
                .status()
                .code(),
            StatusCode::kInternal);
}

TEST(CodecsTest, RetryHistoryRoundTrips) {
  std::vector<AttemptSummary> h = {{1, ExecutionStatus::kBusy, FromUnixMillis(1000)},
                                   {2, ExecutionStatus::kCompleted, FromUnixMillis(2000)}};
  auto back = DecodeRetryHistory(EncodeRetryHistory(h));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].attempt, 2);
  EXPECT_EQ((*back)[1].status, ExecutionStatus::kCompleted);
  EXPECT_EQ((*back)[1].at, FromUnixMillis(2000));
  EXPECT_EQ(EncodeRetryHistory({}), "[]");
  EXPECT_EQ(DecodeRetryHistory(R"([{"attempt":1,"status":"bogus","at":1}])").status().code(),
            StatusCode::kInternal);
}

TEST(CodecsTest, ProviderPlainAndSealed) {
  const nlohmann::json provider = {{"token", "s3cret"}};
  const std::string plain = SealProvider(provider, nullptr);
  EXPECT_EQ(plain, provider.dump());
  EXPECT_EQ(*OpenProvider(plain, nullptr), provider);

  const SecretBox box(kKeyHex);
  const std::string sealed = SealProvider(provider, &box);
  EXPECT_EQ(sealed.substr(0, 3), "v1:");
  EXPECT_EQ(sealed.find("s3cret"), std::string::npos);
  EXPECT_EQ(*OpenProvider(sealed, &box), provider);
  EXPECT_EQ(*OpenProvider(plain, &box), provider);  // plain JSON is still accepted
  EXPECT_EQ(OpenProvider(sealed, nullptr).status().code(), StatusCode::kInternal);
}

TEST(CodecsTest, SecretsPlainAndSealed) {
  EXPECT_EQ(SealSecret("whsec_x", nullptr), "plain:whsec_x");
  EXPECT_EQ(*OpenSecret("plain:v1:not-sealed", nullptr), "v1:not-sealed");
  const SecretBox box(kKeyHex);
  const std::string sealed = SealSecret("whsec_x", &box);
  EXPECT_EQ(sealed.substr(0, 3), "v1:");
  EXPECT_EQ(*OpenSecret(sealed, &box), "whsec_x");
  EXPECT_EQ(OpenSecret(sealed, nullptr).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace batchcall::store_rules
