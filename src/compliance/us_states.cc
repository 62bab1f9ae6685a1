#include "compliance/us_states.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include <list>
#include <mutex>

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

// libphonenumber's headers define their own GUARDED_BY (base/thread_annotations.h
// cannot be included with them), so this small cache uses a plain mutex.
class AreaRegions {
 public:
  std::optional<std::string> Find(std::string_view npa) {
    std::lock_guard lock(mu_);
    auto it = regions_.find(std::string(npa));
    if (it == regions_.end()) return std::nullopt;
    return it->second;
  }
  void Put(std::string_view npa, const std::string& region) {
    std::lock_guard lock(mu_);
    if (regions_.size() < 1000) regions_.emplace(std::string(npa), region);
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> regions_;  // guarded by mu_
};

AreaRegions& Areas() {
  static AreaRegions* areas = new AreaRegions();  // never destroyed: usable during exit
  return *areas;
}

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

std::string RegionForNumber(std::string_view e164) {
  if (e164.size() < 3 || e164.size() > 16 || e164[0] != '+' || !AllDigits(e164.substr(1))) return "";
  const bool nanp = e164[1] == '1' && e164.size() >= 5;
  const std::string_view npa = nanp ? e164.substr(2, 3) : std::string_view();
  if (nanp) {
    if (auto cached = Areas().Find(npa)) return *cached;
  }
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  if (!nanp) {
    // Calling codes are prefix-free: the first that has regions is the
    // number's. A code of one region needs no parse.
    for (size_t n = 1; n <= 3 && n + 1 < e164.size(); ++n) {
      std::list<std::string> regions;
      util->GetRegionCodesForCountryCallingCode(std::stoi(std::string(e164.substr(1, n))), &regions);
      if (regions.empty()) continue;
      if (regions.size() == 1 && regions.front() != "001") return regions.front();
      break;
    }
  }
  PhoneNumber number;
  if (util->Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return "";
  std::string region;
  util->GetRegionCodeForNumber(number, &region);
  if (region == "ZZ" || region == "001") region.clear();
  if (nanp && !region.empty() && util->IsValidNumber(number)) Areas().Put(npa, region);
  return region;
}

}  // namespace batchcall
