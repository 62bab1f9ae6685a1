#include "compliance/us_states.h"
#include "phone/number_timezones.h"

#include <gtest/gtest.h>
#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/locid.h>

#include <algorithm>
#include <map>

namespace batchcall {
namespace {

TEST(UsStatesTest, StatesFromAreaCodes) {
  EXPECT_EQ(UsStateForNumber("+13055550123"), "FL");
  EXPECT_EQ(UsStateForNumber("+12125550123"), "NY");
  EXPECT_EQ(UsStateForNumber("+14055550199"), "OK");
  EXPECT_EQ(UsStateForNumber("+12145550123"), "TX");
  EXPECT_EQ(UsStateForNumber("+12065551234"), "WA");  // "Washington State"
  EXPECT_EQ(UsStateForNumber("+12025551234"), "DC");  // "Washington D.C."
  EXPECT_EQ(UsStateForNumber("+17135551234"), "TX");  // 713: only "Houston, TX" exchanges listed
  EXPECT_EQ(UsStateForNumber("+12016311234"), "NY");  // the geocoder's own exception inside 201 (NJ)
  EXPECT_EQ(UsStateForNumber("+12015551234"), "NJ");
}

TEST(UsStatesTest, NoStateForOthers) {
  EXPECT_FALSE(UsStateForNumber("+18005550123").has_value());   // toll-free: "United States"
  EXPECT_FALSE(UsStateForNumber("+14165550123").has_value());   // Toronto
  EXPECT_FALSE(UsStateForNumber("+18765550123").has_value());   // Jamaica
  EXPECT_FALSE(UsStateForNumber("+442071234567").has_value());  // not +1
  for (const char* bad : {"", "+", "+1", "13055550123", "+1305x550123", "+130555501234567890"})
    EXPECT_FALSE(UsStateForNumber(bad).has_value()) << bad;
}

// The table agrees with the C++ offline geocoder (libgeocoding) of the linked
// libphonenumber on a sample of numbers from every area code the table names.
TEST(UsStatesTest, AgreesWithTheOfflineGeocoder) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberOfflineGeocoder;
  using i18n::phonenumbers::PhoneNumberUtil;
  PhoneNumberOfflineGeocoder geocoder;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  int compared = 0;
  std::map<std::string, std::string> spelled;  // geocoder text -> state
  for (int npa = 200; npa <= 999; ++npa) {
    for (const char* rest : {"2345678", "5550123", "9876543"}) {
      const std::string e164 = "+1" + std::to_string(npa) + rest;
      PhoneNumber n;
      if (util->Parse(e164, "ZZ", &n) != PhoneNumberUtil::NO_PARSING_ERROR || !util->IsValidNumber(n)) continue;
      const std::string text = geocoder.GetDescriptionForNumber(n, icu::Locale("en"));
      const auto state = UsStateForNumber(e164);
      // "United States": no area entry (an area code the table fills in
      // from its listed exchanges, such as 713).
      if (!state || text == "United States") continue;
      ++compared;
      // The geocoder names the state as ", ST", or spelled out: then every
      // number with that text has the same state in the table.
      ASSERT_FALSE(text.empty()) << e164;
      if (text.size() > 4 && text[text.size() - 4] == ',') {
        EXPECT_EQ(text.substr(text.size() - 2), *state) << e164 << " -> " << text;
      } else {
        auto [it, fresh] = spelled.emplace(text, std::string(*state));
        EXPECT_EQ(it->second, *state) << e164 << " -> " << text;
        (void)fresh;
      }
    }
  }
  EXPECT_EQ(spelled["Florida"], "FL");
  EXPECT_EQ(spelled["Washington State"], "WA");
  EXPECT_GT(compared, 600);
}

TEST(UsStatesTest, RegionsAndVersion) {
  EXPECT_EQ(RegionForNumber("+13055550123"), "US");
  EXPECT_EQ(RegionForNumber("+13055550124"), "US");  // cached area code
  EXPECT_EQ(RegionForNumber("+17875550123"), "PR");
  EXPECT_EQ(RegionForNumber("+14165550123"), "CA");
  EXPECT_EQ(RegionForNumber("+442071234567"), "GB");
  EXPECT_EQ(RegionForNumber("+18005550123"), "US");
  EXPECT_EQ(RegionForNumber("garbage"), "");
  EXPECT_EQ(UsStatesDataVersion().substr(0, 2), "8.");
  const auto codes = UsStateCodes();
  EXPECT_EQ(codes.size(), 51u);  // 50 states and DC
  EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));
}

}  // namespace
}  // namespace batchcall
