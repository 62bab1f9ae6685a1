// TwilioProvider: places calls through Twilio Programmable Voice's Calls
// resource (POST /2010-04-01/Accounts/{AccountSid}/Calls.json, HTTP Basic
// auth with the account SID and auth token) and looks them up for
// reconciliation. Parameter names and encodings: docs/providers.md.
//
// Status callbacks arrive at {callback_base}/webhooks/twilio/{attempt_id}
// and are verified and parsed by twilio_callback.h (twilio_kind.h's callback
// handler, which the API's generic callback route calls); this class only
// sends.
//
// Retries: 429 and 5xx (and no response at all) are retried up to
// max_tries with exponential backoff, honouring Retry-After. A 429 means
// Twilio created nothing. After a 5xx or a lost response the call may have
// been created, so before sending again the provider lists recent calls to
// the same number (To, From, date_created no earlier than 60 s before the
// attempt began) and adopts a match instead of dialling a second time; while
// that list cannot be read nothing is posted. An idempotency key whose
// StartCall gave up in that uncertain state is remembered (in memory), so a
// repeated StartCall with the same key lists first too. 4xx (other than 429)
// end the attempt: InvalidArgument carrying Twilio's code and an excerpt of
// its message (ResponseExcerpt), and so does an address of base_url that the
// outbound policy refuses. The auth token is never logged; an endpoint that
// echoes the request may put it into a message, so the app wraps every
// provider in RedactingProvider (provider_secrets.h).
//
// Thread-safety: thread-safe (immutable config, a mutex around the
// remembered keys; the transport is thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "net/http_transport.h"
#include "telephony/provider.h"

namespace batchcall {

struct TwilioConfig {
  std::string account_sid;
  std::string auth_token;
  std::string twiml_url;  // Url parameter; or
  std::string twiml;      // Twiml parameter (FromJson keeps only twiml_url when both are stored)
  bool machine_detection = false;  // MachineDetection=Enable
  std::string base_url = "https://api.twilio.com";  // no trailing '/'
  int ring_timeout_seconds = 30;   // Timeout parameter (provider setting "timeout", 5-600)
  // Parses the agent's provider JSON (validated at input; see api.md).
  static Result<TwilioConfig> FromJson(const nlohmann::json& provider);
};

struct TwilioOptions {
  int max_tries = 5;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};   // also caps Retry-After
  std::chrono::milliseconds request_timeout{15'000};
  // How long the engine waits for a final status callback before fetching
  // the call resource (Twilio calls last at most 4 h by default).
  std::chrono::milliseconds outcome_timeout{5LL * 3600 * 1000};
  // Sleeps between tries (default std::this_thread::sleep_for); tests
  // replace it to record waits without sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
  // When set and true after a wait, StartCall stops trying at once (the
  // server is shutting down): UnknownOutcome when the call may exist,
  // Unavailable when nothing was created.
  std::function<bool()> stopping;
};

class TwilioProvider final : public Provider {
 public:
  TwilioProvider(TwilioConfig config, HttpTransport& transport, const Clock& clock, TwilioOptions options);

  // Returns the Call SID. InvalidArgument for a 4xx from Twilio ("Twilio
  // error 21211: ..."), or when request.callback_base is empty (Twilio could
  // never report back); Unavailable when tries ran out.
  Result<std::string> StartCall(const CallRequest& request) override;
  // With a provider call id: GET .../Calls/{Sid}.json. Without: lists calls
  // To/From since started_at; NotFound when none was created. The event's
  // status maps Twilio's (queued/initiated -> initiated, ringing,
  // in-progress, completed, busy, no-answer, failed, canceled).
  Result<CallEvent> Lookup(const CallLookup& lookup) override;
  bool remote() const override { return true; }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override { return options_.outcome_timeout; }

  const TwilioConfig& config() const { return config_; }

 private:
  // The newest call to `to` from `from` created no earlier than
  // since - 60 s: its JSON, null when none; Unavailable when the list
  // cannot be read.
  Result<nlohmann::json> FindRecentCall(const std::string& to, const std::string& from, TimePoint since);
  Result<OutboundResponse> Send(const std::string& method, const std::string& url, const std::string& body);
  CallEvent ToEvent(const nlohmann::json& call, const CallLookup& lookup) const;

  TwilioConfig config_;
  HttpTransport& transport_;
  const Clock& clock_;
  TwilioOptions options_;
  std::mutex mu_;
  // Idempotency key -> attempt start, for StartCalls that gave up not
  // knowing whether Twilio created the call. Bounded (kMaxUncertain).
  std::unordered_map<std::string, TimePoint> uncertain_;
};

// The StatusCallback URL given to Twilio for one attempt.
std::string TwilioCallbackUrl(const std::string& callback_base, const std::string& attempt_id);

}  // namespace batchcall
