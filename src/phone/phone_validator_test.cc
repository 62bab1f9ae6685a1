#include "phone/phone_validator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace batchcall {
namespace {

constexpr auto kStrict = PhoneValidationMode::kStrict;
constexpr auto kPossible = PhoneValidationMode::kPossible;
constexpr auto kE164 = PhoneValidationMode::kE164;

struct Case {
  const char* raw;
  PhoneValidationMode mode;
  const char* region;  // default_country
  const char* code;    // "" when valid
  const char* e164;    // expected when valid
};

// One row per behaviour; real numbers from public examples.
const Case kCases[] = {
    // Plain valid international numbers, several countries.
    {"+14155552671", kStrict, "", "", "+14155552671"},
    {"+919876543210", kStrict, "", "", "+919876543210"},
    {"+447911123456", kStrict, "", "", "+447911123456"},
    {"+4930123456", kStrict, "", "", "+4930123456"},
    {"+33612345678", kStrict, "", "", "+33612345678"},
    {"+61412345678", kStrict, "", "", "+61412345678"},
    {"+5511987654321", kStrict, "", "", "+5511987654321"},
    // Normalisation: blanks, apostrophe, separators.
    {"  +14155552671  ", kStrict, "", "", "+14155552671"},
    {"'+61412345678", kStrict, "", "", "+61412345678"},
    {"' +61 412 345 678", kStrict, "", "", "+61412345678"},
    {"+1 (415) 555-2671", kStrict, "", "", "+14155552671"},
    {"+1.415.555.2671", kStrict, "", "", "+14155552671"},
    {"+44 7911 123456", kStrict, "", "", "+447911123456"},
    {"\xC2\xA0+14155552671\t", kStrict, "", "", "+14155552671"},
    {"(+1) 415 555 2671", kStrict, "", "", "+14155552671"},
    // Default country and the "00" prefix.
    {"(415) 555-2671", kStrict, "US", "", "+14155552671"},
    {"415-555-2671", kStrict, "us", "", "+14155552671"},
    {"09876543210", kStrict, "IN", "", "+919876543210"},
    {"9876543210", kStrict, "IN", "", "+919876543210"},
    {"07911 123456", kStrict, "GB", "", "+447911123456"},
    {"00447911123456", kStrict, "", "", "+447911123456"},
    {"00447911123456", kStrict, "IN", "", "+447911123456"},
    {"00447911123456", kStrict, "US", "", "+447911123456"},
    {"011 44 7911 123456", kStrict, "US", "", "+447911123456"},
    {"+14155552671", kStrict, "IN", "", "+14155552671"},
    // Missing country code.
    {"4155552671", kStrict, "", "missing_country_code", ""},
    {"(415) 555-2671", kPossible, "", "missing_country_code", ""},
    {"4155552671", kE164, "", "missing_country_code", ""},
    // Empty values.
    {"", kStrict, "", "empty", ""},
    {"   ", kStrict, "", "empty", ""},
    {"'", kStrict, "", "empty", ""},
    {"--", kStrict, "", "empty", ""},
    // Excel.
    {"9.19877E+11", kStrict, "", "excel_scientific", ""},
    {"9,19877E+11", kStrict, "", "excel_scientific", ""},
    {"4.15556E+10", kStrict, "US", "excel_scientific", ""},
    {"1E+12", kPossible, "", "excel_scientific", ""},
    // Characters.
    {"+1 415 CALL NOW", kStrict, "", "invalid_characters", ""},
    {"+14155552671 ext 2", kStrict, "", "invalid_characters", ""},
    {"+1415+5552671", kStrict, "", "invalid_characters", ""},
    {"+1/415/5552671", kStrict, "", "invalid_characters", ""},
    {"+1415555267\xC3\xA9", kStrict, "", "invalid_characters", ""},
    {"abc", kE164, "", "invalid_characters", ""},
    {"+1415\n5552671", kStrict, "", "invalid_characters", ""},
    // Length.
    {"+1234567890123456", kStrict, "", "too_long", ""},
    {"+1234567890123456", kE164, "", "too_long", ""},
    {"+4479111234567890", kStrict, "", "too_long", ""},
    {"+", kStrict, "", "too_short", ""},
    {"+447911", kStrict, "", "too_short", ""},
    {"+4412", kE164, "", "too_short", ""},
    // Country codes.
    {"+00021000000", kStrict, "", "invalid_country_code", ""},
    {"+9991234567", kStrict, "", "invalid_country_code", ""},
    {"+9991234567", kE164, "", "invalid_country_code", ""},
    // Strict vs possible vs e164.
    {"+11231237890", kStrict, "", "invalid_number", ""},
    {"+11231237890", kPossible, "", "", "+11231237890"},
    {"+11231237890", kE164, "", "", "+11231237890"},
    {"+44999999007", kStrict, "", "invalid_number", ""},
    {"+44999999007", kE164, "", "", "+44999999007"},
    {"+91012345678", kStrict, "", "invalid_number", ""},
    {"+4407911123456", kStrict, "", "", "+447911123456"},
    {"+4407911123456", kE164, "", "", "+4407911123456"},
    {"+3361234", kPossible, "", "too_short", ""},
    {"+6161111111111", kPossible, "", "impossible_number", ""},
    {"+6161111111111", kStrict, "", "invalid_number", ""},
    {"+919876543210", kPossible, "", "", "+919876543210"},
    {"+919876543210", kE164, "", "", "+919876543210"},
    {"9876543210", kE164, "IN", "", "+919876543210"},
    {"09876543210", kE164, "IN", "", "+919876543210"},
};

TEST(PhoneValidator, Table) {
  ASSERT_GE(std::size(kCases), 40u);
  for (const Case& c : kCases) {
    PhoneValidator v({c.mode, c.region});
    const PhoneCheck r = v.Check(c.raw);
    SCOPED_TRACE(::testing::Message() << "raw=[" << c.raw << "] mode=" << ToString(c.mode)
                                      << " region=" << c.region << " -> code=" << r.code
                                      << " e164=" << r.e164 << " message=" << r.message);
    if (*c.code == '\0') {
      EXPECT_TRUE(r.ok);
      EXPECT_EQ(r.e164, c.e164);
      EXPECT_TRUE(r.code.empty());
    } else {
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.code, c.code);
      EXPECT_TRUE(r.e164.empty());
      // One sentence, ending with a full stop.
      ASSERT_FALSE(r.message.empty());
      EXPECT_EQ(r.message.back(), '.');
    }
  }
}

