#include "phone/fast_rules.h"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include <algorithm>
#include <list>
#include <map>
#include <unordered_map>
#include <utility>

// The serialized PhoneMetadataCollection compiled into libphonenumber (the
// bytes PhoneNumberUtil::GetInstance() parses). Exported by libphonenumber.so
// but declared in its metadata.h, which Debian does not install.
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace batchcall::phone_internal {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;

// The number types GetNumberTypeHelper() tries after the general
// description, in its order (mobile only when its pattern is not the fixed
// line's: see TypeDescs()).
std::vector<const PhoneNumberDesc*> TypeDescs(const PhoneMetadata& m) {
  std::vector<const PhoneNumberDesc*> out = {
      &m.premium_rate(), &m.toll_free(),       &m.shared_cost(), &m.voip(),
      &m.personal_number(), &m.pager(),        &m.uan(),         &m.voicemail(),
      &m.fixed_line(),
  };
  // With same_mobile_and_fixed_line_pattern the library never tries the
  // mobile description on its own.
  if (!m.same_mobile_and_fixed_line_pattern()) out.push_back(&m.mobile());
  return out;
}

// IsNumberMatchingDesc()'s length filter: lengths listed and this one absent.
bool LengthRulesOut(const PhoneNumberDesc& desc, size_t length) {
  if (desc.possible_length_size() == 0) return false;
  const auto& lengths = desc.possible_length();
  return std::find(lengths.begin(), lengths.end(), static_cast<int>(length)) == lengths.end();
}

// TestNumberLength(number, metadata, UNKNOWN) == IS_POSSIBLE.
bool IsPossibleLength(const PhoneMetadata& m, size_t length) {
  const PhoneNumberDesc& general = m.general_desc();
  if (general.possible_length_size() == 0 || general.possible_length(0) == -1) return false;
  const int len = static_cast<int>(length);
  const auto& local = general.possible_length_local_only();
  if (std::find(local.begin(), local.end(), len) != local.end()) return false;
  const auto& lengths = general.possible_length();
  return std::find(lengths.begin(), lengths.end(), len) != lengths.end();
}

bool FullMatch(const re2::RE2& re, std::string_view text) {
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_BOTH,
                  nullptr, 0);
}

bool PrefixMatch(const re2::RE2& re, std::string_view text) {
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_START,
                  nullptr, 0);
}

// True when re (compiled longest-match) matches a non-empty prefix of text:
// then parsing could strip a national prefix, which this path does not model.
// An empty match strips nothing, whichever match ICU would pick.
bool ConsumesPrefix(const re2::RE2& re, std::string_view text) {
  re2::StringPiece match;
  if (!re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_START,
                &match, 1)) {
    return false;
  }
  return !match.empty();
}

}  // namespace

FastRules::~FastRules() = default;

const FastRules& FastRules::Get() {
  static const FastRules* rules = new FastRules();
  return *rules;
}

const re2::RE2* FastRules::Compile(const std::string& pattern, bool longest, bool* ok) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_longest_match(longest);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    *ok = false;
    return nullptr;
  }
  patterns_.push_back(std::move(re));
  return patterns_.back().get();
}

