// Rule packs: named, versioned sets of calling rules (hours, days, holidays,
// per-number caps) for the numbers of some regions, applied on top of an
// agent's own calling_guardrails, strictest wins (docs/compliance.md).
//
// A pack is a JSON file: the built-in ones live in src/compliance/packs/
// and are compiled into the binary; users add their own from a directory
// (config `rule_packs_dir`). The format, with every key:
//
//   {"name": "us", "version": "2026-12-07", "title": "...",
//    "regions": ["US", "PR"],       libphonenumber regions the pack covers
//    "subdivisions": "us_state",    optional: how `where` codes are found
//    "holidays": "us_federal",      optional: calendar for no_holidays
//    "rules": [{"where": "*" | "FL", "hours": [8, 20],
//               "days": {"sun": [12, 21]}, "no_days": ["sun"],
//               "no_holidays": true, "caps": [{"max_calls": 3, "per_hours": 24}],
//               "source": "Fla. Stat. 501.059(8)", "checked": "2026-12-07"}]}
//
// Values, immutable once parsed; a RulePackSet is read-only after start-up
// (thread-safe to share).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

struct HourWindow {
  int start_hour = 0;  // 0..23, inclusive
  int end_hour = 24;   // 1..24, exclusive; > start_hour
  bool operator==(const HourWindow&) const = default;
};

struct PackRule {
  std::string where;                // "*" (every number of the pack) or a subdivision code ("FL")
  std::optional<HourWindow> hours;  // local hours; none = no hour rule
  std::array<std::optional<HourWindow>, 7> day_hours;  // per weekday (0 = Monday), replaces `hours`
  uint8_t no_days = 0;              // weekdays (bit 0 = Monday) with no calls at all
  bool no_holidays = false;         // no calls on the pack's holidays
  std::vector<ContactLimit> caps;   // per-number caps, counted account-wide
  std::string source;               // the law or regulation, as cited
  std::string checked;              // YYYY-MM-DD the row was last checked against it
};

// How a pack tells which subdivision a number is in.
inline constexpr std::string_view kUsStateSubdivisions = "us_state";

struct RulePack {
  std::string name;                  // [a-z0-9_-]{1,32}
  std::string version;               // free text, e.g. a date
  std::string title;
  std::vector<std::string> regions;  // e.g. "US"
  std::string subdivisions;          // "" or kUsStateSubdivisions
  std::string holidays;              // "" or a calendar of compliance/holidays.h
  std::vector<PackRule> rules;
  std::string origin;                // "built-in" or the file it was loaded from
};

// Parses and validates one pack file's text. InvalidArgument naming the key
// (e.g. "rules[3].hours") for anything outside the format above. `origin` is
// stored as given.
Result<RulePack> ParseRulePack(std::string_view text, std::string origin);

// The pack as GET /rule-packs shows it (the file's keys, plus "origin").
nlohmann::json RulePackJson(const RulePack& pack);

class RulePackSet {
 public:
  // The packs compiled into the binary (src/compliance/packs/*.json).
  static const RulePackSet& BuiltIn();

  // The built-in packs plus every *.json file of `dir` (sorted by name). A
  // file that does not parse, or a pack whose name is already taken, is an
  // error naming the file: start-up stops rather than run without a rule set
  // the operator asked for.
  static Result<RulePackSet> WithDirectory(const std::string& dir);

  // nullptr when no pack has that name.
  const RulePack* Find(std::string_view name) const;
  // Every pack, by name.
  std::vector<const RulePack*> All() const;
  // "us, uk" for messages.
  std::string NameList() const;

 private:
  Status Add(RulePack pack);
  std::map<std::string, std::shared_ptr<const RulePack>, std::less<>> packs_;
};

}  // namespace batchcall
