// Which US state a phone number belongs to.
//
// The state comes from libphonenumber's own geocoding data: a table of +1
// prefixes -> state generated at build time (scripts/gen_us_states.py) from
// python3-phonenumbers' geodata, the same data and version as the C++
// offline geocoder (libgeocoding). Longest listed prefix wins: "+1201631..."
// is New York although area code 201 is New Jersey, because the geocoder
// says so.
//
// Thread-safe: constant tables. (A number's region: RegionForNumber in
// phone/number_timezones.h.)
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace batchcall {

// The USPS code of the number's state ("FL"; "DC" for Washington D.C.), or
// nullopt: not +1, a Canadian or Caribbean number, toll-free, a prefix the
// geocoder names no state for, malformed input. `e164` is "+1" and digits.
std::optional<std::string_view> UsStateForNumber(std::string_view e164);

// Every state code the table can return, sorted.
std::span<const std::string_view> UsStateCodes();

// The phonenumbers version the table was generated from (== the linked
// libphonenumber's, checked by a test).
std::string_view UsStatesDataVersion();


}  // namespace batchcall
