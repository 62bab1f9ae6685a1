#include "compliance/decider.h"

#include <map>
#include <unordered_set>

namespace batchcall {

Result<std::vector<Decision>> Decider::Decide(const Agent& agent, const Batch& batch,
                                              const std::vector<std::string>& numbers, TimePoint at) const {
  std::vector<Decision> out;
  if (numbers.empty()) return out;
  BC_ASSIGN_OR_RETURN(auto listed, store_.FilterDoNotCall(batch.account_id, numbers));
  const std::unordered_set<std::string> dnc(listed.begin(), listed.end());
  const CallingRules rules = CallingRules::For(agent, batch.bypass_call_guardrails, packs_);
  std::map<std::string, std::vector<TimePoint>> history;
  if (const auto window = rules.HistoryWindow(); window.count() > 0) {
    BC_ASSIGN_OR_RETURN(history, store_.DialHistory(batch.account_id, numbers, at - window));
  }
  static const std::vector<TimePoint> kNoDials;
  out.reserve(numbers.size());
  for (const std::string& number : numbers) {
    auto dials = history.find(number);
    out.push_back(batchcall::Decide(
        rules, DecisionInput{number, at, dials == history.end() ? kNoDials : dials->second, dnc.count(number) > 0}));
  }
  return out;
}

}  // namespace batchcall
