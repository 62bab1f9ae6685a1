// Inbound provider callbacks and the account's webhook secret:
//   POST <kind's callback path>          one generic route per provider kind
//                                        with a callback (provider_kind.h):
//     /webhooks/twilio/{attempt_id}      Twilio status callbacks (X-Twilio-Signature)
//     /webhooks/agent/{execution_id}     results from a voice-agent server (signing secret)
//   POST /account/webhook-secret         creates or rotates the signing secret (shown once)
//   GET  /account/webhook-secret         whether one is set, and since when
// The callback routes carry no API key: the provider's signature is the
// credential. The kind's check_head refuses a request without its signature
// header on the head (before its body is read), and a body is read only up
// to the kind's own limit before its handler checks the signature over it.
// A bad signature is 403 and changes nothing. Accepted events (their texts
// redacted of the agent's secrets, provider_secrets.h) go to the engine,
// which moves executions forward only (duplicates and out-of-order events
// are ignored there).
#include "api/api.h"
#include "api/views.h"
#include "base/time.h"
#include "telephony/provider_secrets.h"
#include "webhook/signature.h"

namespace batchcall {
namespace {

constexpr auto kRotationOverlap = std::chrono::hours(24);

HttpResponse Accepted() { return JsonResponse(200, R"({"accepted":true})"); }

HeaderLookup HeadersOf(const HttpRequest& request) {
  return [&request](std::string_view name) { return request.Header(name); };
}

}  // namespace

void Api::AddWebhookRoutes() {
  for (const ProviderKind& kind : kinds_.all()) {
    if (!kind.callback) continue;
    const ProviderCallback& callback = *kind.callback;
    RouteOptions options;
    options.max_body_bytes = callback.max_body_bytes;
    options.check_head = [&callback](const HttpRequest& head) { return callback.check_head(HeadersOf(head)); };
    router_.AddPublic("POST", callback.path, [this, &kind](RouteContext& c) { return ProviderCallbackRoute(c, kind); },
                      std::move(options));
  }
  router_.Add("POST", "/account/webhook-secret", [this](RouteContext& c) { return RotateWebhookSecret(c); });
  router_.Add("GET", "/account/webhook-secret", [this](RouteContext& c) { return GetWebhookSecret(c); });
}

std::string Api::PublicUrlFor(const HttpRequest& request) const {
  std::string base = options_.public_url;
  if (base.empty()) base = "http://" + request.Header("Host").value_or("127.0.0.1");
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + request.target;
}

Result<OpenAttempt> Api::CallbackAttempt(const RouteContext& ctx, CallbackTarget target) const {
  if (target == CallbackTarget::kAttempt) {
    const std::string& attempt_id = ctx.Param("attempt_id");
    if (attempt_id.size() > 64) return NotFound("Unknown call.");
    auto attempt = store_.FindAttempt(attempt_id);
    if (!attempt.ok() && attempt.status().code() == StatusCode::kNotFound) return NotFound("Unknown call.");
    return attempt;
  }
  const std::string& execution_id = ctx.Param("execution_id");
  if (execution_id.size() > 64) return NotFound("Unknown execution.");
  // Which attempt the request is for: the callback_url's attempt_id; without
  // it (a server that builds its own URL), the latest attempt.
  std::string attempt_id = ctx.request.Query("attempt_id").value_or("");
  if (attempt_id.size() > 64) return NotFound("Unknown attempt.");
  auto attempt = attempt_id.empty() ? store_.FindLatestAttempt(execution_id) : store_.FindAttempt(attempt_id);
  if (!attempt.ok()) {
    if (attempt.status().code() == StatusCode::kNotFound) return NotFound("Unknown execution, or it was never dialled.");
    return attempt.status();
  }
  if (attempt->attempt.execution_id != execution_id) return NotFound("That attempt is not one of this execution's.");
  return attempt;
}

Result<HttpResponse> Api::ProviderCallbackRoute(RouteContext& ctx, const ProviderKind& kind) {
  const ProviderCallback& callback = *kind.callback;
  const HttpRequest& req = ctx.request;
  BC_ASSIGN_OR_RETURN(OpenAttempt attempt, CallbackAttempt(ctx, callback.target));
  const std::string subject = callback.target == CallbackTarget::kAttempt ? "call" : "execution";
  auto agent = store_.GetAgent(attempt.account_id, attempt.attempt.agent_id);
  if (!agent.ok()) return NotFound("The " + subject + "'s agent no longer exists.");
  if (agent->provider_type != kind.type)
    return PermissionDenied("This " + subject + " was not placed through " + kind.display_name + ".");
  CallbackRequest request;
  request.url = PublicUrlFor(req);
  request.header = HeadersOf(req);
  request.body = req.body;
  if (req.form) request.form.assign(req.form->fields.begin(), req.form->fields.end());
  request.now = clock_.Now();
  BC_ASSIGN_OR_RETURN(CallEvent event, callback.handle(agent->provider, request, attempt.attempt.id));
  SecretRedactor(agent->provider).Redact(event);
  event.idempotency_key = attempt.attempt.idempotency_key;
  if (attempt.closed) return JsonResponse(200, callback.closed_reply);
  if (options_.on_call_event) options_.on_call_event(std::move(event));
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