FastRules::FastRules() {
  PhoneMetadataCollection collection;
  if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                 i18n::phonenumbers::metadata_size())) {
    return;  // nothing usable: every number goes to libphonenumber
  }
  // Geographic regions by id; non-geographic entities ("001") by code.
  std::unordered_map<std::string, const PhoneMetadata*> by_id;
  std::unordered_map<int, const PhoneMetadata*> non_geo;
  for (const PhoneMetadata& m : collection.metadata()) {
    if (m.id() == "001") {
      non_geo.emplace(m.country_code(), &m);
    } else {
      by_id.emplace(m.id(), &m);
    }
  }

  // One RE2 per distinct pattern text.
  std::map<std::pair<std::string, bool>, const re2::RE2*> compiled;
  const auto get = [&](const std::string& pattern, bool longest, bool* ok) -> const re2::RE2* {
    const auto key = std::make_pair(pattern, longest);
    const auto it = compiled.find(key);
    if (it != compiled.end()) {
      if (it->second == nullptr) *ok = false;
      return it->second;
    }
    const re2::RE2* re = Compile(pattern, longest, ok);
    compiled.emplace(key, re);
    return re;
  };

  const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
  std::unordered_map<const PhoneMetadata*, const Region*> built;
  const auto build = [&](const PhoneMetadata& m, bool* ok) -> const Region* {
    if (const auto it = built.find(&m); it != built.end()) return it->second;
    auto region = std::make_unique<Region>();
    region->id = m.id();
    if (m.has_leading_digits()) region->leading_digits = get(m.leading_digits(), false, ok);
    if (!m.national_prefix_for_parsing().empty()) {
      region->national_prefix = get(m.national_prefix_for_parsing(), true, ok);
    }
    const PhoneNumberDesc& general = m.general_desc();
    const std::vector<const PhoneNumberDesc*> types = TypeDescs(m);
    for (size_t len = 2; len <= kMaxNsn; ++len) {
      LengthRule& rule = region->by_length[len];
      rule.possible = IsPossibleLength(m, len);
      if (general.national_number_pattern().empty() || LengthRulesOut(general, len)) continue;
      rule.general = get(general.national_number_pattern(), false, ok);
      std::string any;
      for (const PhoneNumberDesc* desc : types) {
        if (desc->national_number_pattern().empty() || LengthRulesOut(*desc, len)) continue;
        if (!any.empty()) any.push_back('|');
        any.append("(?:").append(desc->national_number_pattern()).append(")");
      }
      if (!any.empty()) rule.any_type = get(any, false, ok);
      // Classify(): the same descriptions split at fixed line.
      std::string before;
      for (const PhoneNumberDesc* desc : types) {
        if (desc == &m.fixed_line() || desc == &m.mobile()) continue;
        if (desc->national_number_pattern().empty() || LengthRulesOut(*desc, len)) continue;
        if (!before.empty()) before.push_back('|');
        before.append("(?:").append(desc->national_number_pattern()).append(")");
      }
      if (!before.empty()) rule.before_fixed = get(before, false, ok);
      const PhoneNumberDesc& fixed = m.fixed_line();
      if (!fixed.national_number_pattern().empty() && !LengthRulesOut(fixed, len))
        rule.fixed_line = get(fixed.national_number_pattern(), false, ok);
      const PhoneNumberDesc& mobile = m.mobile();
      if (!m.same_mobile_and_fixed_line_pattern() && !mobile.national_number_pattern().empty() &&
          !LengthRulesOut(mobile, len))
        rule.mobile = get(mobile.national_number_pattern(), false, ok);
    }
    region->mobile_geographical =
        util.IsNumberGeographical(i18n::phonenumbers::PhoneNumberUtil::MOBILE, m.country_code());
    regions_.push_back(std::move(region));
    built.emplace(&m, regions_.back().get());
    return regions_.back().get();
  };

  for (int cc = 1; cc < 1000; ++cc) {
    std::list<std::string> ids;
    util.GetRegionCodesForCountryCallingCode(cc, &ids);
    if (ids.empty()) continue;
    Code& code = codes_[static_cast<size_t>(cc)];
    bool ok = true;
    for (const std::string& id : ids) {
      const PhoneMetadata* m = nullptr;
      if (id == "001") {
        if (const auto it = non_geo.find(cc); it != non_geo.end()) m = it->second;
      } else if (const auto it = by_id.find(id); it != by_id.end()) {
        m = it->second;
      }
      if (m == nullptr || m->country_code() != cc) {
        ok = false;
        break;
      }
      code.regions.push_back(build(*m, &ok));
    }
    code.usable = ok;
    if (ok) ++usable_codes_;
  }
}

