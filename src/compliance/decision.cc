#include "compliance/decision.h"

#include <algorithm>

#include "compliance/holidays.h"
#include "compliance/us_states.h"
#include "engine/calling_window.h"
#include "phone/number_timezones.h"

namespace batchcall {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// Days searched ahead for an opening. Any weekly pattern with holidays opens
// within this; rules that never open are re-checked after it.
constexpr int kHorizonDays = 32;
constexpr int kMaxRounds = 64;

struct Zone {
  const date::time_zone* tz;  // nullptr: UTC
  std::string_view name;
};

// One pack row that applies to the number, with the label of its reasons.
struct AppliedRule {
  const PackRule* rule;
  const RulePack* pack;
  std::string label;  // "FL", or the number's region for a "*" row
};

// One limit with the reason it gives.
struct AppliedLimit {
  ContactLimit limit;
  std::string reason;
};

// A local hour window of one day, with the reason given outside it.
struct Part {
  int start_hour;
  int end_hour;  // start >= end: the whole day is closed
  std::string_view reason;
};

class Evaluator {
 public:
  Evaluator(const CallingRules& rules, const DecisionInput& in) : rules_(rules), in_(in) {
    if (rules.guardrails) {
      if (in.place) {
        place_ = *in.place;
      } else if (!rules.packs.empty()) {
        place_ = PlaceOfNumber(in.e164);
      } else {
        place_.zones = TimeZonesForNumber(in.e164);
      }
      ChooseZones();
      ApplyPacks();
    }
    for (const ContactLimit& l : rules.limits) limits_.push_back({l, "contact_limit"});
    for (const AppliedRule& r : rules_applied_) {
      for (const ContactLimit& c : r.rule->caps) limits_.push_back({c, "state_limit:" + r.label});
    }
  }

  Decision Run() {
    Decision d;
    for (const AppliedLimit& l : limits_) d.limits.push_back(l.limit);
    for (const Zone& z : zones_) d.time_zone.append(d.time_zone.empty() ? "" : ", ").append(z.name);
    if (in_.do_not_call || in_.opted_out) {
      d.verdict = Verdict::kBlocked;
      d.reason = in_.opted_out ? "opted_out" : "do_not_call";
      d.eligible_at = in_.at;
      return d;
    }
    std::optional<TimePoint> when = Earliest(in_.at);
    d.eligible_at = when.value_or(in_.at + hours{24 * kHorizonDays});
    if (when && *when == in_.at) return d;
    d.verdict = Verdict::kHeld;
    d.reason = ReasonAt(in_.at);
    return d;
  }

 private:
  void ChooseZones() {
    const CallingGuardrails& g = *rules_.guardrails;
    TimeZoneList candidates = place_.zones;
    if (candidates.size() == 1 ||
        (candidates.size() > 1 && g.ambiguous_timezone == AmbiguousZonePolicy::kStrictest)) {
      for (std::string_view name : candidates) {
        if (const date::time_zone* tz = FindTimeZone(name)) zones_.push_back({tz, name});
      }
      if (!zones_.empty()) return;
    }
    if (const date::time_zone* tz = FindTimeZone(g.default_timezone)) {
      zones_.push_back({tz, g.default_timezone});
    } else {
      zones_.push_back({nullptr, "UTC"});
    }
  }

  void ApplyPacks() {
    if (rules_.packs.empty()) return;
    const std::string& region = place_.region;
    if (region.empty()) return;
    const bool strictest = rules_.guardrails->ambiguous_timezone == AmbiguousZonePolicy::kStrictest;
    for (const RulePack* pack : rules_.packs) {
      if (std::find(pack->regions.begin(), pack->regions.end(), region) == pack->regions.end()) continue;
      std::optional<std::string_view> state;
      if (pack->subdivisions == kUsStateSubdivisions) state = UsStateForNumber(in_.e164);
      for (const PackRule& r : pack->rules) {
        if (r.where == "*") {
          rules_applied_.push_back({&r, pack, region});
        } else if (state ? r.where == *state : strictest) {
          rules_applied_.push_back({&r, pack, r.where});
        }
      }
    }
    reasons_.reserve(rules_applied_.size() * 3);
    for (const AppliedRule& r : rules_applied_) {
      reasons_.push_back("state_hours:" + r.label);
      reasons_.push_back("state_days:" + r.label);
      reasons_.push_back("holiday:" + r.label);
    }
  }

  // The day's parts in reason order (see the header).
  void PartsOf(date::local_days day, std::vector<Part>& parts) const {
    parts.clear();
    const CallingGuardrails& g = *rules_.guardrails;
    const unsigned wd = date::weekday{day}.iso_encoding() - 1;  // 0 = Monday
    const bool day_ok = (g.call_days & (1u << wd)) != 0;
    parts.push_back({day_ok ? 0 : 0, day_ok ? 24 : 0, "call_days"});
    parts.push_back({std::clamp(g.call_start_hour, 0, 23), std::clamp(g.call_end_hour, 1, 24), "calling_hours"});
    bool holiday_known = false, holiday = false;
    for (size_t i = 0; i < rules_applied_.size(); ++i) {
      const PackRule& r = *rules_applied_[i].rule;
      const std::string_view hours_reason = reasons_[3 * i], days_reason = reasons_[3 * i + 1],
                             holiday_reason = reasons_[3 * i + 2];
      if (r.no_days & (1u << wd)) parts.push_back({0, 0, days_reason});
      if (r.no_holidays) {
        if (!holiday_known) {
          holiday = IsHoliday(rules_applied_[i].pack->holidays, date::year_month_day{day});
          holiday_known = true;  // packs sharing a calendar; one calendar per pack today
        }
        if (holiday) parts.push_back({0, 0, holiday_reason});
      }
      if (const auto& h = r.day_hours[wd]) {
        parts.push_back({h->start_hour, h->end_hour, days_reason});
      } else if (r.hours) {
        parts.push_back({r.hours->start_hour, r.hours->end_hour, hours_reason});
      }
    }
  }

