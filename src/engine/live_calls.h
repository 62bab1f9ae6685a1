// LiveCalls: the attempts this node has in flight (dialled, not yet closed),
// how many each agent has, and when each must next be looked up: its outcome
// deadline (Provider::outcome_timeout() after dialling) and, for calls whose
// events may have been lost, a recheck time.
//
// Not thread-safe: owned by the dispatcher's engine thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "engine/reconcile.h"
#include "telephony/provider.h"

namespace batchcall {

// An attempt in flight.
struct LiveCall {
  std::string execution_id;
  std::string agent_id;
  std::string account_id;
  std::string batch_id;
  int retry_count = 0;
  Provider* provider = nullptr;  // null when it could not be built (recovery)
  CallLookup lookup;             // what a Lookup needs
  bool checking = false;         // a deadline Lookup is queued or running
  bool foreign = false;          // adopted from another node
  bool uncertain_dial = false;   // StartCall's answer was lost: the call may exist
};

class LiveCalls {
 public:
  // A lookup that has come due.
  struct DueCheck {
    std::string attempt_id;
    CheckReason reason;
  };

  // Starts tracking; sets the outcome deadline when the call has a provider
  // with an outcome_timeout(). Precondition: not tracked yet.
  void Track(const std::string& attempt_id, LiveCall call);
  // Stops tracking; false when it was not tracked. Its deadline and recheck
  // entries are dropped lazily.
  bool Untrack(const std::string& attempt_id);
  // Null when not tracked. Valid until the next Track or Untrack.
  LiveCall* Find(const std::string& attempt_id);
  bool Contains(const std::string& attempt_id) const { return calls_.count(attempt_id) > 0; }
  size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }
  int64_t InFlightFor(const std::string& agent_id) const;
  std::vector<std::string> Ids() const;

  // Looks the attempt up again at `at` (events may have been lost).
  void ScheduleRecheck(TimePoint at, const std::string& attempt_id);
  // Removes and returns the lookups due at `now`: passed outcome deadlines
  // first (kTimeout; each marks its call `checking`, and is looked up once),
  // then due rechecks (kUncertainDial or kRecovery) of calls not `checking`.
  // Entries of calls no longer tracked are dropped.
  std::vector<DueCheck> TakeDue(TimePoint now);
  // The earliest deadline or recheck still pending.
  std::optional<TimePoint> NextDue() const;

 private:
  std::unordered_map<std::string, LiveCall> calls_;       // attempt id -> live call
  std::unordered_map<std::string, int64_t> per_agent_;    // agent id -> calls in flight
  std::multimap<TimePoint, std::string> deadlines_;       // outcome deadline -> attempt id
  std::multimap<TimePoint, std::string> rechecks_;        // next recovery lookup -> attempt id
};

}  // namespace batchcall
