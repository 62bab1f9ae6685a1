// Contact number normalisation and validation (libphonenumber).
//
// Thread-safe: Check() is const and may be called from many threads.
#pragma once

#include <string>
#include <string_view>

#include "domain/model.h"

namespace batchcall {

// Outcome of checking one raw contact_number value. When ok, e164 holds the
// normalised number ("+14155552671"); otherwise code is one of the stable
// report codes below and message one sentence for a human.
//
// Codes: "empty", "excel_scientific", "missing_country_code",
// "invalid_characters", "too_long", "invalid_country_code", "invalid_number"
// (strict), "impossible_number" (possible), "invalid_e164" (e164 mode).
struct PhoneCheck {
  bool ok = false;
  std::string e164;
  std::string code;
  std::string message;
};

struct PhoneValidatorOptions {
  PhoneValidationMode mode = PhoneValidationMode::kStrict;
  // ISO 3166 region (e.g. "IN") applied to numbers without '+'. Empty: such
  // numbers are rejected as missing_country_code.
  std::string default_country;
};

class PhoneValidator {
 public:
  explicit PhoneValidator(PhoneValidatorOptions options);
  // Normalises (trim; drop one leading apostrophe; drop spaces, dashes, dots and
  // parentheses) and validates per the mode.
  PhoneCheck Check(std::string_view raw) const;

  // True when region is a region libphonenumber knows ("US", "IN", ...).
  static bool IsKnownRegion(std::string_view region);

 private:
  PhoneValidatorOptions options_;
};

}  // namespace batchcall
