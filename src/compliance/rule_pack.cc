#include "compliance/rule_pack.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compliance/holidays.h"
#include "compliance/us_states.h"
#include "domain/guardrails.h"

namespace batchcall {
namespace {

using nlohmann::json;

constexpr size_t kMaxPackBytes = 1 << 20;
constexpr size_t kMaxRules = 500;

#include "rule_packs_data.inc"

Status Bad(const std::string& field, const std::string& what) { return InvalidArgument(field + " " + what + "."); }

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool ValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  if (std::sscanf(std::string(s).c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return false;
  return date::year_month_day{date::year{y} / date::month{static_cast<unsigned>(m)} / date::day{static_cast<unsigned>(d)}}.ok();
}

Result<std::string> Text(const json& v, const std::string& field, size_t max) {
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > max)
    return Bad(field, "must be a string of 1 to " + std::to_string(max) + " characters");
  return v.get<std::string>();
}

Result<HourWindow> Hours(const json& v, const std::string& field) {
  const std::string what = "must be [start_hour, end_hour] with 0 <= start < end <= 24, e.g. [8, 21]";
  if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer())
    return Bad(field, what);
  const int64_t s = v[0].get<int64_t>(), e = v[1].get<int64_t>();
  if (s < 0 || s > 23 || e < 1 || e > 24 || e <= s) return Bad(field, what);
  return HourWindow{static_cast<int>(s), static_cast<int>(e)};
}

Result<PackRule> ParseRule(const json& v, const std::string& field, const RulePack& pack) {
  if (!v.is_object()) return Bad(field, "must be an object");
  PackRule r;
  for (const auto& [key, value] : v.items()) {
    const std::string at = field + "." + key;
    if (key == "where") {
      BC_ASSIGN_OR_RETURN(r.where, Text(value, at, 16));
    } else if (key == "hours") {
      BC_ASSIGN_OR_RETURN(r.hours, Hours(value, at));
    } else if (key == "days") {
      if (!value.is_object() || value.empty()) return Bad(at, "must be an object such as {\"sun\": [12, 21]}");
      for (const auto& [day, hours] : value.items()) {
        auto d = ParseWeekdayName(day);
        if (!d) return Bad(at + "." + day, "is not a weekday (mon ... sun)");
        BC_ASSIGN_OR_RETURN(r.day_hours[static_cast<size_t>(*d)], Hours(hours, at + "." + day));
      }
    } else if (key == "no_days") {
      BC_ASSIGN_OR_RETURN(r.no_days, ParseCallDays(value, at));
    } else if (key == "no_holidays") {
      if (!value.is_boolean()) return Bad(at, "must be true or false");
      r.no_holidays = value.get<bool>();
    } else if (key == "caps") {
      BC_ASSIGN_OR_RETURN(r.caps, ParseContactLimits(value, at));
    } else if (key == "source") {
      BC_ASSIGN_OR_RETURN(r.source, Text(value, at, 500));
    } else if (key == "checked") {
      if (!value.is_string() || !ValidDate(value.get<std::string>())) return Bad(at, "must be a date YYYY-MM-DD");
      r.checked = value.get<std::string>();
    } else {
      return Bad(at, "is not a rule key (where, hours, days, no_days, no_holidays, caps, source, checked)");
    }
  }
  if (r.where.empty()) return Bad(field + ".where", "is required (\"*\" or a subdivision code)");
  if (r.source.empty()) return Bad(field + ".source", "is required (the law the rule comes from)");
  if (r.checked.empty()) return Bad(field + ".checked", "is required (the date the rule was checked)");
  if (r.where != "*") {
    if (pack.subdivisions.empty()) return Bad(field + ".where", "must be \"*\": the pack has no \"subdivisions\"");
    const auto codes = UsStateCodes();
    if (std::find(codes.begin(), codes.end(), r.where) == codes.end())
      return Bad(field + ".where", "must be \"*\" or a US state code such as \"FL\"");
  }
  if (r.no_holidays && pack.holidays.empty())
    return Bad(field + ".no_holidays", "needs the pack's \"holidays\" calendar");
  return r;
}

}  // namespace