bool FastRules::IsValidIn(const Region& region, std::string_view nsn) const {
  const LengthRule& rule = region.by_length[nsn.size()];
  return rule.general != nullptr && rule.any_type != nullptr && FullMatch(*rule.general, nsn) &&
         FullMatch(*rule.any_type, nsn);
}

const FastRules::Region* FastRules::RegionOf(const Code& code, std::string_view nsn, bool* valid) const {
  const Region& main = *code.regions.front();
  if (code.regions.size() == 1) {
    *valid = IsValidIn(main, nsn);
    return &main;
  }
  for (const Region* region : code.regions) {
    if (region->leading_digits != nullptr) {
      if (PrefixMatch(*region->leading_digits, nsn)) {
        *valid = IsValidIn(*region, nsn);
        return region;
      }
    } else if (IsValidIn(*region, nsn)) {
      *valid = true;
      return region;
    }
  }
  *valid = false;
  return nullptr;
}

std::optional<FastRules::Classification> FastRules::Classify(std::string_view digits) const {
  const Answer a = Check(digits, /*strict=*/true);
  if (a.verdict != Verdict::kValid) return std::nullopt;
  const Code& code = codes_[static_cast<size_t>(a.country_code)];
  const std::string_view nsn = digits.substr(a.code_digits);
  bool valid = false;
  const Region* region = RegionOf(code, nsn, &valid);
  if (region == nullptr || !valid) return std::nullopt;  // not reached: Check() said valid
  const LengthRule& rule = region->by_length[nsn.size()];
  Classification c;
  c.region = region->id;
  if (rule.before_fixed != nullptr && FullMatch(*rule.before_fixed, nsn)) return c;  // premium ... voicemail
  if (rule.fixed_line != nullptr && FullMatch(*rule.fixed_line, nsn)) {
    c.geographical = true;  // FIXED_LINE or FIXED_LINE_OR_MOBILE
    return c;
  }
  c.geographical = rule.mobile != nullptr && region->mobile_geographical && FullMatch(*rule.mobile, nsn);
  return c;
}

FastRules::Answer FastRules::Check(std::string_view digits, bool strict) const {
  Answer unknown;
  // "+" and at most two digits: TOO_SHORT_AFTER_IDD, the library's answer.
  if (digits.size() < 3 || digits.size() > 15) return unknown;
  // ExtractCountryCode(): the shortest prefix (1-3 digits) that is a code.
  const Code* code = nullptr;
  size_t cc_len = 0;
  int value = 0;
  for (size_t len = 1; len <= 3; ++len) {
    const char c = digits[len - 1];
    if (c < '0' || c > '9') return unknown;
    value = value * 10 + (c - '0');
    if (value == 0) return unknown;
    if (!codes_[static_cast<size_t>(value)].regions.empty()) {
      code = &codes_[static_cast<size_t>(value)];
      cc_len = len;
      break;
    }
  }
  if (code == nullptr || !code->usable) return unknown;
  const std::string_view nsn = digits.substr(cc_len);
  if (nsn.size() < 2) return unknown;  // TOO_SHORT_NSN
  for (char c : nsn) {
    if (c < '0' || c > '9') return unknown;
  }
  // Parsing strips a national prefix with the main region's rule; when it
  // could strip something, the digits may change: not modelled here.
  const Region& main = *code->regions.front();
  if (main.national_prefix != nullptr && ConsumesPrefix(*main.national_prefix, nsn)) return unknown;
  const auto answer = [&](bool ok) {
    return Answer{ok ? Verdict::kValid : Verdict::kInvalid, value, cc_len};
  };
  if (!strict) return answer(main.by_length[nsn.size()].possible);

  // GetRegionCodeForNumber(), then IsValidNumberForRegion().
  bool valid = false;
  RegionOf(*code, nsn, &valid);
  return answer(valid);
}

}  // namespace batchcall::phone_internal
