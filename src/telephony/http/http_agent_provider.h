// HttpAgentProvider: hands each call to the user's own voice-agent server.
// POST {url} with JSON {"agent_id", "recipient_phone_number",
// "from_phone_number", "user_data", "execution_id", "callback_url",
// "attempt_id"} (a superset of the open-source Bolna telephony server's /call
// body) plus the agent's custom headers; any 2xx means placed (a Bolna server answers 200
// with plain text "done"). A JSON 2xx body with "call_sid", "call_id" or "id"
// names the provider call id; otherwise the attempt id is used.
//
// Results come back to POST {callback_base}/webhooks/agent/{execution_id};
// see ParseAgentResult / VerifyAgentCallback, called by http_agent_kind.h's
// callback handler. Settings are validated by that kind's apply_settings.
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "net/http_transport.h"
#include "telephony/provider.h"

namespace batchcall {

struct HttpAgentConfig {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string signing_secret;  // may be empty: then callbacks cannot be authenticated and are refused
  // Provider setting "remote_agent_id": sent as "agent_id" instead of
  // batchcall's agent id when non-empty (e.g. the agent's id inside a
  // self-hosted Bolna server, which looks agents up by that id).
  std::string remote_agent_id;
  std::chrono::milliseconds result_timeout{3'600'000};  // provider setting "result_timeout_seconds"
  static Result<HttpAgentConfig> FromJson(const nlohmann::json& provider);
};

struct HttpAgentOptions {
  std::chrono::milliseconds request_timeout{15'000};
};

class HttpAgentProvider final : public Provider {
 public:
  HttpAgentProvider(HttpAgentConfig config, HttpTransport& transport, HttpAgentOptions options);
  // 2xx -> the call id. 4xx -> InvalidArgument ("voice-agent server answered
  // 4xx: <ResponseExcerpt of the body>"; also 1xx/3xx); 5xx or no response ->
  // Unavailable; an address the outbound policy refuses -> InvalidArgument.
  // Not retried: a server that failed mid-request may have started the call.
  // Header values and the signing secret may appear in the messages (an
  // echoing server): the app wraps every provider in RedactingProvider.
  Result<std::string> StartCall(const CallRequest& request) override;
  // A voice-agent server cannot be asked: always Unavailable.
  Result<CallEvent> Lookup(const CallLookup& lookup) override;
  bool remote() const override { return true; }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override { return config_.result_timeout; }

 private:
  HttpAgentConfig config_;
  HttpTransport& transport_;
  HttpAgentOptions options_;
};

// The callback_url sent for one attempt of an execution:
// {base}/webhooks/agent/{execution_id}?attempt_id={attempt_id}. The attempt id
// keeps a late result of an earlier attempt from closing a later one.
std::string AgentCallbackUrl(const std::string& callback_base, const std::string& execution_id,
                             const std::string& attempt_id = "");

// Authenticates a result post with the agent's signing secret: either
// X-Batchcall-Signature (t=...,v1=HMAC-SHA256(secret, "t.body"), see
// webhook/signature.h) or "Authorization: Bearer <signing_secret>"
// (constant-time compare). PermissionDenied when a credential is present but
// wrong, Unauthenticated when none is present or the agent has no secret.
Status VerifyAgentCallback(const HttpAgentConfig& config, std::string_view authorization,
                           std::string_view signature, std::string_view body, TimePoint now);

// Maps a result body onto an event. Fields (all optional except status):
// status (ringing, in-progress, completed, busy, no-answer, failed, canceled,
// error; also Bolna's "call-disconnected"), transcript, summary,
// extracted_data, conversation_duration (seconds), total_cost,
// recording_url, answered_by_voice_mail, hangup_by, hangup_reason,
// error_message, provider_call_id (or call_sid). InvalidArgument with a
// message naming the field when malformed.
// Also accepted: Bolna spellings with '_' (in_progress, no_answer, ...);
// numbers as numeric strings; transcript as an array of {role, content}
// (rendered "role: content" per line); null for any optional field.
// Unknown fields are ignored. PayloadTooLarge when transcript exceeds 1 MiB,
// another text field 64 KiB, or extracted_data 256 KiB serialised.
Result<CallEvent> ParseAgentResult(const nlohmann::json& body, const std::string& attempt_id, TimePoint now);

}  // namespace batchcall
