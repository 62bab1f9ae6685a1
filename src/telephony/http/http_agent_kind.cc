#include "telephony/http/http_agent_kind.h"

#include <cctype>

#include "base/json.h"
#include "net/http_url.h"
#include "telephony/http/http_agent_provider.h"
#include "telephony/provider_secrets.h"
#include "webhook/signature.h"

namespace batchcall {
namespace {

using nlohmann::json;

// A voice-agent result: the outcome, a transcript and extracted data.
constexpr uint64_t kMaxAgentResultBytes = 1024 * 1024;

// RFC 9110 token characters.
bool IsHttpTokenName(const std::string& name) {
  for (unsigned char ch : name) {
    if (std::isalnum(ch)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(ch)) == std::string_view::npos) return false;
  }
  return true;
}

// The "headers" setting: `v` over the stored headers; sets *resent unless a
// masked value kept a stored one.
Result<json> AgentHeaders(const json& v, const json& stored, const std::string& field, bool* resent) {
  if (!v.is_object() || v.size() > 32) return InvalidSetting(field, "must be an object of at most 32 string values");
  json h = json::object();
  bool any_kept = false;
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string() || name.empty() || name.size() > 256 || value.get<std::string>().size() > 8192)
      return InvalidSetting(field + "." + name, "must be a string");
    if (!IsHttpTokenName(name)) return InvalidSetting(field, "has a header name with characters not allowed in HTTP");
    if (value.get<std::string>().find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
      return InvalidSetting(field + "." + name, "must not contain line breaks");
    bool kept = false;
    h[name] = KeepMaskedSecret(value, stored.value(name, json()), &kept);
    if (kept) any_kept = true;
  }
  *resent = !any_kept;
  return h;
}

// Applies one setting to `p`; sets *headers_resent when headers came in full.
Status ApplyAgentSetting(const std::string& key, const json& v, json& p, bool* headers_resent) {
  std::string field = "provider." + key;
  if (key == "url") {
    if (!v.is_string()) return InvalidSetting(field, "must be a URL string");
    BC_RETURN_IF_ERROR(ValidateHttpUrl(v.get<std::string>(), field));
    p[key] = v;
  } else if (key == "headers") {
    BC_ASSIGN_OR_RETURN(p[key], AgentHeaders(v, p.value("headers", json::object()), field, headers_resent));
  } else if (key == "signing_secret") {
    if (!v.is_string() || v.get<std::string>().size() < 16 || v.get<std::string>().size() > 256)
      return InvalidSetting(field, "must be a string of 16 to 256 characters");
    p[key] = KeepMaskedSecret(v, p.value("signing_secret", json()));
  } else if (key == "remote_agent_id") {
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 200)
      return InvalidSetting(field, "must be a string of 1 to 200 characters (the agent id your voice-agent server knows)");
    p[key] = v;
  } else if (key == "result_timeout_seconds") {
    if (!v.is_number() || v.get<double>() < 1 || v.get<double>() > 7 * 86400)
      return InvalidSetting(field, "must be a number of seconds from 1 to 604800");
    p[key] = v;
  } else {
    return InvalidSetting(field, "is not an http provider setting (url, headers, signing_secret, remote_agent_id, "
                                 "result_timeout_seconds)");
  }
  return Status::Ok();
}

Result<json> ApplyAgentSettings(const json& in, const json& stored) {
  json p = stored.is_object() ? stored : json{{"type", "http"}};
  bool headers_resent = false;
  for (const auto& [key, v] : in.items()) {
    if (key == "type") continue;
    BC_RETURN_IF_ERROR(ApplyAgentSetting(key, v, p, &headers_resent));
  }
  if (!p.contains("url")) return InvalidSetting("provider.url", "is required for the http provider");
  if (!p.contains("headers")) p["headers"] = json::object();
  const bool no_headers = p["headers"].empty();
  BC_RETURN_IF_ERROR(SecretsFollowOrigin(stored, p, "url", headers_resent || no_headers, "headers"));
  return p;
}

Result<std::unique_ptr<Provider>> BuildAgent(const json& settings, const ProviderEnvironment& env) {
  if (!env.transport) return InvalidArgument("outbound HTTP is not configured");
  BC_ASSIGN_OR_RETURN(HttpAgentConfig config, HttpAgentConfig::FromJson(settings));
  return std::unique_ptr<Provider>(
      std::make_unique<HttpAgentProvider>(std::move(config), *env.transport, HttpAgentOptions{}));
}

Status CheckAgentHead(const HeaderLookup& header) {
  if (header(kSignatureHeader) || header("Authorization")) return Status::Ok();
  return Unauthenticated("missing X-Batchcall-Signature or Authorization: Bearer");
}

Result<CallEvent> HandleAgentResult(const json& settings, const CallbackRequest& request,
                                    const std::string& attempt_id) {
  auto config = HttpAgentConfig::FromJson(settings);
  if (!config.ok()) return PermissionDenied("The agent's voice-agent settings are incomplete.");
  BC_RETURN_IF_ERROR(VerifyAgentCallback(*config, request.header("Authorization").value_or(""),
                                         request.header(kSignatureHeader).value_or(""), request.body, request.now));
  if (request.body.empty()) return InvalidArgument("The request needs a JSON body.");
  BC_ASSIGN_OR_RETURN(json body, ParseJson(request.body));
  return ParseAgentResult(body, attempt_id, request.now);
}

}  // namespace

ProviderKind HttpAgentKind() {
  ProviderKind kind;
  kind.type = "http";
  kind.display_name = "a voice-agent server";
  kind.outbound_url_settings = {"url"};
  kind.apply_settings = ApplyAgentSettings;
  kind.build = BuildAgent;
  ProviderCallback callback;
  callback.path = "/webhooks/agent/{execution_id}";
  callback.target = CallbackTarget::kExecution;
  callback.max_body_bytes = kMaxAgentResultBytes;
  callback.check_head = CheckAgentHead;
  callback.handle = HandleAgentResult;
  callback.closed_reply = R"({"accepted":false,"reason":"the call's result was already recorded"})";
  kind.callback = std::move(callback);
  return kind;
}

}  // namespace batchcall
