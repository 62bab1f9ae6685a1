// Provider: the one narrow interface between the engine and a telephony
// provider (simulator, Twilio, a voice-agent server).
//
// The engine stores an attempt as `initiated` with an idempotency key BEFORE
// calling StartCall, so after a crash it can ask the provider what happened
// (Lookup) instead of dialling again. Events come back asynchronously through
// a CallEventSink, normalised to execution statuses.
//
// Thread-safety: implementations are thread-safe; StartCall and Lookup may
// be called concurrently from several threads.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "domain/call_event.h"
#include "domain/states.h"

namespace batchcall {

struct CallRequest {
  std::string agent_id;
  std::string execution_id;
  std::string attempt_id;       // unique per dial
  std::string idempotency_key;  // the provider places at most one call per key
  std::string to;               // E.164
  std::string from;             // E.164 caller id, may be empty (provider default)
  // The contact's variables (CSV columns except contact_number), in file order.
  std::vector<std::pair<std::string, std::string>> variables;
  std::string welcome_message;  // template with {variable} placeholders
  // BATCHCALL_PUBLIC_URL without a trailing '/', e.g. "https://calls.example.com"
  // (may be empty). Remote providers build their callback addresses from it:
  // twilio {callback_base}/webhooks/twilio/{attempt_id},
  // http   {callback_base}/webhooks/agent/{execution_id}.
  std::string callback_base;
};

// What the engine knows about a dial it must reconcile (Lookup).
struct CallLookup {
  std::string attempt_id;
  std::string idempotency_key;
  std::string provider_call_id;  // empty when StartCall never returned
  std::string to;                // E.164
  std::string from;              // may be empty
  TimePoint started_at;          // when the attempt was stored, before dialling
};

// CallEvent (domain/call_event.h) is the normalised event providers emit.


class CallEventSink {
 public:
  virtual ~CallEventSink() = default;
  // Called from a provider thread; must not block for long.
  virtual void OnCallEvent(CallEvent event) = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Places the call and returns the provider's call id. Idempotent on
  // request.idempotency_key: a second call with the same key places nothing
  // and returns the same id. Unavailable when the call was certainly not
  // placed (the attempt ends `error`); UnknownOutcome when the request may
  // have reached the provider and its answer was lost — the engine then
  // keeps the attempt open, waits for its events and asks Lookup, and never
  // dials it again unless Lookup says NotFound; InvalidArgument for
  // permanent refusals (bad number, rejected) — the attempt ends `failed`.
  virtual Result<std::string> StartCall(const CallRequest& request) = 0;

  // What happened to the dial with this idempotency key, for reconciliation
  // after a crash: NotFound when the provider never placed it; otherwise the
  // latest event known (an outcome event when the call has ended).
  // Unavailable when the provider cannot tell (not reachable, or it has no
  // way to look calls up).
  virtual Result<CallEvent> Lookup(const CallLookup& lookup) = 0;

  // True when StartCall and Lookup block on the network: the engine then
  // calls them from its dial pool, never from the engine thread.
  virtual bool remote() const { return false; }

  // How long after dialling the engine waits for an outcome event. When it
  // passes, the engine asks Lookup once; without an outcome from it the
  // attempt ends `error` ("no result within ..."). nullopt: wait forever.
  virtual std::optional<std::chrono::milliseconds> outcome_timeout() const { return std::nullopt; }
};

}  // namespace batchcall
