#include "phone/number_timezones.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <set>
#include <string>

#include "phone/fast_rules.h"

namespace batchcall {
namespace {

// Layout of the generated tables (see scripts/gen_number_timezones.py).
struct TzList {
  uint16_t offset;  // into kTzListZones
  uint16_t size;
};
struct TzPrefix {
  uint32_t digits;  // the prefix as a number; its length is implied by its section
  uint16_t list;    // into kTzLists
};

// Defines kTzLongestPrefix, kTzPhonenumbersVersion, kTzListZones, kTzLists,
// kTzPrefixes, kTzLengthStart and kTzAllZones. Generated into the build dir.
#include "number_timezones_data.inc"

static_assert(kTzLongestPrefix >= 3 && kTzLongestPrefix <= 9);
static_assert(std::size(kTzLengthStart) == kTzLongestPrefix + 2);
static_assert(std::size(kTzLists) > 0 && kTzLists[0].size == 0, "list 0 must be the empty list");

constexpr size_t kMaxE164Digits = 15;

// Digits of "+<1..15 ASCII digits>", or an empty view when e164 is not of that shape.
std::string_view E164Digits(std::string_view e164) {
  if (e164.size() < 2 || e164.size() > kMaxE164Digits + 1 || e164[0] != '+') return {};
  std::string_view digits = e164.substr(1);
  for (char c : digits)
    if (c < '0' || c > '9') return {};
  return digits;
}

TimeZoneList ListAt(uint16_t index) {
  const TzList& l = kTzLists[index];
  return TimeZoneList(kTzListZones + l.offset, l.size);
}

// Index into kTzLists of the prefix `value` of exactly `length` digits.
std::optional<uint16_t> FindPrefix(uint32_t value, int length) {
  const TzPrefix* begin = kTzPrefixes + kTzLengthStart[length];
  const TzPrefix* end = kTzPrefixes + kTzLengthStart[length + 1];
  const TzPrefix* it = std::lower_bound(
      begin, end, value, [](const TzPrefix& p, uint32_t v) { return p.digits < v; });
  if (it == end || it->digits != value) return std::nullopt;
  return it->list;
}

// Longest-prefix match over digits (assumed all '0'..'9').
TimeZoneList LookupDigits(std::string_view digits) {
  const int max_len = std::min<int>(kTzLongestPrefix, static_cast<int>(digits.size()));
  uint32_t values[kTzLongestPrefix + 1] = {};
  for (int len = 1; len <= max_len; ++len)
    values[len] = values[len - 1] * 10 + static_cast<uint32_t>(digits[len - 1] - '0');
  for (int len = max_len; len >= 1; --len) {
    if (auto list = FindPrefix(values[len], len)) return ListAt(*list);
  }
  return {};
}

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// Length (1..3) of the country calling code digits start with; 0 when no
// assigned code matches. Calling codes are prefix-free.
size_t CountryCodeLength(std::string_view digits) {
  static const std::bitset<1000> kCodes = [] {
    std::set<int> codes;
    PhoneNumberUtil::GetInstance()->GetSupportedCallingCodes(&codes);
    std::bitset<1000> bits;
    for (int c : codes)
      if (c > 0 && c < 1000) bits.set(static_cast<size_t>(c));
    return bits;
  }();
  int value = 0;
  for (size_t len = 1; len <= 3 && len <= digits.size(); ++len) {
    value = value * 10 + (digits[len - 1] - '0');
    if (kCodes.test(static_cast<size_t>(value))) return len;
  }
  return 0;
}

// libphonenumber rejects a national number shorter than this.
constexpr size_t kMinNationalDigits = 2;

}  // namespace

TimeZoneList TimeZonesForPrefix(std::string_view e164) {
  std::string_view digits = E164Digits(e164);
  if (digits.empty()) return {};
  return LookupDigits(digits);
}

TimeZoneList TimeZonesForCountryCode(std::string_view country_code) {
  if (country_code.empty() || country_code.size() > 3) return {};
  uint32_t value = 0;
  for (char c : country_code) {
    if (c < '0' || c > '9') return {};
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  auto list = FindPrefix(value, static_cast<int>(country_code.size()));
  return list ? ListAt(*list) : TimeZoneList();
}

namespace {

// The libphonenumber path for numbers the fast rules cannot classify.
struct Parsed {
  bool ok = false;
  bool geographical = false;
  std::string region;
};

Parsed ParseAndClassify(std::string_view e164) {
  Parsed p;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return p;
  p.ok = true;
  const PhoneNumberUtil::PhoneNumberType type = util.GetNumberType(number);
  p.geographical = type != PhoneNumberUtil::UNKNOWN && util.IsNumberGeographical(type, number.country_code());
  util.GetRegionCodeForNumber(number, &p.region);
  if (p.region == "ZZ" || p.region == "001") p.region.clear();
  return p;
}

// want_region: also fill place.region (else left empty).
NumberPlace Place(std::string_view e164, bool want_region) {
  NumberPlace place;
  const std::string_view digits = E164Digits(e164);
  if (digits.empty()) return place;
  const size_t cc_length = CountryCodeLength(digits);
  const auto classified = phone_internal::FastRules::Get().Classify(digits);
  if (want_region && classified && classified->region != "001") place.region = std::string(classified->region);
  if (cc_length == 0 || digits.size() - cc_length < kMinNationalDigits) {
    if (want_region && !classified) place.region = ParseAndClassify(e164).region;
    return place;
  }
  // The answer is the prefix list or the country list; when they are the same
  // list (all one-zone countries, most non-geographical ranges) the number
  // type cannot change it.
  const TimeZoneList country = TimeZonesForCountryCode(digits.substr(0, cc_length));
  const TimeZoneList by_prefix = LookupDigits(digits);
  const bool same = by_prefix.data() == country.data() && by_prefix.size() == country.size();
  if (classified) {
    // Valid numbers: the fast rules classify them as the library would, without a parse.
    place.zones = same || classified->geographical ? by_prefix : country;
    return place;
  }
  if (same && !want_region) {
    place.zones = country;
    return place;
  }
  const Parsed parsed = ParseAndClassify(e164);
  if (!parsed.ok) return place;
  place.region = want_region ? parsed.region : std::string();
  place.zones = same || parsed.geographical ? by_prefix : country;
  return place;
}

}  // namespace

TimeZoneList TimeZonesForNumber(std::string_view e164) { return Place(e164, /*want_region=*/false).zones; }

NumberPlace PlaceOfNumber(std::string_view e164) { return Place(e164, /*want_region=*/true); }

std::string RegionForNumber(std::string_view e164) { return Place(e164, /*want_region=*/true).region; }

std::optional<std::string_view> SingleTimeZoneForNumber(std::string_view e164) {
  TimeZoneList zones = TimeZonesForNumber(e164);
  if (zones.size() != 1) return std::nullopt;
  return zones.front();
}

TimeZoneList AllNumberTimeZones() { return TimeZoneList(kTzAllZones); }

std::string_view NumberTimeZonesDataVersion() { return kTzPhonenumbersVersion; }

}  // namespace batchcall
