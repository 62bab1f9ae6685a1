// Internal to bc_phone: the fast path of PhoneValidator::Check() for numbers
// written with '+'.
//
// libphonenumber's Parse() + IsValidNumber() spend most of their time in ICU
// regex matching behind one global regex cache. FastRules asks the same
// questions of the same data: it reads the serialized metadata that the
// linked libphonenumber loads itself (metadata_get()), compiles each region's
// patterns with RE2 and follows the library's steps for a '+' number: the
// country calling code, the region among those sharing it (leading digits,
// then number types, in the library's own region order), the possible
// lengths and the general and per-type patterns.
//
// It answers only when its answer is certain to be the library's: "valid
// (or possible), and the E.164 form is '+' and the digits as written", or
// "parsing keeps the digits as written (calling code, national number) and
// the number is not valid (not possible)": then the caller explains the
// reject with the library's own cheap length checks, without Parse() or
// IsValidNumber(). Anything else (a national trunk prefix that parsing could
// strip, too few digits, a region whose patterns RE2 could not compile) is
// "ask libphonenumber". The differential test in fast_rules_test.cc holds
// the two to the same verdicts, reject codes and messages.
//
// Thread-safe: built once, then read-only (RE2 matching is thread-safe).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace batchcall::phone_internal {

class FastRules {
 public:
  // The process-wide rules, built on first use (about 1,000 patterns).
  static const FastRules& Get();

  enum class Verdict : uint8_t {
    kUnknown,  // ask libphonenumber
    kValid,    // Parse() keeps the digits; IsValidNumber() (strict) or IS_POSSIBLE
    kInvalid,  // Parse() keeps the digits; not valid (strict) or not IS_POSSIBLE
  };
  struct Answer {
    Verdict verdict = Verdict::kUnknown;
    int country_code = 0;     // kValid, kInvalid: the calling code
    size_t code_digits = 0;   // its length: digits.substr(code_digits) is the national number
  };

  // digits: the digits after '+' (ASCII, at most 15).
  Answer Check(std::string_view digits, bool strict) const;
  bool Accepts(std::string_view digits, bool strict) const {
    return Check(digits, strict).verdict == Verdict::kValid;
  }

  // For a number Check(digits, strict=true) calls valid: its region
  // (GetRegionCodeForNumber()) and whether its type is geographical
  // (IsNumberGeographical(GetNumberType())), decided as the library does:
  // the types before fixed line in GetNumberTypeHelper()'s order are never
  // geographical; then fixed line (or fixed line or mobile) is; mobile is
  // where the library's own IsNumberGeographical(MOBILE, code) says so.
  // nullopt when Check() is not kValid (then ask libphonenumber). The
  // differential test in fast_rules_test.cc holds it to the library.
  struct Classification {
    std::string_view region;  // e.g. "US", "GB"; "001" for non-geographic entities
    bool geographical = false;
  };
  std::optional<Classification> Classify(std::string_view digits) const;

  // Calling codes whose every region compiled (for tests and the benchmark).
  int usable_codes() const { return usable_codes_; }

  FastRules(const FastRules&) = delete;
  FastRules& operator=(const FastRules&) = delete;
  ~FastRules();

 private:
  // The national significant number has 2..17 digits in libphonenumber.
  static constexpr size_t kMaxNsn = 17;

  // What one region's metadata says about a national number of one length.
  struct LengthRule {
    const re2::RE2* general = nullptr;    // null: the general description rules it out
    const re2::RE2* any_type = nullptr;   // alternation of the types that admit it; null: none
    bool possible = false;                // IsPossibleNumberWithReason() == IS_POSSIBLE
    // Classify(): the types tried before fixed line (all non-geographical),
    // fixed line, and mobile (when tried on its own); null: none admits it.
    const re2::RE2* before_fixed = nullptr;
    const re2::RE2* fixed_line = nullptr;
    const re2::RE2* mobile = nullptr;
  };
  struct Region {
    std::string id;
    const re2::RE2* leading_digits = nullptr;      // null: the metadata has none
    const re2::RE2* national_prefix = nullptr;     // longest-match; null: none
    bool mobile_geographical = false;              // IsNumberGeographical(MOBILE, its code)
    std::array<LengthRule, kMaxNsn + 1> by_length;
  };
  struct Code {
    bool usable = false;
    std::vector<const Region*> regions;  // libphonenumber's order, main region first
  };

  FastRules();
  const re2::RE2* Compile(const std::string& pattern, bool longest, bool* ok);
  bool IsValidIn(const Region& region, std::string_view nsn) const;
  // The region GetRegionCodeForNumber() picks among the code's regions
  // (nullptr: none); with `valid`, whether it is valid there.
  const Region* RegionOf(const Code& code, std::string_view nsn, bool* valid) const;

  std::vector<std::unique_ptr<re2::RE2>> patterns_;
  std::vector<std::unique_ptr<Region>> regions_;
  std::array<Code, 1000> codes_;
  int usable_codes_ = 0;
};

}  // namespace batchcall::phone_internal
