#include "phone/phone_validator.h"

#include <phonenumbers/phonenumberutil.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "phone/fast_rules.h"
#include "phone/phone_normalize.h"

namespace batchcall {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using phone_internal::CleanNumber;

const PhoneNumberUtil& Util() { return *PhoneNumberUtil::GetInstance(); }

// Immutable tables built once from libphonenumber's metadata and ICU.
struct Tables {
  std::bitset<1000> calling_codes;
  std::unordered_map<std::string, std::string> region_names;  // "GB" -> "United Kingdom"
};

const Tables& GetTables() {
  static const Tables* tables = [] {
    auto* t = new Tables();
    std::set<int> codes;
    Util().GetSupportedCallingCodes(&codes);
    for (int c : codes) {
      if (c > 0 && c < 1000) t->calling_codes.set(static_cast<size_t>(c));
    }
    std::set<std::string> regions;
    Util().GetSupportedRegions(&regions);
    for (const std::string& r : regions) {
      icu::UnicodeString name;
      icu::Locale("", r.c_str()).getDisplayCountry(icu::Locale::getEnglish(), name);
      std::string utf8;
      name.toUTF8String(utf8);
      t->region_names.emplace(r, utf8 == r ? std::string() : utf8);
    }
    return t;
  }();
  return *tables;
}

std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

PhoneCheck Reject(std::string_view code, std::string message) {
  PhoneCheck r;
  r.code = code;
  r.message = std::move(message);
  return r;
}

PhoneCheck Accept(std::string e164) {
  PhoneCheck r;
  r.ok = true;
  r.e164 = std::move(e164);
  return r;
}

std::string_view InvalidCode(PhoneValidationMode mode) {
  switch (mode) {
    case PhoneValidationMode::kStrict: return "invalid_number";
    case PhoneValidationMode::kPossible: return "impossible_number";
    case PhoneValidationMode::kE164: return "invalid_e164";
  }
  return "invalid_number";
}

// "United Kingdom (GB)", or "the non-geographic range +800".
std::string PlaceForCountryCode(int country_code) {
  std::string region;
  Util().GetRegionCodeForCountryCode(country_code, &region);
  std::string out;
  if (region == "001") {
    out.append("the non-geographic range +").append(std::to_string(country_code));
    return out;
  }
  const auto& names = GetTables().region_names;
  const auto it = names.find(region);
  if (it != names.end() && !it->second.empty()) out.append(it->second).append(" ");
  out.append("(").append(region).append(")");
  return out;
}

// The value in quotes, cut (on a character boundary) after 40 bytes.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out("\"");
  if (s.size() <= kMax) {
    out.append(s);
  } else {
    size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    out.append(s.substr(0, end)).append("...");
  }
  out.append("\"");
  return out;
}

// "\"x\"", or "a line break" / "the control character U+0001" for those.
std::string DescribeChar(std::string_view ch) {
  if (ch.size() != 1 || static_cast<unsigned char>(ch[0]) >= 0x20) return Quote(ch);
  if (ch[0] == '\n' || ch[0] == '\r') return "a line break";
  char buf[40];
  std::snprintf(buf, sizeof buf, "the control character U+%04X", static_cast<unsigned>(ch[0]));
  return buf;
}

// Prefix length (1..3) of digits that is an assigned country calling code, or 0.
int CountryCodeLength(std::string_view digits) {
  const auto& codes = GetTables().calling_codes;
  int value = 0;
  for (int len = 1; len <= 3 && len <= static_cast<int>(digits.size()); ++len) {
    value = value * 10 + (digits[static_cast<size_t>(len - 1)] - '0');
    if (value == 0) return 0;
    if (codes.test(static_cast<size_t>(value))) return len;
  }
  return 0;
}

PhoneCheck InvalidCountryCode(const std::string& shown) {
  std::string m = shown;
  if (shown.size() > 1 && shown[0] == '+' && shown[1] == '0') {
    m.append(" does not start with a country code (no country code starts with 0).");
  } else {
    m.append(" does not start with a country code in use.");
  }
  return Reject("invalid_country_code", std::move(m));
}

int DigitCount(const std::string& e164) { return static_cast<int>(e164.size()) - 1; }

// The PhoneNumber that Parse("+" + code + nsn) gives when it keeps the
// digits (no trunk prefix stripped): the national number as an integer and
// its leading zeros in italian_leading_zero / number_of_leading_zeros, as
// the library's own parser sets them.
void SetParsed(int country_code, std::string_view nsn, PhoneNumber* out) {
  out->Clear();
  out->set_country_code(country_code);
  uint64_t value = 0;
  for (char d : nsn) value = value * 10 + static_cast<uint64_t>(d - '0');
  out->set_national_number(value);
  if (nsn.size() > 1 && nsn[0] == '0') {
    out->set_italian_leading_zero(true);
    int zeros = 1;
    while (static_cast<size_t>(zeros) < nsn.size() - 1 && nsn[static_cast<size_t>(zeros)] == '0') ++zeros;
    if (zeros != 1) out->set_number_of_leading_zeros(zeros);
  }
}

}  // namespace

