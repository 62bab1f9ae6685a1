// Expectations were checked against python3-phonenumbers 8.12.57:
//   /usr/bin/python3 -c 'import phonenumbers as p; from phonenumbers import timezone as t;
//     print(t.time_zones_for_number(p.parse("+61412345678")))'
// (its Asia/Calcutta appears here under the current name Asia/Kolkata).
#include "phone/number_timezones.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Zones(TimeZoneList list) { return {list.begin(), list.end()}; }

TEST(NumberTimeZonesTest, UsFixedLineOrMobileUsesAreaCode) {
  EXPECT_THAT(Zones(TimeZonesForNumber("+14155552671")), ElementsAre("America/Los_Angeles"));
  EXPECT_THAT(Zones(TimeZonesForNumber("+12125551234")), ElementsAre("America/New_York"));
  EXPECT_EQ(SingleTimeZoneForNumber("+14155552671"), "America/Los_Angeles");
  EXPECT_EQ(SingleTimeZoneForNumber("+12125551234"), "America/New_York");
}

TEST(NumberTimeZonesTest, IndiaUsesCurrentZoneName) {
  EXPECT_THAT(Zones(TimeZonesForNumber("+919876543210")), ElementsAre("Asia/Kolkata"));
  EXPECT_EQ(SingleTimeZoneForNumber("+919876543210"), "Asia/Kolkata");
}

TEST(NumberTimeZonesTest, UkMobileGetsTheWholeCountrysZones) {
  EXPECT_THAT(Zones(TimeZonesForNumber("+447911123456")),
              ElementsAre("Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Jersey",
                          "Europe/London"));
  EXPECT_EQ(SingleTimeZoneForNumber("+447911123456"), std::nullopt);
}

TEST(NumberTimeZonesTest, AustralianMobileIsAmbiguous) {
  EXPECT_THAT(Zones(TimeZonesForNumber("+61412345678")),
              ElementsAre("Australia/Adelaide", "Australia/Brisbane", "Australia/Eucla",
                          "Australia/Lord_Howe", "Australia/Perth", "Australia/Sydney",
                          "Indian/Christmas", "Indian/Cocos"));
  EXPECT_EQ(SingleTimeZoneForNumber("+61412345678"), std::nullopt);
  // The raw prefix table says Sydney for "614": that is why the number type matters.
  EXPECT_THAT(Zones(TimeZonesForPrefix("+61412345678")), ElementsAre("Australia/Sydney"));
}

TEST(NumberTimeZonesTest, OneZoneCountriesAndGeographicalMobiles) {
  EXPECT_EQ(SingleTimeZoneForNumber("+33612345678"), "Europe/Paris");   // FR mobile
  EXPECT_EQ(SingleTimeZoneForNumber("+33112345678"), "Europe/Paris");   // FR fixed line
  EXPECT_EQ(SingleTimeZoneForNumber("+390612345678"), "Europe/Rome");   // IT, leading 0 kept
  EXPECT_EQ(SingleTimeZoneForNumber("+5511987654321"), "America/Sao_Paulo");  // BR mobile
  EXPECT_EQ(SingleTimeZoneForNumber("+8613800138000"), "Asia/Shanghai");      // CN mobile
}

TEST(NumberTimeZonesTest, RussianMobileIsAmbiguous) {
  EXPECT_EQ(TimeZonesForNumber("+79161234567").size(), 16u);
  EXPECT_EQ(SingleTimeZoneForNumber("+79161234567"), std::nullopt);
}

TEST(NumberTimeZonesTest, LongestPrefixWins) {
  // "12082" -> Boise + Los_Angeles; "1208201" -> Denver.
  EXPECT_THAT(Zones(TimeZonesForNumber("+12085550123")),
              ElementsAre("America/Boise", "America/Los_Angeles"));
  EXPECT_EQ(SingleTimeZoneForNumber("+12085550123"), std::nullopt);
  EXPECT_THAT(Zones(TimeZonesForNumber("+12082012345")), ElementsAre("America/Denver"));
  EXPECT_THAT(Zones(TimeZonesForPrefix("+12082012345")), ElementsAre("America/Denver"));
}

TEST(NumberTimeZonesTest, UnknownCountryCodesAreEmpty) {
  EXPECT_THAT(Zones(TimeZonesForNumber("+80012345678")), IsEmpty());  // intl. freephone
  EXPECT_EQ(SingleTimeZoneForNumber("+80012345678"), std::nullopt);
  EXPECT_THAT(Zones(TimeZonesForNumber("+99912345")), IsEmpty());  // unassigned code
  EXPECT_THAT(Zones(TimeZonesForPrefix("+99912345")), IsEmpty());
}

