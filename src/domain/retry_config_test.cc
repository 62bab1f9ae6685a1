#include "domain/retry_config.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

using nlohmann::json;

TEST(RetryConfig, ParsesFullConfig) {
  auto r = ParseRetryConfig(json::parse(R"({"enabled": true, "max_retries": 3,
      "retry_on_statuses": ["no-answer", "busy"], "retry_on_voicemail": true,
      "retry_intervals_minutes": [30, 60]})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->enabled);
  EXPECT_EQ(r->max_retries, 3);
  EXPECT_EQ(r->retry_on_statuses, (std::vector<ExecutionStatus>{ExecutionStatus::kNoAnswer, ExecutionStatus::kBusy}));
  EXPECT_TRUE(r->retry_on_voicemail);
  EXPECT_EQ(RetryIntervalMinutes(*r, 1), 30);
  EXPECT_EQ(RetryIntervalMinutes(*r, 2), 60);
  EXPECT_EQ(RetryIntervalMinutes(*r, 3), 60);  // the last one repeats
}

TEST(RetryConfig, DefaultsAndRoundTrip) {
  auto r = ParseRetryConfig(json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->enabled);
  EXPECT_EQ(r->retry_on_statuses.size(), 3u);
  EXPECT_EQ(RetryIntervalMinutes(*r, 1), 30);
  auto again = ParseRetryConfig(ToJson(*r));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ToJson(*again), ToJson(*r));
}

TEST(RetryConfig, RejectsBadInputWithFieldNames) {
  const char* bad[] = {
      R"([])",
      R"({"enabled": "yes"})",
      R"({"max_retries": 11})",
      R"({"max_retries": -1})",
      R"({"max_retries": 1.5})",
      R"({"retry_on_statuses": ["completed"]})",
      R"({"retry_on_statuses": "busy"})",
      R"({"retry_intervals_minutes": [0]})",
      R"({"retry_intervals_minutes": ["5"]})",
      R"({"retry_intervals_minutes": 5})",
      R"({"surprise": 1})",
  };
  for (const char* text : bad) {
    auto r = ParseRetryConfig(json::parse(text));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("retry_config"), std::string::npos) << r.status().message();
  }
}

TEST(PhoneValidationMode, Names) {
  for (auto m : {PhoneValidationMode::kStrict, PhoneValidationMode::kPossible, PhoneValidationMode::kE164})
    EXPECT_EQ(ParsePhoneValidationMode(ToString(m)), m);
  EXPECT_FALSE(ParsePhoneValidationMode("STRICT").has_value());
}

}  // namespace
}  // namespace batchcall
