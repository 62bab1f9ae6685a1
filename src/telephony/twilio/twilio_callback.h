// Twilio status callbacks: signature check and mapping onto a CallEvent.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "domain/call_event.h"

namespace batchcall {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + every POST param's
// name and value concatenated, params sorted by name)). `url` is the full
// URL Twilio requested, query string included. Params with the same name are
// ordered by value and identical (name, value) pairs count once, as Twilio's
// own helper libraries do (docs/providers.md). Params are the decoded values.
std::string TwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params);
// Constant-time comparison against TwilioSignature. False for an empty
// signature or an empty auth token.
bool VerifyTwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                           std::string_view signature);

// Twilio's call status (callback CallStatus or the Call resource's status)
// as an execution status: queued/initiated -> initiated, ringing,
// in-progress, completed, busy, no-answer, failed, canceled. nullopt for
// anything else.
std::optional<ExecutionStatus> MapTwilioCallStatus(std::string_view status);
// True for AnsweredBy values that mean no human answered: machine_start,
// machine_end_beep, machine_end_silence, machine_end_other, fax.
bool IsMachineAnsweredBy(std::string_view answered_by);

// Maps a callback's parameters onto an event for `attempt_id` (at = now;
// idempotency_key is left empty for the caller to fill):
// CallStatus via MapTwilioCallStatus; CallSid -> provider_call_id;
// CallDuration -> duration_seconds; AnsweredBy machine_* / fax ->
// answered_by_voice_mail (a machine-answered call stays `completed`).
// telephony_extra gets, when present: answered_by, sip_response_code (int),
// error_code (int when numeric), call_status, sequence_number (int),
// timestamp. A failed call's error_message is Twilio's ErrorMessage, or
// "Twilio error <ErrorCode>", or "call failed (SIP <code>)".
// Values are kept as ResponseExcerpt (net/http_transport.h) of at most 4096
// bytes: valid UTF-8, control characters as spaces.
// InvalidArgument when CallStatus is missing or unknown.
Result<CallEvent> ParseTwilioStatusCallback(const FormParams& params, const std::string& attempt_id, TimePoint now);

}  // namespace batchcall
