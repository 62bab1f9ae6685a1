// CallEvent: a normalised telephony event for one dial attempt, shared by the
// providers (which produce them), the engine (which decides retries) and the
// store (which records them). Plain value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "domain/states.h"

namespace batchcall {

// `status` is one of initiated (Lookup only: placed, nothing heard yet),
// ringing, in-progress, call-disconnected (progress) or
// completed, busy, no-answer, failed, canceled, error (the attempt's outcome;
// exactly one per attempt).
struct CallEvent {
  std::string attempt_id;
  std::string idempotency_key;
  std::string provider_call_id;
  ExecutionStatus status = ExecutionStatus::kRinging;
  TimePoint at;
  // Filled on the outcome event:
  double duration_seconds = 0;       // talk time
  double ring_seconds = 0;
  double cost = 0;                   // in the provider's currency unit (USD for the simulator)
  bool answered_by_voice_mail = false;
  std::string transcript;            // lines "agent: ..." / "user: ..."
  std::string summary;
  std::string recording_url;
  std::string hangup_by;             // "agent" | "user" | "provider"
  std::string hangup_reason;
  std::string error_message;         // for failed / error
  nlohmann::json extracted_data;     // null when none
  // Provider-specific facts merged into the execution's telephony_data
  // (e.g. Twilio's answered_by, sip_response_code); null or an object.
  nlohmann::json telephony_extra;
  // Outcome only: the callee asked not to be called again (a voice agent's
  // result "opt_out": true). The number joins the account's do-not-call list
  // in the outcome's transaction.
  bool opt_out = false;
};

inline bool IsOutcome(const CallEvent& e) { return IsTerminal(e.status); }

}  // namespace batchcall
