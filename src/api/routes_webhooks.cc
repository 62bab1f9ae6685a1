// Inbound provider callbacks and the account's webhook secret:
//   POST /webhooks/twilio/{attempt_id}   Twilio status callbacks (X-Twilio-Signature)
//   POST /webhooks/agent/{execution_id}  results from a voice-agent server (signing secret)
//   POST /account/webhook-secret         creates or rotates the signing secret (shown once)
//   GET  /account/webhook-secret         whether one is set, and since when
// The two /webhooks routes carry no API key: the provider's signature is the
// credential. A request without its signature header is refused on the head
// (before its body is read), and a body is read only up to the route's own
// limit before the signature over it is checked. A bad signature is 403 and
// changes nothing. Accepted events
// (their texts redacted of the agent's secrets, provider_secrets.h) go to
// the engine, which moves executions forward only (duplicates and
// out-of-order events are ignored there).
#include "api/api.h"
#include "api/views.h"
#include "base/time.h"
#include "telephony/http/http_agent_provider.h"
#include "telephony/provider_secrets.h"
#include "telephony/twilio/twilio_callback.h"
#include "telephony/twilio/twilio_provider.h"
#include "webhook/signature.h"

namespace batchcall {
namespace {

constexpr auto kRotationOverlap = std::chrono::hours(24);
// Twilio status callbacks are small url-encoded forms (a few hundred bytes).
constexpr uint64_t kMaxTwilioCallbackBytes = 64 * 1024;
// A voice-agent result: the outcome, a transcript and extracted data.
constexpr uint64_t kMaxAgentResultBytes = 1024 * 1024;

HttpResponse Accepted() { return JsonResponse(200, R"({"accepted":true})"); }

}  // namespace

void Api::AddWebhookRoutes() {
  RouteOptions twilio;
  twilio.max_body_bytes = kMaxTwilioCallbackBytes;
  twilio.check_head = [](const HttpRequest& head) {
    if (head.Header("X-Twilio-Signature")) return Status::Ok();
    return PermissionDenied("X-Twilio-Signature is missing or does not match this request.");
  };
  router_.AddPublic("POST", "/webhooks/twilio/{attempt_id}", [this](RouteContext& c) { return TwilioCallback(c); },
                    std::move(twilio));
  RouteOptions agent;
  agent.max_body_bytes = kMaxAgentResultBytes;
  agent.check_head = [](const HttpRequest& head) {
    if (head.Header(kSignatureHeader) || head.Header("Authorization")) return Status::Ok();
    return Unauthenticated("missing X-Batchcall-Signature or Authorization: Bearer");
  };
  router_.AddPublic("POST", "/webhooks/agent/{execution_id}", [this](RouteContext& c) { return AgentCallback(c); },
                    std::move(agent));
  router_.Add("POST", "/account/webhook-secret", [this](RouteContext& c) { return RotateWebhookSecret(c); });
  router_.Add("GET", "/account/webhook-secret", [this](RouteContext& c) { return GetWebhookSecret(c); });
}

std::string Api::PublicUrlFor(const HttpRequest& request) const {
  std::string base = options_.public_url;
  if (base.empty()) base = "http://" + request.Header("Host").value_or("127.0.0.1");
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + request.target;
}

Result<HttpResponse> Api::TwilioCallback(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  const std::string& attempt_id = ctx.Param("attempt_id");
  if (attempt_id.size() > 64) return NotFound("Unknown call.");
  auto attempt = store_.FindAttempt(attempt_id);
  if (!attempt.ok()) {
    if (attempt.status().code() == StatusCode::kNotFound) return NotFound("Unknown call.");
    return attempt.status();
  }
  auto agent = store_.GetAgent(attempt->account_id, attempt->attempt.agent_id);
  if (!agent.ok()) return NotFound("The call's agent no longer exists.");
  if (agent->provider_type != "twilio") return PermissionDenied("This call was not placed through Twilio.");
  auto config = TwilioConfig::FromJson(agent->provider);
  if (!config.ok()) return PermissionDenied("The agent's Twilio settings are incomplete.");
  FormParams params;
  if (req.form) params.assign(req.form->fields.begin(), req.form->fields.end());
  auto signature = req.Header("X-Twilio-Signature");
  if (!signature || !VerifyTwilioSignature(config->auth_token, PublicUrlFor(req), params, *signature))
    return PermissionDenied("X-Twilio-Signature is missing or does not match this request.");
  auto event = ParseTwilioStatusCallback(params, attempt->attempt.id, clock_.Now());
  if (!event.ok()) return event.status();
  SecretRedactor(agent->provider).Redact(*event);
  event->idempotency_key = attempt->attempt.idempotency_key;
  if (!attempt->closed && options_.on_call_event) options_.on_call_event(std::move(event).value());
  return Accepted();
}

Result<HttpResponse> Api::AgentCallback(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  const std::string& execution_id = ctx.Param("execution_id");
  if (execution_id.size() > 64) return NotFound("Unknown execution.");
  // Which attempt the result is for: the callback_url's attempt_id; without
  // it (a server that builds its own URL), the latest attempt.
  std::string attempt_id = req.Query("attempt_id").value_or("");
  if (attempt_id.size() > 64) return NotFound("Unknown attempt.");
  auto attempt = attempt_id.empty() ? store_.FindLatestAttempt(execution_id) : store_.FindAttempt(attempt_id);
  if (!attempt.ok()) {
    if (attempt.status().code() == StatusCode::kNotFound) return NotFound("Unknown execution, or it was never dialled.");
    return attempt.status();
  }
  if (attempt->attempt.execution_id != execution_id) return NotFound("That attempt is not one of this execution's.");
  auto agent = store_.GetAgent(attempt->account_id, attempt->attempt.agent_id);
  if (!agent.ok()) return NotFound("The execution's agent no longer exists.");
  if (agent->provider_type != "http") return PermissionDenied("This execution was not placed through a voice-agent server.");
  auto config = HttpAgentConfig::FromJson(agent->provider);
  if (!config.ok()) return PermissionDenied("The agent's voice-agent settings are incomplete.");
  BC_RETURN_IF_ERROR(VerifyAgentCallback(*config, req.Header("Authorization").value_or(""),
                                         req.Header(kSignatureHeader).value_or(""), req.body, clock_.Now()));
  auto body = api_internal::JsonBody(req);
  if (!body.ok()) return body.status();
  auto event = ParseAgentResult(*body, attempt->attempt.id, clock_.Now());
  if (!event.ok()) return event.status();
  SecretRedactor(agent->provider).Redact(*event);
  event->idempotency_key = attempt->attempt.idempotency_key;
  if (attempt->closed) return JsonResponse(200, R"({"accepted":false,"reason":"the call's result was already recorded"})");
  if (options_.on_call_event) options_.on_call_event(std::move(event).value());
  return Accepted();
}

Result<HttpResponse> Api::RotateWebhookSecret(RouteContext& ctx) {
  TimePoint now = clock_.Now();
  auto before = store_.GetWebhookSecrets(ctx.account_id);
  if (!before.ok()) return before.status();
  std::string secret = NewWebhookSecret();
  TimePoint previous_until = now + kRotationOverlap;
  BC_RETURN_IF_ERROR(store_.RotateWebhookSecret(ctx.account_id, secret, previous_until, now));
  OrderedJson out;
  out["webhook_secret"] = secret;
  out["created_at"] = FormatRfc3339(now);
  out["previous_secret_valid_until"] = before->current.empty() ? OrderedJson() : OrderedJson(FormatRfc3339(previous_until));
  out["note"] = "Shown once. Deliveries are signed with this secret (and the previous one until the time above).";
  return JsonResponse(before->current.empty() ? 201 : 200, out.dump());
}

Result<HttpResponse> Api::GetWebhookSecret(RouteContext& ctx) {
  auto secrets = store_.GetWebhookSecrets(ctx.account_id);
  if (!secrets.ok()) return secrets.status();
  OrderedJson out;
  out["configured"] = !secrets->current.empty();
  out["created_at"] = secrets->current.empty() ? OrderedJson() : OrderedJson(FormatRfc3339(secrets->created_at));
  bool previous_live = !secrets->previous.empty() && secrets->previous_until && *secrets->previous_until > clock_.Now();
  out["previous_secret_valid_until"] = previous_live ? OrderedJson(FormatRfc3339(*secrets->previous_until)) : OrderedJson();
  return JsonResponse(200, out.dump());
}

}  // namespace batchcall
