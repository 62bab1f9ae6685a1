#include "base/json_scan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace batchcall {
namespace {

using nlohmann::json;

TEST(JsonScan, ElementsMembersAndStrings) {
  std::vector<std::string> seen;
  EXPECT_TRUE(ForEachJsonElement(R"( [1, "a,]", {"b":[2,{"c":"}"}]}, null] )",
                                 [&](std::string_view v) { seen.emplace_back(v); }));
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "\"a,]\"", R"({"b":[2,{"c":"}"}]})", "null"}));
  EXPECT_TRUE(ForEachJsonElement("[]", [](std::string_view) { FAIL(); }));
  EXPECT_TRUE(IsOneJsonValue(" {\"a\":[1]} "));
  EXPECT_FALSE(IsOneJsonValue("1 2"));
  EXPECT_FALSE(IsOneJsonValue(""));
  for (std::string_view bad : {"", "[", "[1", "[1,]", "[,1]", "[1 2]", "[\"a]", "{}", "[1]x", "[\"\x01\"]"})
    EXPECT_FALSE(ForEachJsonElement(bad, [](std::string_view) {})) << bad;

  std::vector<std::pair<std::string, std::string>> members;
  EXPECT_TRUE(ForEachJsonMember(R"({"a":1,"b\"c":{"d":[1,2]},"e":"}"})",
                                [&](std::string_view k, std::string_view v) { members.emplace_back(k, v); }));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[1].first, "b\\\"c");
  EXPECT_EQ(members[1].second, R"({"d":[1,2]})");
  EXPECT_EQ(members[2].second, "\"}\"");
  for (std::string_view bad : {"{", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "[1]", "{\"a\":1 \"b\":2}"})
    EXPECT_FALSE(ForEachJsonMember(bad, [](std::string_view, std::string_view) {})) << bad;
}

TEST(JsonScan, AppendJsonStringEscapesAsNlohmannDumps) {
  static const std::vector<std::string> kPieces = {"a", ",", "\"", "\\", "\n", "\r", "\t", "\b", "\f", "\x01",
                                                   "\x1f", "\x7f", "é", "日本", "🙂", "/", "\\u0041"};
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string v;
    for (int k = static_cast<int>(rng() % 6); k > 0; --k) v += kPieces[rng() % kPieces.size()];
    std::string out;
    AppendJsonString(v, &out);
    EXPECT_EQ(out, json(v).dump()) << v;
  }
}

}  // namespace
}  // namespace batchcall