PhoneValidator::PhoneValidator(PhoneValidatorOptions options) : options_(std::move(options)) {
  options_.default_country = UpperAscii(options_.default_country);
  GetTables();
  // Built on first use (about 6 MB); e164 mode never asks it.
  if (options_.fast_path && options_.mode != PhoneValidationMode::kE164) phone_internal::FastRules::Get();
}

void PhoneValidator::Prepare() {
  GetTables();
  phone_internal::FastRules::Get();
}

bool PhoneValidator::IsKnownRegion(std::string_view region) {
  if (region.size() != 2) return false;
  return GetTables().region_names.count(UpperAscii(region)) > 0;
}

uint64_t PhoneValidator::Fingerprint(std::string_view raw) const {
  const CleanNumber c = phone_internal::Clean(raw, options_.default_country.empty());
  if (c.kind != CleanNumber::Kind::kOk) return 0;
  if (!c.plus && options_.default_country.empty()) return 0;
  return phone_internal::DigitsKey(c.Digits(), c.plus);
}

uint64_t PhoneValidator::E164Key(std::string_view e164) {
  if (e164.size() < 2 || e164.size() > 1 + phone_internal::kMaxE164Digits || e164[0] != '+') {
    return 0;
  }
  for (char c : e164.substr(1)) {
    if (c < '0' || c > '9') return 0;
  }
  return phone_internal::DigitsKey(e164.substr(1), true);
}

