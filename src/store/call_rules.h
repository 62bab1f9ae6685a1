// Backend-independent rules of ApplyCallUpdates shared by the Store
// backends: the forward-only walk through the in-flight states and the
// telephony_data object an outcome writes. Pure inline functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/call_event.h"
#include "domain/model.h"
#include "domain/states.h"

namespace batchcall::call_rules {

// Position along initiated -> ringing -> in-progress -> call-disconnected;
// -1 for any other status.
inline int FlightRank(ExecutionStatus s) {
  switch (s) {
    case ExecutionStatus::kInitiated: return 0;
    case ExecutionStatus::kRinging: return 1;
    case ExecutionStatus::kInProgress: return 2;
    case ExecutionStatus::kCallDisconnected: return 3;
    default: return -1;
  }
}

// True when `to` is reached from `from` along edges of the state table,
// moving only forward through the in-flight states (lost progress events
// are walked over, e.g. initiated -> in-progress -> call-disconnected ->
// completed). Every step is a CanTransition edge.
inline bool ReachableForward(ExecutionStatus from, ExecutionStatus to) {
  if (CanTransition(from, to)) return true;
  const int rank = FlightRank(from);
  if (rank < 0) return false;
  for (ExecutionStatus next : {ExecutionStatus::kInitiated, ExecutionStatus::kRinging, ExecutionStatus::kInProgress,
                               ExecutionStatus::kCallDisconnected}) {
    if (FlightRank(next) > rank && CanTransition(from, next) && ReachableForward(next, to)) return true;
  }
  return false;
}

// The execution's telephony_data after outcome `e` of an attempt that dialled
// `to_number` from `from_number`; `stored_call_id` is the attempt's provider
// call id when the event carries none. Provider-specific extras are added but
// never replace a standard key. Compact JSON text.
inline std::string TelephonyData(const CallEvent& e, const std::string& to_number, const std::string& from_number,
                                 const std::string& stored_call_id, const std::string& provider_type) {
  auto string_or_null = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  const std::string& call_id = e.provider_call_id.empty() ? stored_call_id : e.provider_call_id;
  nlohmann::json t = {{"duration", e.duration_seconds},
                      {"to_number", to_number},
                      {"from_number", string_or_null(from_number)},
                      {"recording_url", string_or_null(e.recording_url)},
                      {"provider_call_id", string_or_null(call_id)},
                      {"provider", string_or_null(provider_type)},
                      {"hangup_by", string_or_null(e.hangup_by)},
                      {"hangup_reason", string_or_null(e.hangup_reason)},
                      {"ring_duration", e.ring_seconds}};
  if (e.telephony_extra.is_object()) {
    for (const auto& [key, value] : e.telephony_extra.items()) {
      if (!t.contains(key)) t[key] = value;
    }
  }
  return t.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace batchcall::call_rules