  struct Window {
    date::sys_seconds open, close;  // empty when open >= close
  };

  static Window WindowOf(const Zone& z, date::local_days day, const Part& p) {
    if (p.start_hour >= p.end_hour) return {date::sys_seconds{}, date::sys_seconds{}};
    return {FirstInstantAtOrAfter(z.tz, day + hours{p.start_hour}),
            FirstInstantAtOrAfter(z.tz, day + hours{p.end_hour})};
  }

  // The first instant >= t when zone z's rules allow a call; nullopt when
  // none within the horizon.
  std::optional<TimePoint> NextOpen(const Zone& z, TimePoint t) {
    const date::local_days first = LocalDay(z.tz, t);
    for (int k = 0; k <= kHorizonDays; ++k) {
      const date::local_days day = first + date::days{k};
      PartsOf(day, parts_);
      date::sys_seconds open = date::sys_seconds::min(), close = date::sys_seconds::max();
      for (const Part& p : parts_) {
        const Window w = WindowOf(z, day, p);
        open = std::max(open, w.open);
        close = std::min(close, w.close);
        if (open >= close) break;
      }
      if (open >= close || TimePoint(close) <= t) continue;
      return std::max(t, std::chrono::time_point_cast<milliseconds>(open));
    }
    return std::nullopt;
  }

  // The first instant >= t when limit l allows one more dial.
  TimePoint LimitOk(const ContactLimit& l, TimePoint t) const {
    const milliseconds window = hours{l.per_hours};
    // Dials that count at t: those after t - window.
    auto from = std::upper_bound(in_.dials.begin(), in_.dials.end(), t - window);
    const auto counted = static_cast<int64_t>(in_.dials.end() - from);
    if (counted < l.max_calls) return t;
    // The one whose leaving brings the count under the limit.
    return *(from + (counted - l.max_calls)) + window;
  }

  std::optional<TimePoint> Earliest(TimePoint t) {
    for (int round = 0; round < kMaxRounds; ++round) {
      TimePoint next = t;
      for (const Zone& z : zones_) {
        std::optional<TimePoint> open = NextOpen(z, next);
        if (!open) return std::nullopt;
        next = *open;
      }
      for (const AppliedLimit& l : limits_) next = std::max(next, LimitOk(l.limit, next));
      if (next == t) return t;
      t = next;
    }
    return t;  // rules that keep moving each other: dial no earlier than here
  }

  std::string ReasonAt(TimePoint at) {
    const date::sys_seconds s = std::chrono::floor<std::chrono::seconds>(at);
    for (const Zone& z : zones_) {
      const date::local_days day = LocalDay(z.tz, at);
      PartsOf(day, parts_);
      for (const Part& p : parts_) {
        const Window w = WindowOf(z, day, p);
        if (!(w.open <= s && s < w.close) || w.open >= w.close) return std::string(p.reason);
      }
    }
    for (const AppliedLimit& l : limits_) {
      if (LimitOk(l.limit, at) != at) return l.reason;
    }
    return "calling_hours";  // not reached: something forbids `at`
  }

  const CallingRules& rules_;
  const DecisionInput& in_;
  NumberPlace place_;
  std::vector<Zone> zones_;
  std::vector<AppliedRule> rules_applied_;
  std::vector<std::string> reasons_;  // 3 per applied rule: hours, days, holiday
  std::vector<AppliedLimit> limits_;
  std::vector<Part> parts_;  // scratch
};

}  // namespace

std::string_view ToString(Verdict v) {
  switch (v) {
    case Verdict::kEligible: return "eligible";
    case Verdict::kHeld: return "held";
    case Verdict::kBlocked: return "blocked";
  }
  return "eligible";
}

CallingRules CallingRules::For(const Agent& agent, bool bypass_guardrails, const RulePackSet& packs,
                               std::vector<std::string>* missing) {
  CallingRules r;
  r.limits = agent.contact_limits;
  if (!agent.calling_guardrails || bypass_guardrails) return r;
  r.guardrails = agent.calling_guardrails;
  for (const std::string& name : agent.calling_guardrails->rule_packs) {
    if (const RulePack* p = packs.Find(name)) {
      r.packs.push_back(p);
    } else if (missing) {
      missing->push_back(name);
    }
  }
  return r;
}

std::chrono::hours CallingRules::HistoryWindow() const {
  int longest = 0;
  for (const ContactLimit& l : limits) longest = std::max(longest, l.per_hours);
  for (const RulePack* p : packs) {
    for (const PackRule& r : p->rules)
      for (const ContactLimit& c : r.caps) longest = std::max(longest, c.per_hours);
  }
  return hours{longest};
}

bool IsBlockingReason(std::string_view reason) {
  return reason == "do_not_call" || reason == "opted_out" || reason == "predial_refused" ||
         reason == "predial_unavailable";
}

Decision Decide(const CallingRules& rules, const DecisionInput& in) {
  Evaluator e(rules, in);
  return e.Run();
}

}  // namespace batchcall