TEST(NumberTimeZonesTest, UnclassifiableNumberFallsBackToItsCountry) {
  // libphonenumber says "unknown" for these; the country is still known.
  EXPECT_EQ(SingleTimeZoneForNumber("+3312"), "Europe/Paris");
  EXPECT_EQ(TimeZonesForNumber("+4420").size(), 4u);
}

TEST(NumberTimeZonesTest, GarbageIsEmpty) {
  for (const char* bad : {"", "+", "14155552671", "+1415abc2671", "+1 415 555 2671",
                          "++14155552671", "+1234567890123456", "+\xd9\xa1\xd9\xa2"}) {
    EXPECT_THAT(Zones(TimeZonesForNumber(bad)), IsEmpty()) << bad;
    EXPECT_THAT(Zones(TimeZonesForPrefix(bad)), IsEmpty()) << bad;
    EXPECT_EQ(SingleTimeZoneForNumber(bad), std::nullopt) << bad;
  }
}

TEST(NumberTimeZonesTest, CountryCodeLookup) {
  EXPECT_EQ(TimeZonesForCountryCode("44").size(), 4u);
  EXPECT_THAT(Zones(TimeZonesForCountryCode("91")), ElementsAre("Asia/Kolkata"));
  EXPECT_EQ(TimeZonesForCountryCode("1").size(), 42u);
  EXPECT_THAT(Zones(TimeZonesForCountryCode("800")), IsEmpty());
  EXPECT_THAT(Zones(TimeZonesForCountryCode("")), IsEmpty());
  EXPECT_THAT(Zones(TimeZonesForCountryCode("4x")), IsEmpty());
  EXPECT_THAT(Zones(TimeZonesForCountryCode("1234")), IsEmpty());
}

TEST(NumberTimeZonesTest, TableIsCleanAndVersioned) {
  TimeZoneList all = AllNumberTimeZones();
  ASSERT_GT(all.size(), 200u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  for (std::string_view gone : {"Etc/Unknown", "Asia/Calcutta", "Asia/Katmandu", "Pacific/Truk"})
    EXPECT_FALSE(std::binary_search(all.begin(), all.end(), gone)) << gone;
  EXPECT_TRUE(std::binary_search(all.begin(), all.end(), std::string_view("Asia/Kolkata")));
  EXPECT_FALSE(NumberTimeZonesDataVersion().empty());
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

// TimeZonesForNumber caches, for valid North American numbers, whether the
// number is geographical per its first 7 digits (+1, area code, exchange).
// That holds only if libphonenumber's NANP types never depend on the last 4
// digits: checked here for every area code on a spread of exchanges.
TEST(NumberTimeZonesTest, NanpNumberTypeFollowsAreaCodeAndExchange) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  int compared = 0;
  for (int npa = 200; npa <= 999; ++npa) {
    for (int nxx : {200, 234, 345, 456, 555, 678, 789, 987}) {
      std::optional<PhoneNumberUtil::PhoneNumberType> seen;
      for (const char* line : {"0000", "0123", "5555", "9999"}) {
        const std::string e164 = "+1" + std::to_string(npa) + std::to_string(nxx) + line;
        PhoneNumber n;
        ASSERT_EQ(util.Parse(e164, "ZZ", &n), PhoneNumberUtil::NO_PARSING_ERROR) << e164;
        if (!util.IsValidNumber(n)) continue;
        const auto type = util.GetNumberType(n);
        if (seen) {
          EXPECT_EQ(*seen, type) << e164;
          ++compared;
        }
        seen = type;
      }
    }
  }
  EXPECT_GT(compared, 5000);
}

TEST(NumberTimeZonesTest, CachedNanpAnswersMatchTheFirstOnes) {
  const auto first = std::vector<std::string_view>(TimeZonesForNumber("+18005550123").begin(),
                                                    TimeZonesForNumber("+18005550123").end());
  EXPECT_GT(first.size(), 5u);  // toll-free: the whole of NANP
  const auto again = TimeZonesForNumber("+18005559876");
  EXPECT_EQ(std::vector<std::string_view>(again.begin(), again.end()), first);
  EXPECT_EQ(SingleTimeZoneForNumber("+12125550123"), "America/New_York");
  EXPECT_EQ(SingleTimeZoneForNumber("+12125559999"), "America/New_York");
  EXPECT_EQ(SingleTimeZoneForNumber("+13055550000"), "America/New_York");
}

}  // namespace
}  // namespace batchcall
