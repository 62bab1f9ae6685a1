// Internal to bc_phone: the cheap first stage of PhoneValidator::Check(),
// turning a raw contact_number cell into digits without libphonenumber.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace batchcall::phone_internal {

// More digits than this is too_long whatever the mode (E.164 allows 15 after
// '+'; a national number may carry an international prefix such as 0011).
inline constexpr int kMaxNationalDigits = 19;
inline constexpr int kMaxE164Digits = 15;

struct CleanNumber {
  enum class Kind {
    kOk,        // digits[0..count) hold the number; plus tells how it was written
    kEmpty,     // nothing but blanks and separators
    kExcel,     // Excel scientific notation such as 9.19877E+11
    kBadChar,   // bad_char is the first character that is not allowed
    kTooLong,   // more digits than allowed (count says how many)
  };
  Kind kind = Kind::kEmpty;
  bool plus = false;          // written with '+' (or "00" read as '+')
  bool double_zero = false;   // written with a leading "00" that was not rewritten
  int count = 0;              // digits stored, at most kMaxNationalDigits
  int total_digits = 0;       // digits seen (may exceed count when kTooLong)
  char digits[kMaxNationalDigits] = {};
  std::string_view trimmed;   // raw without surrounding blanks and leading apostrophe
  std::string_view bad_char;  // UTF-8 sequence of the offending character (kBadChar)

  std::string_view Digits() const { return {digits, static_cast<size_t>(count)}; }
};

// Trims blanks (ASCII whitespace and U+00A0), drops one leading apostrophe,
// detects Excel scientific notation, drops spaces, tabs, U+00A0, '-', '.',
// '(' and ')' anywhere (a line break inside the value is a bad character),
// and accepts one '+' before the first digit. When
// zeros_mean_plus, a leading "00" followed by a non-zero digit is read as '+'.
// `out.trimmed` and `out.bad_char` point into raw.
CleanNumber Clean(std::string_view raw, bool zeros_mean_plus);

// 64-bit key of up to 17 digits plus the '+' flag; 0 when count is 0 or > 17.
uint64_t DigitsKey(std::string_view digits, bool plus);

}  // namespace batchcall::phone_internal
