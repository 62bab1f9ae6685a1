// Contact number normalisation and validation (libphonenumber).
//
// Thread-safe: Check() and Fingerprint() are const and may be called from
// many threads; the static helpers are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/model.h"

namespace batchcall {

// Outcome of checking one raw contact_number value. When ok, e164 holds the
// normalised number ("+14155552671"); otherwise code is one of the stable
// report codes below and message one sentence for a human.
//
// Codes: "empty", "excel_scientific", "missing_country_code",
// "invalid_characters", "too_long", "too_short", "invalid_country_code",
// "invalid_number" (strict), "impossible_number" (possible), "invalid_e164"
// (e164 mode). docs/csv_format.md describes each one.
struct PhoneCheck {
  bool ok = false;
  std::string e164;
  std::string code;
  std::string message;
};

struct PhoneValidatorOptions {
  PhoneValidationMode mode = PhoneValidationMode::kStrict;
  // ISO 3166 region (e.g. "IN", case-insensitive) applied to numbers without
  // '+'. Empty: such numbers are rejected as missing_country_code (except a
  // leading "00", which is then read as '+'). Must satisfy IsKnownRegion().
  std::string default_country;
  // Numbers written with '+' are first tried on the fast path (fast_rules.h),
  // which gives libphonenumber's verdict without calling it where it can.
  // false: every number goes to libphonenumber (the differential test's
  // reference).
  bool fast_path = true;
};

class PhoneValidator {
 public:
  explicit PhoneValidator(PhoneValidatorOptions options);
  // Normalises (trim; drop one leading apostrophe; drop spaces, dashes, dots and
  // parentheses) and validates per the mode.
  PhoneCheck Check(std::string_view raw) const;

  // A cheap (no libphonenumber) 64-bit key of raw's normalised digits, or 0
  // when raw fails the cheap syntax checks. Contract: two values with the
  // same non-zero fingerprint get the same Check() verdict and e164; for a
  // value written with '+' (or "00" without a default country) the key equals
  // E164Key() of "+" followed by its digits.
  uint64_t Fingerprint(std::string_view raw) const;

  // Key of an E.164 string "+<1..15 digits>" (as produced by Check()), never 0;
  // 0 when e164 is not of that shape. Distinct numbers get distinct keys.
  static uint64_t E164Key(std::string_view e164);
  // Inverse of E164Key() for keys of '+' numbers: "+14155552671".
  static std::string E164FromKey(uint64_t key);

  // True when region is a region libphonenumber knows ("US", "in", ...).
  static bool IsKnownRegion(std::string_view region);

  // Builds what the first strict or possible check would otherwise build
  // (libphonenumber's tables, the fast path's compiled patterns: about
  // 40 ms). A server calls it on a thread of its own at start, so the first
  // upload does not wait for it.
  static void Prepare();

 private:
  PhoneValidatorOptions options_;
};

}  // namespace batchcall
