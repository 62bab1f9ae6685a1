// Twilio status callbacks: signature check and mapping onto a CallEvent.
// Pure functions; thread-safe.
#pragma once

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
// URL Twilio requested, query string included.
std::string TwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params);
// Constant-time comparison against TwilioSignature.
bool VerifyTwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                           std::string_view signature);

// Maps a callback's parameters onto an event for `attempt_id`:
// CallStatus queued/initiated -> initiated, ringing, in-progress (answered),
// completed, busy, no-answer, failed, canceled; CallSid -> provider_call_id;
// CallDuration -> duration_seconds; AnsweredBy machine_* / fax ->
// answered_by_voice_mail; AnsweredBy, SipResponseCode, ErrorCode and
// Timestamp into telephony_extra. InvalidArgument when CallStatus is missing
// or unknown.
Result<CallEvent> ParseTwilioStatusCallback(const FormParams& params, const std::string& attempt_id, TimePoint now);

}  // namespace batchcall
