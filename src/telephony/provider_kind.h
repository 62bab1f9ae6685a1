// ProviderKind: everything batchcall knows about one kind of provider
// (simulator, twilio, http, ...), in one value: how its settings are
// validated and normalised, how a Provider is built from them, and — for
// providers that report back over HTTP — the callback route's path, its
// head check and the handler turning a callback request into a CallEvent.
//
// Each kind's entry lives in its own folder (simulator/simulator_kind.h,
// twilio/twilio_kind.h, http/http_agent_kind.h); the table of kinds the
// server offers is BuiltInProviderKinds() (provider_kinds.h). The API and
// the app only talk to this header: adding a provider is its folder and one
// line in provider_kinds.cc.
//
// Thread-safety: a ProviderKind and a ProviderKinds table are immutable
// after construction; their functions are thread-safe (builders are called
// under the registry's lock, handlers from any API worker).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/timer_queue.h"
#include "domain/call_event.h"
#include "net/http_transport.h"
#include "telephony/provider.h"

namespace batchcall {

// What a builder may use. Pointers are not owned and outlive every provider
// built with them.
struct ProviderEnvironment {
  const Clock* clock = nullptr;
  TimerQueue* timers = nullptr;
  CallEventSink* sink = nullptr;
  // Outbound HTTP; remote kinds refuse to build without it.
  HttpTransport* transport = nullptr;
  // Waits between a provider's retries, and whether it should give up now
  // (the server is shutting down). Empty: plain sleeps, never stopping.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<bool()> stopping;
  // The simulator's record file (empty: memory only) and whether the new
  // provider keeps delivering its unfinished calls.
  std::string record_path;
  bool resume_unfinished = true;
  // The agent the provider is built for.
  std::string agent_id;
};

using HeaderLookup = std::function<std::optional<std::string>(std::string_view name)>;

// A provider callback as the API received it, without HTTP server types.
struct CallbackRequest {
  std::string url;     // the full URL the provider requested (public base + target), for signatures
  HeaderLookup header;  // case-insensitive, first match
  std::string_view body;  // the raw body when it is not a form
  std::vector<std::pair<std::string, std::string>> form;  // decoded form fields, in order
  TimePoint now;
};

// What the callback path's parameter names: an attempt ({attempt_id}), or an
// execution ({execution_id}; the attempt is the ?attempt_id= query's, else
// the execution's latest).
enum class CallbackTarget { kAttempt, kExecution };

struct ProviderCallback {
  std::string path;  // route pattern, e.g. "/webhooks/twilio/{attempt_id}"
  CallbackTarget target = CallbackTarget::kAttempt;
  uint64_t max_body_bytes = 0;  // a larger body is refused (413) before it is read
  // Checked on the head, before the body is read (e.g. that the signature
  // header is there); its failure is the answer.
  std::function<Status(const HeaderLookup& header)> check_head;
  // Authenticates the request against the agent's settings and maps it onto
  // an event for `attempt_id` (idempotency_key left empty for the caller).
  std::function<Result<CallEvent>(const nlohmann::json& settings, const CallbackRequest& request,
                                  const std::string& attempt_id)>
      handle;
  // The JSON answer (200) for an accepted request about a call that has
  // already ended (its event is dropped).
  std::string closed_reply;
};

struct ProviderKind {
  std::string type;          // the provider's "type": "simulator", "twilio", "http"
  std::string display_name;  // "Twilio", "a voice-agent server": "... was not placed through <display_name>."
  // Settings holding URLs the server connects to; the API checks them
  // against the outbound policy when a body sets them.
  std::vector<std::string> outbound_url_settings;
  // The one validator and normaliser of the settings: `in` (the body's
  // "provider" object) applied over `stored` (this agent's settings of this
  // kind, or null for a new provider) gives the settings to store, defaults
  // filled in. A secret sent back masked keeps its stored value.
  // InvalidArgument naming the field ("provider.<key> ...").
  std::function<Result<nlohmann::json>(const nlohmann::json& in, const nlohmann::json& stored)> apply_settings;
  // A provider for stored settings.
  std::function<Result<std::unique_ptr<Provider>>(const nlohmann::json& settings, const ProviderEnvironment& env)>
      build;
  // Set for kinds that report back over HTTP.
  std::optional<ProviderCallback> callback;
};

// A table of kinds, in the order users are told about them.
class ProviderKinds {
 public:
  explicit ProviderKinds(std::vector<ProviderKind> kinds) : kinds_(std::move(kinds)) {}
  // The kind with this type, or nullptr.
  const ProviderKind* Find(std::string_view type) const;
  const std::vector<ProviderKind>& all() const { return kinds_; }
  // The types for a message: "\"simulator\", \"twilio\" or \"http\"".
  std::string TypeList() const;

 private:
  std::vector<ProviderKind> kinds_;
};

// InvalidArgument "<field> <what>." (the form of every settings message).
Status InvalidSetting(std::string_view field, std::string_view what);

}  // namespace batchcall
