// The one decision: may this execution be dialled at this instant, and if
// not, why and from when? Used by the dispatcher before every dial and by
// the preview (GET /batches/{id}/preview), so that they cannot disagree.
//
// Rules (docs/compliance.md; the contract is ../shared/design/compliance.md):
//  - do-not-call: blocked ("do_not_call").
//  - the agent's calling_guardrails: hours ("calling_hours") and call_days
//    ("call_days") in the recipient's zone. With ambiguous_timezone
//    "strictest" a number with several candidate zones (Australian mobiles,
//    US toll-free) may be called only when every zone allows it.
//  - rule packs named by the guardrails, for numbers of the pack's regions:
//    the "*" rows and the row of the number's subdivision (a US state from
//    its area code). Hours ("state_hours:XX"), per-weekday hours and days
//    without calls ("state_days:XX"), holidays ("holiday:XX"), caps
//    ("state_limit:XX"). XX is the row's state, or the number's region for a
//    "*" row ("state_hours:US" is the federal 08-21). A US number whose state
//    is unknown (toll-free, non-geographic) gets only the "*" rows, or every
//    row when ambiguous_timezone is "strictest".
//  - contact_limits ("contact_limit") and pack caps over the account's dials
//    of the number.
// Strictest wins: an execution is eligible at the first instant every rule
// allows; the reason reported is the first rule (in the order above) that
// forbids `at` itself.
//
// Pure: no I/O, no clock; thread-safe. Costs a number -> zone lookup (a
// libphonenumber parse for numbers of multi-zone countries), a region lookup
// when packs apply (cached per area code for +1), and a few tz conversions.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "compliance/rule_pack.h"
#include "domain/model.h"
#include "phone/number_timezones.h"

namespace batchcall {

enum class Verdict {
  kEligible,  // "eligible": dial now
  kHeld,      // "held": wait until eligible_at (status rescheduled)
  kBlocked,   // "blocked": never dial (status canceled)
};
std::string_view ToString(Verdict v);

// An agent's rules, resolved once per agent (packs looked up by name).
struct CallingRules {
  std::optional<CallingGuardrails> guardrails;  // nullopt: no hours, days or packs
  std::vector<const RulePack*> packs;           // guardrails->rule_packs that exist
  std::vector<ContactLimit> limits;             // the agent's contact_limits

  // The rules for dialling `agent`'s executions; `bypass_guardrails` (a
  // batch's bypass_call_guardrails) drops hours, days and packs, never the
  // contact limits. Pack names `packs` does not know are left out and
  // appended to `missing` (the API rejects them; a pack directory can change).
  static CallingRules For(const Agent& agent, bool bypass_guardrails, const RulePackSet& packs,
                          std::vector<std::string>* missing = nullptr);

  // How far back dials matter: the longest per_hours of the limits and of
  // every pack cap (0 when none: no history needed).
  std::chrono::hours HistoryWindow() const;
};

struct DecisionInput {
  std::string_view e164;
  TimePoint at;
  // The account's dials to this number, ascending; at least every dial
  // within HistoryWindow() before `at` (older ones are ignored).
  std::span<const TimePoint> dials;
  bool do_not_call = false;
  bool opted_out = false;  // listed because the callee opted out (reason "opted_out")
  // The number's zones and region (phone/number_timezones.h PlaceOfNumber),
  // when the caller has them already; nullptr: looked up here.
  const NumberPlace* place = nullptr;
};

struct Decision {
  Verdict verdict = Verdict::kEligible;
  std::string reason;     // "" when eligible; else a stable code (see above)
  TimePoint eligible_at;  // == at when eligible; when held, the first instant every rule allows
  std::string time_zone;  // the zone(s) applied, ", "-separated; "" without guardrails
  // Every limit that applies to the number (the agent's contact_limits and
  // the pack caps of its state): BeginAttempts checks them again atomically.
  std::vector<ContactLimit> limits;
};

Decision Decide(const CallingRules& rules, const DecisionInput& in);

// True for the reasons that cancel (do_not_call, opted_out, predial_refused,
// predial_unavailable); the others reschedule.
bool IsBlockingReason(std::string_view reason);

// (OptOutReason / IsOptOutReason: domain/guardrails.h.)

}  // namespace batchcall
