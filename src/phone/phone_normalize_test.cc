#include "phone/phone_normalize.h"

#include <gtest/gtest.h>

#include <string>

#include "phone/phone_validator.h"

namespace batchcall::phone_internal {
namespace {

TEST(CleanTest, DoubleZeroIsReadAsPlus) {
  CleanNumber c = Clean("0044 20 7946 0958", /*zeros_mean_plus=*/true);
  EXPECT_EQ(c.kind, CleanNumber::Kind::kOk);
  EXPECT_TRUE(c.plus);
  EXPECT_EQ(c.Digits(), "442079460958");
}

// Regression (issue 13 finding 8, found by libFuzzer): "00" and 18 or more
// digits shifted digits[2..20) into digits[0..18), reading past the array.
TEST(CleanTest, DoubleZeroWithEighteenOrMoreDigitsStaysInBounds) {
  for (int n = 13; n <= 40; ++n) {
    const std::string raw = "00" + std::string(1, '1') + std::string(n - 1, '2');
    CleanNumber c = Clean(raw, /*zeros_mean_plus=*/true);
    EXPECT_TRUE(c.plus) << n;
    EXPECT_EQ(c.total_digits, n) << n;
    EXPECT_EQ(c.kind, n > kMaxE164Digits ? CleanNumber::Kind::kTooLong : CleanNumber::Kind::kOk) << n;
    ASSERT_LE(c.count, kMaxNationalDigits);
    ASSERT_GT(c.count, 0);
    EXPECT_EQ(c.Digits()[0], '1') << n;
    EXPECT_EQ(c.Digits().substr(1), std::string(c.count - 1, '2')) << n;
  }
}

TEST(CleanTest, TooLongNumbersThroughTheValidator) {
  PhoneValidator validator({PhoneValidationMode::kE164, ""});
  PhoneCheck check = validator.Check("00" + std::string(18, '9'));
  EXPECT_FALSE(check.ok);
  PhoneValidator strict({PhoneValidationMode::kStrict, "GB"});
  EXPECT_FALSE(strict.Check("00" + std::string(30, '4')).ok);
}

}  // namespace
}  // namespace batchcall::phone_internal
