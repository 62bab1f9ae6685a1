#include "telephony/twilio/twilio_kind.h"

#include "net/http_url.h"
#include "telephony/provider_secrets.h"
#include "telephony/twilio/twilio_callback.h"
#include "telephony/twilio/twilio_provider.h"

namespace batchcall {
namespace {

using nlohmann::json;

// Twilio status callbacks are small url-encoded forms (a few hundred bytes).
constexpr uint64_t kMaxTwilioCallbackBytes = 64 * 1024;
constexpr std::string_view kTwilioSignatureHeader = "X-Twilio-Signature";

Status BadTwilioSignature() {
  return PermissionDenied("X-Twilio-Signature is missing or does not match this request.");
}

// Applies one setting to `p`; sets *token_resent when the auth token came in full.
Status ApplyTwilioSetting(const std::string& key, const json& v, json& p, bool* token_resent) {
  std::string field = "provider." + key;
  if (key == "account_sid") {
    if (!v.is_string() || v.get<std::string>().size() != 34 || v.get<std::string>().rfind("AC", 0) != 0)
      return InvalidSetting(field, "must be a Twilio account SID (AC followed by 32 characters)");
    p[key] = v;
  } else if (key == "auth_token") {
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 256)
      return InvalidSetting(field, "must be a non-empty string");
    bool kept = false;
    p[key] = KeepMaskedSecret(v, p.value("auth_token", json()), &kept);
    *token_resent = !kept;
  } else if (key == "twiml_url" || key == "base_url") {
    if (!v.is_string()) return InvalidSetting(field, "must be a URL string");
    BC_RETURN_IF_ERROR(ValidateHttpUrl(v.get<std::string>(), field));
    p[key] = v;
  } else if (key == "twiml") {
    if (!v.is_string() || v.get<std::string>().size() > 64 * 1024) return InvalidSetting(field, "must be a TwiML string");
    p[key] = v;
  } else if (key == "machine_detection") {
    if (!v.is_boolean()) return InvalidSetting(field, "must be true or false");
    p[key] = v;
  } else if (key == "timeout") {
    if (!v.is_number_integer() || v.get<int64_t>() < 5 || v.get<int64_t>() > 600)
      return InvalidSetting(field, "must be a whole number of seconds from 5 to 600 (how long Twilio lets it ring)");
    p[key] = v;
  } else {
    return InvalidSetting(field, "is not a twilio setting (account_sid, auth_token, twiml_url, twiml, "
                                 "machine_detection, base_url, timeout)");
  }
  return Status::Ok();
}

Result<json> ApplyTwilioSettings(const json& in, const json& stored) {
  json p = stored.is_object() ? stored : json{{"type", "twilio"}};
  bool token_resent = false;
  for (const auto& [key, v] : in.items()) {
    if (key == "type") continue;
    BC_RETURN_IF_ERROR(ApplyTwilioSetting(key, v, p, &token_resent));
  }
  for (const char* k : {"account_sid", "auth_token"})
    if (!p.contains(k)) return InvalidSetting(std::string("provider.") + k, "is required for twilio");
  if (!p.contains("twiml_url") && !p.contains("twiml"))
    return InvalidSetting("provider.twiml_url", "or provider.twiml is required for twilio");
  if (!p.contains("machine_detection")) p["machine_detection"] = false;
  if (!p.contains("base_url")) p["base_url"] = "https://api.twilio.com";
  BC_RETURN_IF_ERROR(SecretsFollowOrigin(stored, p, "base_url", token_resent, "auth_token"));
  return p;
}

Result<std::unique_ptr<Provider>> BuildTwilio(const json& settings, const ProviderEnvironment& env) {
  if (!env.transport) return InvalidArgument("outbound HTTP is not configured");
  BC_ASSIGN_OR_RETURN(TwilioConfig config, TwilioConfig::FromJson(settings));
  TwilioOptions options;
  options.sleep = env.sleep;
  options.stopping = env.stopping;
  return std::unique_ptr<Provider>(
      std::make_unique<TwilioProvider>(std::move(config), *env.transport, *env.clock, std::move(options)));
}

Status CheckTwilioHead(const HeaderLookup& header) {
  return header(kTwilioSignatureHeader) ? Status::Ok() : BadTwilioSignature();
}

Result<CallEvent> HandleTwilioCallback(const json& settings, const CallbackRequest& request,
                                       const std::string& attempt_id) {
  auto config = TwilioConfig::FromJson(settings);
  if (!config.ok()) return PermissionDenied("The agent's Twilio settings are incomplete.");
  FormParams params(request.form.begin(), request.form.end());
  auto signature = request.header(kTwilioSignatureHeader);
  if (!signature || !VerifyTwilioSignature(config->auth_token, request.url, params, *signature))
    return BadTwilioSignature();
  return ParseTwilioStatusCallback(params, attempt_id, request.now);
}

}  // namespace

ProviderKind TwilioKind() {
  ProviderKind kind;
  kind.type = "twilio";
  kind.display_name = "Twilio";
  kind.outbound_url_settings = {"base_url"};
  kind.apply_settings = ApplyTwilioSettings;
  kind.build = BuildTwilio;
  ProviderCallback callback;
  callback.path = "/webhooks/twilio/{attempt_id}";
  callback.target = CallbackTarget::kAttempt;
  callback.max_body_bytes = kMaxTwilioCallbackBytes;
  callback.check_head = CheckTwilioHead;
  callback.handle = HandleTwilioCallback;
  callback.closed_reply = R"({"accepted":true})";
  kind.callback = std::move(callback);
  return kind;
}

}  // namespace batchcall
