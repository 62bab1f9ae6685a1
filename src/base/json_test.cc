#include "base/json.h"

#include <gtest/gtest.h>

#include <string>

namespace batchcall {
namespace {

std::string Nested(int levels, char open, char close, const std::string& inner = "1") {
  return std::string(levels, open) + inner + std::string(levels, close);
}

TEST(ParseJsonTest, ParsesValues) {
  auto j = ParseJson(R"({"a": [1, {"b": "c"}], "d": null})");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["a"][1]["b"], "c");
  auto scalar = ParseJson("42");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(*scalar, 42);
}

TEST(ParseJsonTest, InvalidTextGetsTheCallersMessage) {
  auto j = ParseJson("{\"a\": ", "retry_config must be JSON.");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(j.status().message(), "retry_config must be JSON.");
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("[1] [2]").ok());
}

TEST(ParseJsonTest, SixtyFourLevelsAreAccepted) {
  auto arrays = ParseJson(Nested(kMaxJsonDepth, '[', ']'));
  ASSERT_TRUE(arrays.ok()) << arrays.status().ToString();
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth - 1; ++i) objects += "{\"k\":";
  objects += "{}" + std::string(kMaxJsonDepth - 1, '}');
  EXPECT_TRUE(ParseJson(objects).ok());
}

TEST(ParseJsonTest, SixtyFiveLevelsAreRefused) {
  auto j = ParseJson(Nested(kMaxJsonDepth + 1, '[', ']'));
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(j.status().message(), kJsonTooDeepMessage);
}

// Regression (issue 13 finding 1): 60,000 levels crashed the server when the
// value was serialised; now refused while parsing, in every position.
TEST(ParseJsonTest, VeryDeepInputIsRefusedWithoutCrashing) {
  const std::string deep = Nested(200'000, '[', ']');
  for (const std::string& text : {R"({"numbers":)" + deep + "}", R"({"scheduled_at":)" + deep + "}", deep,
                                  std::string(200'000, '['), std::string(200'000, '{')}) {
    auto j = ParseJson(text);
    ASSERT_FALSE(j.ok());
  }
  auto j = ParseJson(R"({"extracted_data":)" + deep + "}");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message(), kJsonTooDeepMessage);
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  auto o = ParseOrderedJson(objects + "1" + std::string(100'000, '}'));
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), kJsonTooDeepMessage);
}

TEST(ParseJsonTest, OrderedKeepsMemberOrder) {
  auto j = ParseOrderedJson(R"({"z": 1, "a": 2})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->dump(), R"({"z":1,"a":2})");
}

}  // namespace
}  // namespace batchcall
