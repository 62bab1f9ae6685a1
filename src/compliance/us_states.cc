#include "compliance/us_states.h"

#include <algorithm>
#include <cstdint>

namespace batchcall {
namespace {

struct UsStatePrefix {
  uint32_t digits;  // the prefix as a number, country code 1 included
  int length;       // digits in the prefix
  int state;        // index into kUsStateCodes, or -1: no state
};

#include "us_states_data.inc"

constexpr bool kSorted = [] {
  for (size_t i = 1; i < std::size(kUsStatePrefixes); ++i) {
    const auto& a = kUsStatePrefixes[i - 1];
    const auto& b = kUsStatePrefixes[i];
    if (a.length > b.length || (a.length == b.length && a.digits >= b.digits)) return false;
  }
  return true;
}();
static_assert(kSorted, "kUsStatePrefixes must be sorted by (length, digits)");

constexpr int kLongest = [] {
  int n = 0;
  for (const auto& p : kUsStatePrefixes) n = std::max(n, p.length);
  return n;
}();
static_assert(kLongest <= 9, "prefixes must fit uint32");

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string_view> UsStateForNumber(std::string_view e164) {
  if (e164.size() < 2 || e164[0] != '+' || e164[1] != '1' || e164.size() > 16) return std::nullopt;
  const std::string_view digits = e164.substr(1);
  if (!AllDigits(digits)) return std::nullopt;
  for (int len = std::min<int>(kLongest, static_cast<int>(digits.size())); len >= 2; --len) {
    uint32_t value = 0;
    for (int i = 0; i < len; ++i) value = value * 10 + static_cast<uint32_t>(digits[static_cast<size_t>(i)] - '0');
    const UsStatePrefix key{value, len, 0};
    auto it = std::lower_bound(std::begin(kUsStatePrefixes), std::end(kUsStatePrefixes), key,
                               [](const UsStatePrefix& a, const UsStatePrefix& b) {
                                 return a.length != b.length ? a.length < b.length : a.digits < b.digits;
                               });
    if (it != std::end(kUsStatePrefixes) && it->length == len && it->digits == value) {
      if (it->state < 0) return std::nullopt;
      return kUsStateCodes[static_cast<size_t>(it->state)];
    }
  }
  return std::nullopt;
}

std::span<const std::string_view> UsStateCodes() { return kUsStateCodes; }

std::string_view UsStatesDataVersion() { return kUsStatesPhonenumbersVersion; }

}  // namespace batchcall
