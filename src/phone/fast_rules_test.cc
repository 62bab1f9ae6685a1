// The fast path against libphonenumber alone: the same verdict, reject code,
// message and E.164 for every input.
//
// The sample size comes from BATCHCALL_PHONE_DIFF_NUMBERS (default 200,000,
// the CI sample). The full run over 5M numbers (docs/csv_format.md):
//   BATCHCALL_PHONE_DIFF_NUMBERS=5000000 build/release/src/phone/phone_test --gtest_filter='FastRules*'
#include "phone/fast_rules.h"

#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "phone/phone_validator.h"

namespace batchcall {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& Util() { return *PhoneNumberUtil::GetInstance(); }

// The validators compared: every mode with a check behind it, with and
// without a default country (the default only changes numbers without '+').
const char* const kRegions[] = {"", "US", "IN", "GB", "DE", "AU", "BR", "AR", "IT", "MX", "RU", "CN"};
constexpr int kRegionCount = sizeof kRegions / sizeof kRegions[0];
constexpr PhoneValidationMode kModes[] = {PhoneValidationMode::kStrict, PhoneValidationMode::kPossible};

struct Input {
  std::string raw;
  int mode = 0;    // index into kModes
  int region = 0;  // index into kRegions
};

size_t SampleSize() {
  const char* env = std::getenv("BATCHCALL_PHONE_DIFF_NUMBERS");
  if (env == nullptr || *env == '\0') return 200000;
  return static_cast<size_t>(std::strtoull(env, nullptr, 10));
}

std::string E164(const PhoneNumber& n) {
  std::string out;
  Util().Format(n, PhoneNumberUtil::E164, &out);
  return out;
}

// Every example number libphonenumber has: per region and type, the invalid
// example per region, and per non-geographic code and type.
std::vector<PhoneNumber> ExampleNumbers() {
  std::vector<PhoneNumber> out;
  std::set<std::string> regions;
  Util().GetSupportedRegions(&regions);
  for (const std::string& region : regions) {
    std::set<PhoneNumberUtil::PhoneNumberType> types;
    Util().GetSupportedTypesForRegion(region, &types);
    for (auto type : types) {
      PhoneNumber n;
      if (Util().GetExampleNumberForType(region, type, &n)) out.push_back(n);
    }
    PhoneNumber invalid;
    if (Util().GetInvalidExampleNumber(region, &invalid)) out.push_back(invalid);
  }
  std::set<int> global;
  Util().GetSupportedGlobalNetworkCallingCodes(&global);
  for (int code : global) {
    PhoneNumber n;
    if (Util().GetExampleNumberForNonGeoEntity(code, &n)) out.push_back(n);
  }
  // Every type across all regions and non-geographic entities.
  for (int type = PhoneNumberUtil::FIXED_LINE; type <= PhoneNumberUtil::UNKNOWN; ++type) {
    PhoneNumber n;
    if (Util().GetExampleNumberForType(static_cast<PhoneNumberUtil::PhoneNumberType>(type), &n)) out.push_back(n);
  }
  return out;
}

// Values from hostile contact files: separators, stray characters, Excel
// notation, trunk prefixes after the code, too many or too few digits.
const char* const kHostile[] = {
    "", " ", "+", "++14155552671", "+ 1 415 555 2671", "+1-415-555-2671 ", "'+14155552671",
    "+1 (415) 555-2671", "(+44) 07911 123456", "+440 7911 123456", "+44 (0) 7911 123456",
    "+4907911123456", "+9109876543210", "+390612345678", "+39 06 1234 5678", "+0014155552671",
    "+001", "+1", "+12", "+123", "+999999999999999", "+1234567890123456", "9.19877E+11",
    "+14155552671x12", "+1 415 555 2671 ext 5", "+1\n4155552671", "+1\xC2\xA0" "4155552671",
    "\xEF\xBC\x8B" "14155552671", "+\xD9\xA1\xD9\xA4\xD9\xA1", "tel:+14155552671", "+1/4155552671",
    "+7 700 123 45 67", "+7 912 345 67 89", "+1 268 464 1234", "+1 800 555 0199", "+800 1234 5678",
    "+882 3456 7890", "+979 123456789", "+5491123456789", "+54 9 11 2345 6789", "+54 11 15 2345 6789",
    "+52 1 55 1234 5678", "+55 11 9 8765 4321", "+86 10 1234 5678", "+61 4 1234 5678",
    "+61 1300 123 456", "+262 692 12 34 56", "+590 690 00 12 34", "+47 79 12 34 56",
    "+358 18 1234567", "+44 1481 123456", "+44 1624 123456", "+1 787 555 0123", "+379 12345",
    "0000000000", "00", "000", "0044", "00447911123456", "011447911123456", "+0", "+00",
};

char RandomDigit(std::mt19937_64& rng) { return static_cast<char>('0' + rng() % 10); }

// e164 with its last k digits replaced by random ones (k from 1 to 4), or a
// digit added or dropped at the end: mostly valid numbers of the same ranges.
std::string Mutate(const std::string& e164, std::mt19937_64& rng) {
  std::string out = e164;
  switch (rng() % 8) {
    case 0:
      if (out.size() < 16) out.push_back(RandomDigit(rng));
      return out;
    case 1:
      if (out.size() > 2) out.pop_back();
      return out;
    default: {
      const size_t k = 1 + rng() % 4;
      for (size_t i = 0; i < k && i + 2 < out.size(); ++i) out[out.size() - 1 - i] = RandomDigit(rng);
      return out;
    }
  }
}

// The same number as a person might type it: spaces, dashes, dots,
// parentheses around part of it, blanks at the ends.
std::string Decorate(const std::string& e164, std::mt19937_64& rng) {
  static const char kSeparators[] = {' ', '-', '.'};
  std::string out;
  if (rng() % 4 == 0) out.append("  ");
  for (size_t i = 0; i < e164.size(); ++i) {
    out.push_back(e164[i]);
    if (i > 0 && i + 1 < e164.size() && rng() % 3 == 0) out.push_back(kSeparators[rng() % 3]);
    if (i == 2 && rng() % 4 == 0) out.push_back('(');
    if (i == 5 && rng() % 4 == 0) out.push_back(')');
  }
  if (rng() % 4 == 0) out.push_back(' ');
  return out;
}

std::vector<Input> Inputs(size_t count) {
  std::mt19937_64 rng(20261205);
  std::vector<Input> inputs;
  inputs.reserve(count + 100000);
  const auto add = [&](std::string raw, int mode, int region) {
    inputs.push_back(Input{std::move(raw), mode, region});
  };
  const auto add_everywhere = [&](const std::string& raw) {
    for (int m = 0; m < 2; ++m) {
      for (int r = 0; r < kRegionCount; ++r) add(raw, m, r);
    }
  };

  // Every example, written four ways, in every mode and with every default.
  const std::vector<PhoneNumber> examples = ExampleNumbers();
  std::vector<std::string> e164s;
  for (const PhoneNumber& n : examples) {
    const std::string e164 = E164(n);
    e164s.push_back(e164);
    std::string international;
    Util().Format(n, PhoneNumberUtil::INTERNATIONAL, &international);
    std::string national;
    Util().Format(n, PhoneNumberUtil::NATIONAL, &national);
    add_everywhere(e164);
    add_everywhere(international);
    add_everywhere(national);
    add_everywhere("00" + e164.substr(1));
  }
  for (const char* raw : kHostile) add_everywhere(raw);

  std::set<int> codes;
  Util().GetSupportedCallingCodes(&codes);
  const std::vector<int> code_list(codes.begin(), codes.end());
  // Random digits of every plausible length after every code.
  for (int code : code_list) {
    const std::string cc = std::to_string(code);
    for (size_t len = 1; cc.size() + len <= 16; ++len) {
      std::string raw = "+" + cc;
      for (size_t i = 0; i < len; ++i) raw.push_back(RandomDigit(rng));
      add(raw, static_cast<int>(rng() % 2), 0);
    }
  }
  // The rest: mutated examples (most of them valid numbers), written plain
  // or decorated, and some random numbers without '+'.
  while (inputs.size() < count) {
    const std::string& base = e164s[rng() % e164s.size()];
    const int mode = rng() % 4 == 0 ? 1 : 0;
    const int region = static_cast<int>(rng() % kRegionCount);
    switch (rng() % 10) {
      case 0: {
        std::string raw;
        const size_t len = 1 + rng() % 17;
        for (size_t i = 0; i < len; ++i) raw.push_back(RandomDigit(rng));
        add(std::move(raw), mode, region);
        break;
      }
      case 1: {
        const int code = code_list[rng() % code_list.size()];
        std::string raw = "+" + std::to_string(code);
        const size_t len = 1 + rng() % 14;
        for (size_t i = 0; i < len && raw.size() < 17; ++i) raw.push_back(RandomDigit(rng));
        add(std::move(raw), mode, region);
        break;
      }
      case 2:
      case 3:
        add(Decorate(Mutate(base, rng), rng), mode, region);
        break;
      default:
        add(Mutate(base, rng), mode, region);
        break;
    }
  }
  return inputs;
}

std::string Describe(const PhoneCheck& c) {
  return c.ok ? "ok " + c.e164 : c.code + ": " + c.message;
}

TEST(FastRulesTest, EveryCallingCodeCompiles) {
  std::set<int> codes;
  Util().GetSupportedCallingCodes(&codes);
  EXPECT_EQ(phone_internal::FastRules::Get().usable_codes(), static_cast<int>(codes.size()));
}

TEST(FastRulesTest, AnswersOnlyWhereParsingKeepsTheDigits) {
  const auto& rules = phone_internal::FastRules::Get();
  EXPECT_TRUE(rules.Accepts("14155552671", true));
  EXPECT_TRUE(rules.Accepts("447911123456", true));
  EXPECT_TRUE(rules.Accepts("12684641234", true));  // Antigua, found by leading digits
  EXPECT_TRUE(rules.Accepts("16135550123", true));  // Canada, found by number types
  // A trunk prefix after the code is the library's to strip and explain.
  EXPECT_FALSE(rules.Accepts("4407911123456", true));
  EXPECT_FALSE(rules.Accepts("11234567890", true));  // US national prefix 1
  EXPECT_FALSE(rules.Accepts("14155", true));        // too short: the library says why
  EXPECT_FALSE(rules.Accepts("0014155552671", true));
  EXPECT_FALSE(rules.Accepts("12", true));
  EXPECT_FALSE(rules.Accepts("1415555267a", true));
  // Known invalid: the digits as written, no range in use (the library
  // explains why), with the calling code split off.
  const auto unassigned = rules.Check("11234567890", true);  // NANP area code 123
  EXPECT_EQ(unassigned.verdict, phone_internal::FastRules::Verdict::kUnknown);  // "1" is a US trunk prefix
  const auto no_range = rules.Check("447700209961", true);  // 077 00: no range in use
  EXPECT_EQ(no_range.verdict, phone_internal::FastRules::Verdict::kInvalid);
  EXPECT_EQ(no_range.country_code, 44);
  EXPECT_EQ(no_range.code_digits, 2u);
  EXPECT_EQ(rules.Check("4407911123456", true).verdict, phone_internal::FastRules::Verdict::kUnknown);
  // Possible mode asks only for a possible length.
  EXPECT_TRUE(rules.Accepts("14155550000", false));
  EXPECT_FALSE(rules.Accepts("1415555000", false));
}

TEST(FastRulesTest, SameVerdictsAsLibphonenumber) {
  const std::vector<Input> inputs = Inputs(SampleSize());
  std::vector<PhoneValidator> fast;
  std::vector<PhoneValidator> reference;
  for (PhoneValidationMode mode : kModes) {
    for (const char* region : kRegions) {
      fast.emplace_back(PhoneValidatorOptions{mode, region, true});
      reference.emplace_back(PhoneValidatorOptions{mode, region, false});
    }
  }
  const auto& rules = phone_internal::FastRules::Get();
  std::atomic<size_t> next{0};
  std::atomic<size_t> mismatches{0};
  std::atomic<size_t> valid_plus{0};
  std::atomic<size_t> fast_accepted{0};
  std::atomic<size_t> invalid_plus{0};
  std::atomic<size_t> fast_rejected{0};
  std::mutex report_mutex;
  std::vector<std::string> reports;
  const auto work = [&] {
    constexpr size_t kStep = 512;
    for (;;) {
      const size_t begin = next.fetch_add(kStep);
      if (begin >= inputs.size()) return;
      const size_t end = std::min(inputs.size(), begin + kStep);
      for (size_t i = begin; i < end; ++i) {
        const Input& in = inputs[i];
        const size_t v = static_cast<size_t>(in.mode * kRegionCount + in.region);
        const PhoneCheck got = fast[v].Check(in.raw);
        const PhoneCheck want = reference[v].Check(in.raw);
        if (want.ok && !want.e164.empty() && in.raw.find('+') != std::string::npos) {
          ++valid_plus;
          if (rules.Accepts(want.e164.substr(1), in.mode == 0)) ++fast_accepted;
        }
        if (!want.ok && (want.code == "invalid_number" || want.code == "impossible_number") &&
            in.raw.size() > 1 && in.raw[0] == '+') {
          std::string digits;
          for (char ch : in.raw) {
            if (ch >= '0' && ch <= '9') digits.push_back(ch);
          }
          ++invalid_plus;
          if (rules.Check(digits, in.mode == 0).verdict == phone_internal::FastRules::Verdict::kInvalid) {
            ++fast_rejected;
          }
        }
        if (got.ok == want.ok && got.e164 == want.e164 && got.code == want.code &&
            got.message == want.message) {
          continue;
        }
        if (++mismatches <= 20) {
          std::lock_guard lock(report_mutex);
          reports.push_back("\"" + in.raw + "\" mode " + std::to_string(in.mode) + " region \"" +
                            kRegions[in.region] + "\": fast " + Describe(got) + " | library " +
                            Describe(want));
        }
      }
    }
  };
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  for (const std::string& r : reports) ADD_FAILURE() << r;
  EXPECT_EQ(mismatches.load(), 0u) << "of " << inputs.size() << " inputs";
  // The comparison means something only if the fast path answered: it must
  // take nearly every valid '+' number (the rest is trunk-prefix forms).
  ASSERT_GT(valid_plus.load(), inputs.size() / 4);
  EXPECT_GT(fast_accepted.load() * 100, valid_plus.load() * 95)
      << fast_accepted.load() << " of " << valid_plus.load();
  // And most numbers of no range in use, whose reject it explains.
  EXPECT_GT(fast_rejected.load() * 100, invalid_plus.load() * 80)
      << fast_rejected.load() << " of " << invalid_plus.load();
  std::printf("compared %zu inputs: %zu valid '+' numbers, %zu of them on the fast path; "
              "%zu '+' numbers of no range (or length) in use, %zu of them on the fast path\n",
              inputs.size(), valid_plus.load(), fast_accepted.load(), invalid_plus.load(),
              fast_rejected.load());
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

// Classify() against the library: for every valid number of the sample (the
// example numbers of every region and type, and their mutations), the same
// region as GetRegionCodeForNumber() and the same answer as
// IsNumberGeographical(GetNumberType()).
TEST(FastRulesTest, ClassifyAgreesWithLibphonenumber) {
  const auto& rules = phone_internal::FastRules::Get();
  const std::vector<Input> inputs = Inputs(SampleSize());
  size_t compared = 0, geographical = 0;
  for (const Input& in : inputs) {
    if (in.raw.empty() || in.raw[0] != '+') continue;
    const std::string digits = in.raw.substr(1);
    const auto c = rules.Classify(digits);
    if (!c) continue;
    PhoneNumber n;
    ASSERT_EQ(Util().Parse(in.raw, "ZZ", &n), PhoneNumberUtil::NO_PARSING_ERROR) << in.raw;
    ASSERT_TRUE(Util().IsValidNumber(n)) << in.raw;
    std::string region;
    Util().GetRegionCodeForNumber(n, &region);
    EXPECT_EQ(c->region, region) << in.raw;
    const bool geo = Util().IsNumberGeographical(Util().GetNumberType(n), n.country_code());
    EXPECT_EQ(c->geographical, geo) << in.raw << " type " << Util().GetNumberType(n);
    ++compared;
    geographical += geo;
  }
  EXPECT_GT(compared, 1000u);
  EXPECT_GT(geographical, 100u);
  EXPECT_LT(geographical, compared);
  EXPECT_FALSE(rules.Classify("1415555267").has_value());  // too short: not valid
  EXPECT_EQ(rules.Classify("18005550123")->geographical, false);
  EXPECT_EQ(rules.Classify("12125550123")->region, "US");
}

}  // namespace
}  // namespace batchcall
