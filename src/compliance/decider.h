// Decider: the one decision for a set of one batch's executions at one
// instant, with its inputs gathered the same way for every caller: the
// agent's rules (CallingRules::For), the account's do-not-call list and the
// dial history of the numbers over the rules' longest window. The dispatcher
// decides every claimed execution with it before dialling; the preview (GET
// /batches/{id}/preview, `batchcall preview`) asks it the same question for
// any instant. So they cannot disagree (engine test PreviewAgreesWithTheDispatcher).
//
// Thread-safe if the store is; holds no state between calls.
#pragma once

#include <string>
#include <vector>

#include "compliance/decision.h"
#include "compliance/rule_pack.h"
#include "store/store.h"

namespace batchcall {

class Decider {
 public:
  // `store` and `packs` must outlive the Decider.
  Decider(Store& store, const RulePackSet& packs) : store_(store), packs_(packs) {}

  // One decision per number, in order, for executions of `batch` (of
  // `agent`) due at `at`. Store errors are returned as they are.
  Result<std::vector<Decision>> Decide(const Agent& agent, const Batch& batch,
                                       const std::vector<std::string>& numbers, TimePoint at) const;

  const RulePackSet& packs() const { return packs_; }

 private:
  Store& store_;
  const RulePackSet& packs_;
};

}  // namespace batchcall
