#include "compliance/rule_pack.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace batchcall {
namespace {

TEST(RulePackTest, BuiltInUsPack) {
  const RulePack* us = RulePackSet::BuiltIn().Find("us");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->origin, "built-in");
  EXPECT_EQ(us->subdivisions, "us_state");
  EXPECT_EQ(us->holidays, "us_federal");
  // The contract's minimum table, every row with a source and a date.
  std::map<std::string, const PackRule*> by_where;
  for (const PackRule& r : us->rules) {
    EXPECT_FALSE(r.source.empty());
    EXPECT_EQ(r.checked.size(), 10u);
    by_where[r.where] = &r;
  }
  for (const char* s : {"*", "FL", "OK", "MD", "TX", "CT", "WA", "AL", "LA", "MS", "PA"})
    EXPECT_TRUE(by_where.count(s)) << s;
  EXPECT_EQ(by_where["*"]->hours, (HourWindow{8, 21}));
  EXPECT_EQ(by_where["FL"]->caps, (std::vector<ContactLimit>{{3, 24}}));
  EXPECT_EQ(by_where["TX"]->day_hours[6], (HourWindow{12, 21}));
  EXPECT_EQ(by_where["AL"]->no_days, 1u << 6);
  EXPECT_TRUE(by_where["PA"]->no_holidays);
  EXPECT_EQ(RulePackSet::BuiltIn().NameList(), "us");
  auto j = RulePackJson(*us);
  EXPECT_EQ(j["name"], "us");
  EXPECT_EQ(j["rules"][0]["hours"], (nlohmann::json{8, 21}));
}

TEST(RulePackTest, RejectsBadPacksNamingTheKey) {
  const std::pair<const char*, const char*> bad[] = {
      {"[]", "JSON object"},
      {"{", "valid JSON"},
      {R"({"name": "US", "version": "1", "regions": ["US"], "rules": [{}]})", "name"},
      {R"({"name": "x", "regions": ["US"], "rules": []})", "version"},
      {R"({"name": "x", "version": "1", "rules": [{"where": "*"}]})", "regions"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": []})", "rules"},
      {R"({"name": "x", "version": "1", "regions": ["usa"], "rules": []})", "regions"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "colour": 1, "rules": []})", "colour"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "hours": [9, 9], "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].hours"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "hours": [8, 21], "checked": "2026-01-01"}]})",
       "rules[0].source"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "source": "s", "checked": "2026-02-30"}]})",
       "rules[0].checked"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "FL", "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].where"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "subdivisions": "us_state", "rules": [{"where": "ZZ", "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].where"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "no_holidays": true, "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].no_holidays"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "days": {"sunday": [1, 2]}, "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].days.sunday"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "rules": [{"where": "*", "caps": [{"max_calls": 0, "per_hours": 1}], "source": "s", "checked": "2026-01-01"}]})",
       "rules[0].caps[0].max_calls"},
      {R"({"name": "x", "version": "1", "regions": ["US"], "holidays": "mars", "rules": []})", "holidays"},
  };
  for (const auto& [text, key] : bad) {
    auto r = ParseRulePack(text, "test");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(key), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(ParseRulePack(std::string(2 << 20, ' '), "big").ok());
}

TEST(RulePackTest, LoadsADirectory) {
  test::TempDir dir;
  {
    std::ofstream(dir.File("uk.json")) << R"({"name": "uk", "version": "2026-01", "regions": ["GB"],
      "rules": [{"where": "*", "hours": [9, 20], "no_days": ["sun"], "source": "Ofcom", "checked": "2026-01-01"}]})";
    std::ofstream(dir.File("notes.txt")) << "ignored";
  }
  auto set = RulePackSet::WithDirectory(dir.path().string());
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->NameList(), "uk, us");
  ASSERT_NE(set->Find("uk"), nullptr);
  EXPECT_EQ(set->Find("uk")->origin, dir.File("uk.json"));

  std::ofstream(dir.File("us.json")) << R"({"name": "us", "version": "mine", "regions": ["US"],
      "rules": [{"where": "*", "hours": [9, 20], "source": "s", "checked": "2026-01-01"}]})";
  auto clash = RulePackSet::WithDirectory(dir.path().string());
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("us.json"), std::string::npos);
  EXPECT_NE(clash.status().message().find("already loaded"), std::string::npos);

  std::ofstream(dir.File("us.json")) << "{ broken";
  auto broken = RulePackSet::WithDirectory(dir.path().string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("us.json"), std::string::npos);

  EXPECT_FALSE(RulePackSet::WithDirectory(dir.File("missing")).ok());
}

}  // namespace
}  // namespace batchcall
