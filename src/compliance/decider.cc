#include "compliance/decider.h"

#include <map>
#include <tuple>
#include <unordered_set>

#include "compliance/us_states.h"
#include "domain/guardrails.h"

namespace batchcall {

Result<std::vector<Decision>> Decider::Decide(const Agent& agent, const Batch& batch,
                                              const std::vector<std::string>& numbers, TimePoint at) const {
  std::vector<Decision> out;
  if (numbers.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto dnc, store_.DoNotCallReasons(batch.account_id, numbers));
  const CallingRules rules = CallingRules::For(agent, batch.bypass_call_guardrails, packs_);
  std::map<std::string, std::vector<TimePoint>> history;
  if (const auto window = rules.HistoryWindow(); window.count() > 0) {
    BC_ASSIGN_OR_RETURN(history, store_.DialHistory(batch.account_id, numbers, at - window));
  }
  static const std::vector<TimePoint> kNoDials;
  // A number without dials and not listed is decided by its zones, region
  // and state alone: numbers that share them share the decision.
  bool states = false;
  for (const RulePack* p : rules.packs) states = states || p->subdivisions == kUsStateSubdivisions;
  using Key = std::tuple<const std::string_view*, size_t, std::string, std::string_view>;
  std::map<Key, Decision> same;
  out.reserve(numbers.size());
  for (const std::string& number : numbers) {
    auto dials = history.find(number);
    auto entry = dnc.find(number);
    const bool listed = entry != dnc.end();
    if (dials != history.end() || listed || !rules.guardrails) {
      DecisionInput in{number, at, dials == history.end() ? kNoDials : dials->second, listed};
      in.opted_out = listed && IsOptOutReason(entry->second);
      in.do_not_call = listed && !in.opted_out;
      out.push_back(batchcall::Decide(rules, in));
      continue;
    }
    const NumberPlace place = rules.packs.empty() ? NumberPlace{TimeZonesForNumber(number), ""} : PlaceOfNumber(number);
    Key key{place.zones.data(), place.zones.size(), place.region,
            states ? UsStateForNumber(number).value_or("") : std::string_view()};
    auto it = same.find(key);
    if (it == same.end()) {
      DecisionInput in{number, at, kNoDials, false};
      in.place = &place;
      it = same.emplace(std::move(key), batchcall::Decide(rules, in)).first;
    }
    out.push_back(it->second);
  }
  return out;
}

}  // namespace batchcall
