// Which US state a phone number belongs to, and which region (country or
// territory) any number belongs to.
//
// The state comes from libphonenumber's own geocoding data: a table of +1
// prefixes -> state generated at build time (scripts/gen_us_states.py) from
// python3-phonenumbers' geodata, the same data and version as the C++
// offline geocoder (libgeocoding). Longest listed prefix wins: "+1201631..."
// is New York although area code 201 is New Jersey, because the geocoder
// says so.
//
// Thread-safe: constant tables, plus a mutex-guarded cache of region codes
// per North American area code.
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

// libphonenumber's region for the number ("US", "PR", "CA", "GB"), or "" when
// it has none (invalid numbers, non-geographic codes). For +1 numbers the
// answer is cached per area code once one valid number has shown it.
std::string RegionForNumber(std::string_view e164);

}  // namespace batchcall