Result<RulePack> ParseRulePack(std::string_view text, std::string origin) {
  if (text.size() > kMaxPackBytes) return InvalidArgument("A rule pack may be at most 1 MiB.");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("A rule pack must be valid JSON.");
  if (!j.is_object()) return InvalidArgument("A rule pack must be a JSON object.");
  RulePack pack;
  pack.origin = std::move(origin);
  // Header keys first: rules depend on subdivisions and holidays.
  for (const auto& [key, value] : j.items()) {
    if (key == "name") {
      if (!value.is_string() || !ValidName(value.get<std::string>()))
        return Bad(key, "must be 1 to 32 characters of a-z, 0-9, _ or -");
      pack.name = value.get<std::string>();
    } else if (key == "version") {
      BC_ASSIGN_OR_RETURN(pack.version, Text(value, key, 32));
    } else if (key == "title") {
      BC_ASSIGN_OR_RETURN(pack.title, Text(value, key, 200));
    } else if (key == "regions") {
      if (!value.is_array() || value.empty()) return Bad(key, "must be a list of region codes such as [\"US\"]");
      for (const auto& r : value) {
        if (!r.is_string() || r.get<std::string>().size() != 2 || !std::isupper(static_cast<unsigned char>(r.get<std::string>()[0])) ||
            !std::isupper(static_cast<unsigned char>(r.get<std::string>()[1])))
          return Bad(key, "must be a list of two-letter region codes such as [\"US\"]");
        pack.regions.push_back(r.get<std::string>());
      }
    } else if (key == "subdivisions") {
      if (value != kUsStateSubdivisions) return Bad(key, "must be \"us_state\" (or left out)");
      pack.subdivisions = value.get<std::string>();
    } else if (key == "holidays") {
      if (!value.is_string() || !IsKnownHolidayCalendar(value.get<std::string>()))
        return Bad(key, "must be \"us_federal\" (or left out)");
      pack.holidays = value.get<std::string>();
    } else if (key != "rules") {
      return Bad(key, "is not a rule pack key (name, version, title, regions, subdivisions, holidays, rules)");
    }
  }
  if (pack.name.empty()) return Bad("name", "is required");
  if (pack.version.empty()) return Bad("version", "is required");
  if (pack.regions.empty()) return Bad("regions", "is required");
  auto rules = j.find("rules");
  if (rules == j.end() || !rules->is_array() || rules->empty()) return Bad("rules", "must be a non-empty list");
  if (rules->size() > kMaxRules) return Bad("rules", "may hold at most " + std::to_string(kMaxRules) + " rules");
  for (size_t i = 0; i < rules->size(); ++i) {
    BC_ASSIGN_OR_RETURN(PackRule r, ParseRule((*rules)[i], "rules[" + std::to_string(i) + "]", pack));
    pack.rules.push_back(std::move(r));
  }
  return pack;
}

json RulePackJson(const RulePack& pack) {
  json rules = json::array();
  for (const PackRule& r : pack.rules) {
    json o = {{"where", r.where}};
    if (r.hours) o["hours"] = {r.hours->start_hour, r.hours->end_hour};
    json days = json::object();
    for (int d = 0; d < 7; ++d) {
      if (const auto& h = r.day_hours[static_cast<size_t>(d)]) days[std::string(WeekdayName(d))] = {h->start_hour, h->end_hour};
    }
    if (!days.empty()) o["days"] = days;
    if (r.no_days) o["no_days"] = CallDaysJson(r.no_days);
    if (r.no_holidays) o["no_holidays"] = true;
    if (!r.caps.empty()) o["caps"] = ContactLimitsJson(r.caps);
    o["source"] = r.source;
    o["checked"] = r.checked;
    rules.push_back(std::move(o));
  }
  json j = {{"name", pack.name}, {"version", pack.version}, {"title", pack.title}, {"regions", pack.regions},
            {"origin", pack.origin}, {"rules", std::move(rules)}};
  if (!pack.subdivisions.empty()) j["subdivisions"] = pack.subdivisions;
  if (!pack.holidays.empty()) j["holidays"] = pack.holidays;
  return j;
}

const RulePackSet& RulePackSet::BuiltIn() {
  static const RulePackSet* set = [] {
    auto* s = new RulePackSet();
    for (const auto& [file, text] : kBuiltInRulePacks) {
      auto pack = ParseRulePack(text, "built-in");
      // A broken built-in pack is a bug caught by the tests.
      if (!pack.ok() || !s->Add(std::move(*pack)).ok()) std::abort();
      (void)file;
    }
    return s;
  }();
  return *set;
}

Result<RulePackSet> RulePackSet::WithDirectory(const std::string& dir) {
  RulePackSet set = BuiltIn();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return InvalidArgument("rule_packs_dir " + dir + " is not a directory.");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) return InvalidArgument("rule_packs_dir " + dir + " cannot be read: " + ec.message() + ".");
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string text;
    if (in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
    if (!in && text.empty()) return InvalidArgument("rule pack " + path.string() + " cannot be read.");
    auto pack = ParseRulePack(text, path.string());
    if (!pack.ok()) return InvalidArgument("rule pack " + path.string() + ": " + pack.status().message());
    Status added = set.Add(std::move(*pack));
    if (!added.ok()) return InvalidArgument("rule pack " + path.string() + ": " + added.message());
  }
  return set;
}

Status RulePackSet::Add(RulePack pack) {
  if (packs_.count(pack.name))
    return InvalidArgument("a pack named \"" + pack.name + "\" is already loaded (" + packs_[pack.name]->origin + ").");
  std::string name = pack.name;
  packs_.emplace(std::move(name), std::make_shared<const RulePack>(std::move(pack)));
  return Status::Ok();
}

const RulePack* RulePackSet::Find(std::string_view name) const {
  auto it = packs_.find(name);
  return it == packs_.end() ? nullptr : it->second.get();
}

std::vector<const RulePack*> RulePackSet::All() const {
  std::vector<const RulePack*> out;
  for (const auto& [name, pack] : packs_) out.push_back(pack.get());
  return out;
}

std::string RulePackSet::NameList() const {
  std::string out;
  for (const auto& [name, pack] : packs_) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

}  // namespace batchcall
