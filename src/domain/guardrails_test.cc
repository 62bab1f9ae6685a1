#include "domain/guardrails.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

using nlohmann::json;

TEST(GuardrailsTest, WeekdaysRoundTrip) {
  for (int i = 0; i < 7; ++i) EXPECT_EQ(ParseWeekdayName(WeekdayName(i)), i);
  EXPECT_FALSE(ParseWeekdayName("Mon").has_value());
  EXPECT_EQ(WeekdayName(7), "");
  auto mask = ParseCallDays(json{"sat", "mon"}, "call_days");
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(*mask, 0b0100001);
  EXPECT_EQ(CallDaysJson(*mask), (json{"mon", "sat"}));
  EXPECT_EQ(CallDaysJson(kAllWeekdays).size(), 7u);
}

TEST(GuardrailsTest, BadCallDaysNameTheField) {
  for (const json& bad : {json::array(), json{"mon", "mon"}, json{"monday"}, json{1}, json("mon")}) {
    auto r = ParseCallDays(bad, "calling_guardrails.call_days");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("calling_guardrails.call_days"), std::string::npos);
  }
}

TEST(GuardrailsTest, AmbiguousPolicyNames) {
  EXPECT_EQ(ParseAmbiguousZonePolicy("strictest"), AmbiguousZonePolicy::kStrictest);
  EXPECT_EQ(ParseAmbiguousZonePolicy(ToString(AmbiguousZonePolicy::kDefault)), AmbiguousZonePolicy::kDefault);
  EXPECT_FALSE(ParseAmbiguousZonePolicy("strict").has_value());
}

TEST(GuardrailsTest, ContactLimits) {
  auto ok = ParseContactLimits(json::parse(R"([{"max_calls": 3, "per_hours": 24}, {"max_calls": 100, "per_hours": 8760}])"),
                               "contact_limits");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1], (ContactLimit{100, 8760}));
  EXPECT_EQ(ContactLimitsJson(*ok), json::parse(R"([{"max_calls": 3, "per_hours": 24}, {"max_calls": 100, "per_hours": 8760}])"));
  EXPECT_TRUE(ParseContactLimits(nullptr, "contact_limits")->empty());
  const std::pair<const char*, const char*> bad[] = {
      {R"({"max_calls": 3})", "contact_limits "},
      {R"([{"max_calls": 0, "per_hours": 24}])", "contact_limits[0].max_calls"},
      {R"([{"max_calls": 101, "per_hours": 24}])", "contact_limits[0].max_calls"},
      {R"([{"max_calls": 1, "per_hours": 8761}])", "contact_limits[0].per_hours"},
      {R"([{"max_calls": 1, "per_hours": 2.5}])", "contact_limits[0].per_hours"},
      {R"([{"max_calls": 1}])", "contact_limits[0].per_hours"},
      {R"([{"max_calls": 1, "per_hours": 1, "x": 1}])", "contact_limits[0].x"},
      {R"([{"max_calls":1,"per_hours":1},{"max_calls":1,"per_hours":1},{"max_calls":1,"per_hours":1},{"max_calls":1,"per_hours":1},{"max_calls":1,"per_hours":1}])",
       "at most 4"},
  };
  for (const auto& [text, field] : bad) {
    auto r = ParseContactLimits(json::parse(text), "contact_limits");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace batchcall
