// Phone number -> IANA time zones (who is where, for calling hours).
//
// The prefix table is generated at build time by
// scripts/gen_number_timezones.py from Debian's python3-phonenumbers
// (phonenumbers.tzdata, the same data as libphonenumber's
// PhoneNumberToTimeZonesMapper, which Debian's C++ library lacks). Zone names
// are current IANA names (deprecated spellings such as Asia/Calcutta are
// rewritten to Asia/Kolkata by the generator).
//
// Thread-safe: every function is a pure lookup over constant tables (plus
// libphonenumber's thread-safe singleton in TimeZonesForNumber).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace batchcall {

// A list of zone names, sorted, without duplicates. Views into static
// storage: valid for the life of the program. Empty means "not known".
using TimeZoneList = std::span<const std::string_view>;

// Zones of the number's region, like libphonenumber's
// PhoneNumberToTimeZonesMapper::GetTimeZonesForNumber:
//  - geographical numbers (fixed lines; mobiles only in the few countries
//    whose mobile numbers are geographical, e.g. BR, CN, MX) get the zones of
//    the longest matching prefix ("+1415..." -> America/Los_Angeles);
//  - other numbers (most mobiles, toll-free, ...) get the zones of their
//    whole country ("+614..." -> all of Australia's zones);
//  - numbers libphonenumber cannot classify (invalid for their country) also
//    get their country's zones. (Deliberate difference from libphonenumber,
//    which answers "unknown": the country is still known, and a one-zone
//    country then still has its zone.)
// `e164` is "+" and 1..15 digits, matched as given: pass canonical E.164
// (PhoneValidator's output; libphonenumber would first drop a trunk "0" kept
// after the country code, as in "+3580...", which this lookup does not).
// Anything else, an unknown country code, a national number shorter than 2
// digits, or a region without data gives an empty list.
// Cost: a few binary searches (~0.1 us, no allocation) when the prefix and
// country lists agree (one-zone countries such as IN or FR); otherwise (US,
// AU, UK, ...) also the number's type: for valid numbers from the fast rules
// (RE2, a few us), for others one libphonenumber parse and type check
// (~20-40 us on the build machine, allocates).
TimeZoneList TimeZonesForNumber(std::string_view e164);

// libphonenumber's region for the number (GetRegionCodeForNumber: "US",
// "PR", "CA", "GB"), or "" when it has none (invalid numbers, non-geographic
// codes, malformed input). Valid numbers are answered by the fast rules
// (phone/fast_rules.h) without a parse.
std::string RegionForNumber(std::string_view e164);

// TimeZonesForNumber and RegionForNumber of one number, with one
// classification (what a caller wanting both pays once).
struct NumberPlace {
  TimeZoneList zones;
  std::string region;
};
NumberPlace PlaceOfNumber(std::string_view e164);

// The single zone of TimeZonesForNumber(e164); nullopt when it has none or
// several.
std::optional<std::string_view> SingleTimeZoneForNumber(std::string_view e164);

// The zones of the longest table prefix of e164's digits, with no number-type
// check (libphonenumber's GetTimeZonesForGeographicalNumber): right for
// geographical numbers only. Empty for malformed input or no match. No
// allocation; a handful of binary searches.
TimeZoneList TimeZonesForPrefix(std::string_view e164);

// Zones listed for exactly this country calling code ("44" -> the UK's).
// Empty when cc is not 1..3 digits or has no entry.
TimeZoneList TimeZonesForCountryCode(std::string_view country_code);

// Every distinct zone name in the table, sorted (tests check each one exists
// in the tz database).
TimeZoneList AllNumberTimeZones();

// Version of python3-phonenumbers the table was generated from ("8.12.57").
std::string_view NumberTimeZonesDataVersion();

}  // namespace batchcall