std::string PhoneValidator::E164FromKey(uint64_t key) {
  const size_t count = (key >> 1) & 31;
  uint64_t value = key >> 6;
  std::string out(count + 1, '0');
  out[0] = '+';
  for (size_t i = count; i >= 1 && value > 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

PhoneCheck PhoneValidator::Check(std::string_view raw) const {
  const bool has_region = !options_.default_country.empty();
  const CleanNumber c = phone_internal::Clean(raw, !has_region);
  switch (c.kind) {
    case CleanNumber::Kind::kEmpty:
      if (c.trimmed.empty()) return Reject("empty", "The contact_number is empty.");
      return Reject("empty", Quote(c.trimmed).append(" has no digits."));
    case CleanNumber::Kind::kExcel:
      return Reject("excel_scientific",
                    Quote(c.trimmed) +
                        " is in Excel scientific notation, which has lost digits; format the "
                        "column as Text and enter the full numbers again.");
    case CleanNumber::Kind::kBadChar:
      return Reject("invalid_characters",
                    Quote(c.trimmed) + " contains " + DescribeChar(c.bad_char) +
                        "; only digits, one leading '+', spaces, dashes, dots and parentheses "
                        "are allowed.");
    case CleanNumber::Kind::kTooLong:
      return Reject("too_long", Quote(c.trimmed) + " has " + std::to_string(c.total_digits) +
                                    " digits; a phone number has at most 15.");
    case CleanNumber::Kind::kOk:
      break;
  }
  std::string number;
  number.reserve(static_cast<size_t>(c.count) + 1);
  if (c.plus) number.push_back('+');
  number.append(c.Digits());
  if (!c.plus && !has_region) {
    return Reject("missing_country_code",
                  number +
                      " has no country code; write it with '+' and the country code (for "
                      "example +14155552671) or set a default country.");
  }
  if (c.plus && c.count == 0) return Reject("too_short", "\"+\" has no digits after the '+'.");
  if (c.plus && CountryCodeLength(c.Digits()) == 0) return InvalidCountryCode(number);

  if (options_.mode == PhoneValidationMode::kE164 && c.plus) {
    if (c.count < 7) {
      return Reject("too_short", number + " has " + std::to_string(c.count) +
                                     " digits; an E.164 number has at least 7.");
    }
    return Accept(std::move(number));
  }
  // The common case, a number written with '+': the fast path gives the
  // verdict without libphonenumber's Parse() and IsValidNumber(); a reject
  // is then explained below from the number as the library would have
  // parsed it.
  PhoneNumber parsed;
  PhoneNumberUtil::ErrorType err = PhoneNumberUtil::NO_PARSING_ERROR;
  bool known_invalid = false;
  if (c.plus && options_.fast_path) {
    const auto answer = phone_internal::FastRules::Get().Check(
        c.Digits(), options_.mode == PhoneValidationMode::kStrict);
    using Verdict = phone_internal::FastRules::Verdict;
    if (answer.verdict == Verdict::kValid) return Accept(std::move(number));
    if (answer.verdict == Verdict::kInvalid) {
      SetParsed(answer.country_code, c.Digits().substr(answer.code_digits), &parsed);
      known_invalid = true;
    }
  }
  if (!known_invalid) err = Util().Parse(number, c.plus ? "ZZ" : options_.default_country, &parsed);
  const auto acceptable = [&](const PhoneNumber& n) {
    switch (options_.mode) {
      case PhoneValidationMode::kStrict: return Util().IsValidNumber(n);
      // Local-only lengths (a number without its area code) cannot be dialled.
      case PhoneValidationMode::kPossible:
        return Util().IsPossibleNumberWithReason(n) == PhoneNumberUtil::IS_POSSIBLE;
      case PhoneValidationMode::kE164: return true;
    }
    return false;
  };
  if (c.double_zero && (err != PhoneNumberUtil::NO_PARSING_ERROR || !acceptable(parsed))) {
    // "00" is the international prefix in most of the world: try it as '+'
    // when the default country's own reading did not give a good number.
    PhoneNumber international;
    std::string plus_form("+");
    plus_form.append(number, 2);
    if (Util().Parse(plus_form, "ZZ", &international) == PhoneNumberUtil::NO_PARSING_ERROR &&
        acceptable(international)) {
      parsed = international;
      err = PhoneNumberUtil::NO_PARSING_ERROR;
    }
  }
  switch (err) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return InvalidCountryCode(number);
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Reject("too_short", number + " has too few digits to be a phone number.");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Reject("too_long", number + " has too many digits to be a phone number.");
    default:
      return Reject(InvalidCode(options_.mode), number + " is not a phone number.");
  }

  std::string e164;
  Util().Format(parsed, PhoneNumberUtil::E164, &e164);
  if (DigitCount(e164) > phone_internal::kMaxE164Digits) {
    return Reject("too_long", number + " has " + std::to_string(DigitCount(e164)) +
                                  " digits with its country code; a phone number has at most 15.");
  }
  if (options_.mode == PhoneValidationMode::kE164) {
    if (DigitCount(e164) < 7) {
      return Reject("too_short", number + " has too few digits to be a phone number.");
    }
    return Accept(std::move(e164));
  }
  if (!known_invalid && acceptable(parsed)) return Accept(std::move(e164));

  // Explain why: length first, then the trunk prefix, then the number ranges.
  const int cc = parsed.country_code();
  const std::string place = PlaceForCountryCode(cc);
  std::string cc_text("+");
  cc_text.append(std::to_string(cc));
  switch (Util().IsPossibleNumberWithReason(parsed)) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return InvalidCountryCode(number);
    case PhoneNumberUtil::TOO_SHORT:
      return Reject("too_short", number + " has too few digits for a number in " + place + ".");
    case PhoneNumberUtil::TOO_LONG:
      return Reject("too_long", number + " has too many digits for a number in " + place + ".");
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return Reject("too_short", number + " is too short for a number in " + place +
                                     ": it looks like a local number without its area code.");
    case PhoneNumberUtil::INVALID_LENGTH: {
      const std::string nsn = e164.substr(cc_text.size());
      if (options_.mode == PhoneValidationMode::kPossible) {
        return Reject("impossible_number", number + " cannot be a number in " + place + ": no number there has " +
                                               std::to_string(nsn.size()) + " digits after " + cc_text + ".");
      }
      return Reject("invalid_number", number + " is not a valid number in " + place + ": no number there has " +
                                          std::to_string(nsn.size()) + " digits after " + cc_text + ".");
    }
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
  }
  // Possible length but not valid (strict only). A '+' number whose digits
  // differ from the parsed ones had a national trunk prefix after the code.
  const std::string written_nsn =
      c.plus ? std::string(c.Digits().substr(cc_text.size() - 1)) : std::string();
  const std::string nsn = e164.substr(cc_text.size());
  if (c.plus && written_nsn != nsn && written_nsn.size() > nsn.size() &&
      written_nsn.compare(written_nsn.size() - nsn.size(), nsn.size(), nsn) == 0) {
    const std::string trunk = written_nsn.substr(0, written_nsn.size() - nsn.size());
    return Reject("invalid_number",
                  number + " is not a valid number in " + place + ": the " + trunk + " after " + cc_text +
                      " is a national trunk prefix, and without it " + nsn +
                      " matches no number range in use there.");
  }
  // Contact lists are mostly mobiles: say so when the length rules one out.
  const auto mobile = Util().IsPossibleNumberForTypeWithReason(parsed, PhoneNumberUtil::MOBILE);
  if (mobile == PhoneNumberUtil::TOO_SHORT || mobile == PhoneNumberUtil::TOO_LONG) {
    return Reject("invalid_number",
                  number + " is not a valid number in " + place + ": its " + std::to_string(nsn.size()) +
                      " digits after " + cc_text + " are too " +
                      (mobile == PhoneNumberUtil::TOO_SHORT ? "few" : "many") +
                      " for a mobile number there and match no other number range in use.");
  }
  return Reject("invalid_number", number + " is not a valid number in " + place + ": its " +
                                      std::to_string(nsn.size()) + " digits after " + cc_text +
                                      " match no number range in use there.");
}

}  // namespace batchcall