TEST(PhoneValidator, MessagesNameTheProblem) {
  PhoneValidator strict({kStrict, ""});
  EXPECT_EQ(strict.Check("+11231237890").message,
            "+11231237890 is not a valid number in United States (US): its 10 digits after +1 "
            "match no number range in use there.");
  EXPECT_NE(strict.Check("9.19877E+11").message.find("format the column as Text"),
            std::string::npos);
  EXPECT_NE(strict.Check("4155552671").message.find("country code"), std::string::npos);
  EXPECT_NE(strict.Check("+1 415 CALL").message.find("\"C\""), std::string::npos);
  EXPECT_NE(strict.Check("+91012345678").message.find("trunk prefix"), std::string::npos);
  EXPECT_NE(strict.Check("+91012345678").message.find("India (IN)"), std::string::npos);
  EXPECT_EQ(strict.Check("+1415\n5552671").message,
            "\"+1415\n5552671\" contains a line break; only digits, one leading '+', spaces, "
            "dashes, dots and parentheses are allowed.");
  EXPECT_EQ(strict.Check(std::string(50, 'x')).message.substr(0, 46),
            "\"" + std::string(40, 'x') + "...\" ");
  EXPECT_EQ(strict.Check("+00021000000").message,
            "+00021000000 does not start with a country code (no country code starts with 0).");
}

TEST(PhoneValidator, KnownRegions) {
  EXPECT_TRUE(PhoneValidator::IsKnownRegion("US"));
  EXPECT_TRUE(PhoneValidator::IsKnownRegion("in"));
  EXPECT_FALSE(PhoneValidator::IsKnownRegion("XX"));
  EXPECT_FALSE(PhoneValidator::IsKnownRegion(""));
  EXPECT_FALSE(PhoneValidator::IsKnownRegion("USA"));
}

TEST(PhoneValidator, FingerprintMatchesE164Key) {
  PhoneValidator v({kStrict, ""});
  const uint64_t k = v.Fingerprint("' +1 (415) 555-2671");
  EXPECT_NE(k, 0u);
  EXPECT_EQ(k, PhoneValidator::E164Key("+14155552671"));
  EXPECT_EQ(PhoneValidator::E164FromKey(k), "+14155552671");
  EXPECT_EQ(v.Fingerprint("00447911123456"), PhoneValidator::E164Key("+447911123456"));
  EXPECT_EQ(v.Fingerprint("4155552671"), 0u);  // no country code: no fast path
  EXPECT_EQ(v.Fingerprint("abc"), 0u);
  EXPECT_EQ(v.Fingerprint("+"), 0u);
  // Leading zeros are kept apart.
  EXPECT_NE(PhoneValidator::E164Key("+0012"), PhoneValidator::E164Key("+012"));
  EXPECT_EQ(PhoneValidator::E164FromKey(PhoneValidator::E164Key("+0012")), "+0012");
  EXPECT_EQ(PhoneValidator::E164FromKey(PhoneValidator::E164Key("+999999999999999")),
            "+999999999999999");
  EXPECT_EQ(PhoneValidator::E164Key("+1234567890123456"), 0u);
  EXPECT_EQ(PhoneValidator::E164Key("14155552671"), 0u);

  PhoneValidator us({kStrict, "US"});
  const uint64_t national = us.Fingerprint("(415) 555-2671");
  EXPECT_NE(national, 0u);
  EXPECT_EQ(national, us.Fingerprint("415.555.2671"));
  EXPECT_NE(national, us.Fingerprint("+14155552671"));
}

TEST(PhoneValidator, SafeFromManyThreadsAtOnce) {
  // Exercised under the sanitizers; results must not depend on interleaving.
  PhoneValidator v({kStrict, ""});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) ok += v.Check("+14155552671").ok ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 800);
}

}  // namespace
}  // namespace batchcall
