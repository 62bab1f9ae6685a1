#include "api/agent_input.h"

#include <date/tz.h>

#include <cctype>
#include <cmath>

#include "api/views.h"
#include "domain/retry_config.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

using nlohmann::json;

constexpr double kMinCallsPerSecond = 0.01;
constexpr double kMaxCallsPerSecond = 1000;

Status Bad(const std::string& field, const std::string& what) {
  return InvalidArgument(field + " " + what + ".");
}

Result<double> Number(const json& v, const std::string& field, double lo, double hi) {
  if (!v.is_number()) return Bad(field, "must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return Bad(field, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  return d;
}

Result<int> Integer(const json& v, const std::string& field, int lo, int hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    return Bad(field, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v.get<int>();
}

Status ValidateRange(const json& v, const std::string& field) {
  if (!v.is_array() || v.size() != 2) return Bad(field, "must be [min, max] in seconds");
  auto lo = Number(v[0], field, 0, 3600);
  auto hi = Number(v[1], field, 0, 3600);
  if (!lo.ok()) return lo.status();
  if (!hi.ok()) return hi.status();
  if (*lo > *hi) return Bad(field, "must have min <= max");
  return Status::Ok();
}

// Keeps a stored secret when the caller echoes its masked form back; sets
// *kept when it did.
std::string ResolveSecret(const json& incoming, const json& stored, bool* kept = nullptr) {
  std::string in = incoming.get<std::string>();
  if (stored.is_string() && in == MaskSecret(stored.get<std::string>())) {
    if (kept) *kept = true;
    return stored.get<std::string>();
  }
  return in;
}

// "https://host:port" of an http(s) URL, lowercase; the URL itself when it has none.
std::string OriginOf(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin(url.substr(0, end));
  for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return origin;
}

// Secrets stored for one host are never sent to another on the strength of
// the old values: when a PATCH moves a provider to a new origin, the secrets
// it sends there must come again in full (not omitted, not masked).
Status SecretsFollowOrigin(const json& stored, const json& updated, const char* url_key, bool secrets_resent,
                           const std::string& secret_fields) {
  if (!stored.is_object() || !stored.contains(url_key) || !updated.contains(url_key)) return Status::Ok();
  if (OriginOf(stored[url_key].get<std::string>()) == OriginOf(updated[url_key].get<std::string>()))
    return Status::Ok();
  if (secrets_resent) return Status::Ok();
  return Bad("provider." + secret_fields,
             std::string("must be sent again in full when provider.") + url_key +
                 " moves to another host (stored secrets are never sent to a new host)");
}

Status ApplySimulator(const json& in, json* out) {
  json p = out->is_object() && out->value("type", "") == "simulator" ? *out : json::object();
  if (!p.contains("speed")) {
    p = {{"type", "simulator"}, {"speed", 1.0}, {"seed", 0}, {"answer_rate", 0.6}, {"busy_rate", 0.1},
         {"no_answer_rate", 0.15}, {"voicemail_rate", 0.1}, {"failure_rate", 0.05},
         {"ring_seconds", {3, 15}}, {"talk_seconds", {20, 90}}};
  }
  for (const auto& [key, v] : in.items()) {
    std::string field = "provider." + key;
    if (key == "type") continue;
    if (key == "speed") {
      auto d = Number(v, field, 0.001, 1e6);
      if (!d.ok()) return d.status();
    } else if (key == "seed") {
      if (!v.is_number_integer()) return Bad(field, "must be a whole number");
    } else if (key == "answer_rate" || key == "busy_rate" || key == "no_answer_rate" ||
               key == "voicemail_rate" || key == "failure_rate") {
      auto d = Number(v, field, 0, 1);
      if (!d.ok()) return d.status();
    } else if (key == "ring_seconds" || key == "talk_seconds") {
      BC_RETURN_IF_ERROR(ValidateRange(v, field));
    } else {
      return Bad(field, "is not a simulator setting (speed, seed, answer_rate, busy_rate, "
                        "no_answer_rate, voicemail_rate, failure_rate, ring_seconds, talk_seconds)");
    }
    p[key] = v;
  }
  double sum = 0;
  for (const char* k : {"answer_rate", "busy_rate", "no_answer_rate", "voicemail_rate", "failure_rate"})
    sum += p[k].get<double>();
  if (std::fabs(sum - 1.0) > 0.001)
    return InvalidArgument("provider rates (answer, busy, no_answer, voicemail, failure) must sum to 1; they sum to " +
                           json(sum).dump() + ".");
  *out = p;
  return Status::Ok();
}

// RFC 9110 token characters.
bool IsHeaderName(const std::string& name) {
  for (unsigned char ch : name) {
    if (std::isalnum(ch)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(ch)) == std::string_view::npos) return false;
  }
  return true;
}

Status ApplyTwilio(const json& in, json* out) {
  json p = out->is_object() && out->value("type", "") == "twilio" ? *out : json{{"type", "twilio"}};
  const json stored = p;
  bool token_resent = false;
  for (const auto& [key, v] : in.items()) {
    std::string field = "provider." + key;
    if (key == "type") continue;
    if (key == "account_sid") {
      if (!v.is_string() || v.get<std::string>().size() != 34 || v.get<std::string>().rfind("AC", 0) != 0)
        return Bad(field, "must be a Twilio account SID (AC followed by 32 characters)");
      p[key] = v;
    } else if (key == "auth_token") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 256)
        return Bad(field, "must be a non-empty string");
      bool kept = false;
      p[key] = ResolveSecret(v, p.value("auth_token", json()), &kept);
      token_resent = !kept;
    } else if (key == "twiml_url" || key == "base_url") {
      if (!v.is_string()) return Bad(field, "must be a URL string");
      BC_RETURN_IF_ERROR(ValidateHttpUrl(v.get<std::string>(), field));
      p[key] = v;
    } else if (key == "twiml") {
      if (!v.is_string() || v.get<std::string>().size() > 64 * 1024) return Bad(field, "must be a TwiML string");
      p[key] = v;
    } else if (key == "machine_detection") {
      if (!v.is_boolean()) return Bad(field, "must be true or false");
      p[key] = v;
    } else if (key == "timeout") {
      if (!v.is_number_integer() || v.get<int64_t>() < 5 || v.get<int64_t>() > 600)
        return Bad(field, "must be a whole number of seconds from 5 to 600 (how long Twilio lets it ring)");
      p[key] = v;
    } else {
      return Bad(field, "is not a twilio setting (account_sid, auth_token, twiml_url, twiml, "
                        "machine_detection, base_url, timeout)");
    }
  }
  for (const char* k : {"account_sid", "auth_token"})
    if (!p.contains(k)) return Bad(std::string("provider.") + k, "is required for twilio");
  if (!p.contains("twiml_url") && !p.contains("twiml")) return Bad("provider.twiml_url", "or provider.twiml is required for twilio");
  if (!p.contains("machine_detection")) p["machine_detection"] = false;
  if (!p.contains("base_url")) p["base_url"] = "https://api.twilio.com";
  BC_RETURN_IF_ERROR(SecretsFollowOrigin(stored, p, "base_url", token_resent, "auth_token"));
  *out = p;
  return Status::Ok();
}

Status ApplyHttp(const json& in, json* out) {
  json p = out->is_object() && out->value("type", "") == "http" ? *out : json{{"type", "http"}};
  const json stored = p;
  bool headers_resent = false;
  for (const auto& [key, v] : in.items()) {
    std::string field = "provider." + key;
    if (key == "type") continue;
    if (key == "url") {
      if (!v.is_string()) return Bad(field, "must be a URL string");
      BC_RETURN_IF_ERROR(ValidateHttpUrl(v.get<std::string>(), field));
      p[key] = v;
    } else if (key == "headers") {
      if (!v.is_object() || v.size() > 32) return Bad(field, "must be an object of at most 32 string values");
      json stored = p.value("headers", json::object());
      json h = json::object();
      bool any_kept = false;
      for (const auto& [name, value] : v.items()) {
        if (!value.is_string() || name.empty() || name.size() > 256 || value.get<std::string>().size() > 8192)
          return Bad(field + "." + name, "must be a string");
        if (!IsHeaderName(name)) return Bad(field, "has a header name with characters not allowed in HTTP");
        if (value.get<std::string>().find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
          return Bad(field + "." + name, "must not contain line breaks");
        bool kept = false;
        h[name] = ResolveSecret(value, stored.value(name, json()), &kept);
        if (kept) any_kept = true;
      }
      headers_resent = !any_kept;
      p[key] = h;
    } else if (key == "signing_secret") {
      if (!v.is_string() || v.get<std::string>().size() < 16 || v.get<std::string>().size() > 256)
        return Bad(field, "must be a string of 16 to 256 characters");
      p[key] = ResolveSecret(v, p.value("signing_secret", json()));
    } else if (key == "remote_agent_id") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 200)
        return Bad(field, "must be a string of 1 to 200 characters (the agent id your voice-agent server knows)");
      p[key] = v;
    } else if (key == "result_timeout_seconds") {
      if (!v.is_number() || v.get<double>() < 1 || v.get<double>() > 7 * 86400)
        return Bad(field, "must be a number of seconds from 1 to 604800");
      p[key] = v;
    } else {
      return Bad(field, "is not an http provider setting (url, headers, signing_secret, remote_agent_id, "
                        "result_timeout_seconds)");
    }
  }
  if (!p.contains("url")) return Bad("provider.url", "is required for the http provider");
  if (!p.contains("headers")) p["headers"] = json::object();
  const bool no_headers = p["headers"].empty();
  BC_RETURN_IF_ERROR(SecretsFollowOrigin(stored, p, "url", headers_resent || no_headers, "headers"));
  *out = p;
  return Status::Ok();
}

Status ApplyProvider(const json& in, Agent* agent) {
  if (!in.is_object()) return Bad("provider", "must be an object with a \"type\"");
  std::string type = in.contains("type") && in["type"].is_string() ? in["type"].get<std::string>()
                                                                   : agent->provider_type;
  if (type != agent->provider_type) agent->provider = json::object();
  Status s;
  if (type == "simulator") s = ApplySimulator(in, &agent->provider);
  else if (type == "twilio") s = ApplyTwilio(in, &agent->provider);
  else if (type == "http") s = ApplyHttp(in, &agent->provider);
  else return Bad("provider.type", "must be \"simulator\", \"twilio\" or \"http\"");
  BC_RETURN_IF_ERROR(s);
  agent->provider_type = type;
  return Status::Ok();
}

Status ApplyGuardrails(const json& v, Agent* agent) {
  if (v.is_null()) {
    agent->calling_guardrails.reset();
    return Status::Ok();
  }
  if (!v.is_object()) return Bad("calling_guardrails", "must be an object or null");
  CallingGuardrails g = agent->calling_guardrails.value_or(CallingGuardrails{});
  for (const auto& [key, value] : v.items()) {
    std::string field = "calling_guardrails." + key;
    if (key == "call_start_hour") {
      auto h = Integer(value, field, 0, 23);
      if (!h.ok()) return h.status();
      g.call_start_hour = *h;
    } else if (key == "call_end_hour") {
      auto h = Integer(value, field, 1, 24);
      if (!h.ok()) return h.status();
      g.call_end_hour = *h;
    } else if (key == "default_timezone") {
      if (!value.is_string() || !IsKnownTimeZone(value.get<std::string>()))
        return Bad(field, "must be an IANA time zone name such as \"Asia/Kolkata\"");
      g.default_timezone = value.get<std::string>();
    } else {
      return Bad(field, "is not a guardrail setting (call_start_hour, call_end_hour, default_timezone)");
    }
  }
  if (g.call_end_hour <= g.call_start_hour)
    return Bad("calling_guardrails.call_end_hour", "must be later than call_start_hour");
  agent->calling_guardrails = g;
  return Status::Ok();
}

}  // namespace

bool IsKnownTimeZone(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    (void)date::locate_zone(name);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Status ValidateHttpUrl(std::string_view url, std::string_view field) {
  std::string f(field);
  if (url.size() > 2048) return Bad(f, "is longer than 2048 characters");
  size_t scheme_end;
  if (url.rfind("https://", 0) == 0) scheme_end = 8;
  else if (url.rfind("http://", 0) == 0) scheme_end = 7;
  else return Bad(f, "must be an http:// or https:// URL");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return Bad(f, "must not contain spaces or control characters");
  std::string_view rest = url.substr(scheme_end);
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string_view::npos) return Bad(f, "must not carry credentials");
  if (host.empty() || host.front() == ':') return Bad(f, "must name a host");
  return Status::Ok();
}

Status ValidateOutboundUrl(std::string_view url, std::string_view field, const OutboundPolicy& outbound) {
  BC_RETURN_IF_ERROR(ValidateHttpUrl(url, field));
  return outbound.CheckUrl(url, field);
}

Status ValidateFromNumbers(const std::vector<std::string>& numbers, std::string_view field) {
  if (numbers.size() > 100) return Bad(std::string(field), "may hold at most 100 numbers");
  PhoneValidator validator({PhoneValidationMode::kE164, ""});
  for (const auto& n : numbers) {
    auto check = validator.Check(n);
    if (!check.ok || check.e164 != n)
      return InvalidArgument(std::string(field) + " must hold E.164 numbers such as +14155552671; got \"" +
                             n.substr(0, 32) + "\".");
  }
  return Status::Ok();
}

Status ApplyAgentJson(const json& body, bool partial, Agent* agent, const OutboundPolicy& outbound) {
  if (!body.is_object()) return InvalidArgument("The body must be a JSON object.");
  if (!partial) {
    if (!body.contains("agent_name")) return Bad("agent_name", "is required");
    if (!body.contains("provider")) return Bad("provider", "is required (for example {\"type\": \"simulator\"})");
  }
  for (const auto& [key, v] : body.items()) {
    if (key == "agent_name") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 200)
        return Bad(key, "must be a string of 1 to 200 characters");
      agent->name = v.get<std::string>();
    } else if (key == "provider") {
      BC_RETURN_IF_ERROR(ApplyProvider(v, agent));
    } else if (key == "from_phone_numbers") {
      if (!v.is_array()) return Bad(key, "must be an array of E.164 numbers");
      std::vector<std::string> numbers;
      for (const auto& n : v) {
        if (!n.is_string()) return Bad(key, "must be an array of E.164 numbers");
        numbers.push_back(n.get<std::string>());
      }
      BC_RETURN_IF_ERROR(ValidateFromNumbers(numbers, key));
      agent->from_phone_numbers = numbers;
    } else if (key == "webhook_url") {
      if (v.is_null()) {
        agent->webhook_url.reset();
      } else {
        if (!v.is_string()) return Bad(key, "must be a URL or null");
        BC_RETURN_IF_ERROR(ValidateOutboundUrl(v.get<std::string>(), key, outbound));
        agent->webhook_url = v.get<std::string>();
      }
    } else if (key == "welcome_message") {
      if (!v.is_string() || v.get<std::string>().size() > 4096) return Bad(key, "must be a string of at most 4096 bytes");
      agent->welcome_message = v.get<std::string>();
    } else if (key == "calling_guardrails") {
      BC_RETURN_IF_ERROR(ApplyGuardrails(v, agent));
    } else if (key == "max_concurrency") {
      auto n = Integer(v, key, 1, 1000);
      if (!n.ok()) return n.status();
      agent->max_concurrency = *n;
    } else if (key == "calls_per_second") {
      // 0 is unpaced; a positive rate below 0.01 (one call per 100 s) would
      // only make the engine wake for nothing (1e-320 woke it every ms).
      auto d = Number(v, key, 0, kMaxCallsPerSecond);
      if (!d.ok() || (*d != 0 && *d < kMinCallsPerSecond)) {
        return Bad(key, "must be 0 (unpaced) or from 0.01 to 1000 calls per second");
      }
      agent->calls_per_second = *d;
    } else if (key == "retry_config") {
      if (v.is_null()) {
        agent->retry_config.reset();
      } else {
        auto r = ParseRetryConfig(v);
        if (!r.ok()) return r.status();
        agent->retry_config = *r;
      }
    } else if (key == "agent_id" || key == "created_at" || key == "updated_at") {
      continue;  // read-only fields echoed back by clients are ignored
    } else {
      return Bad("\"" + key + "\"", "is not an agent field");
    }
  }
  // Provider addresses the server connects to, as given in this body (a
  // stored one is checked again at every connection).
  if (auto given = body.find("provider"); given != body.end() && given->is_object()) {
    for (const char* key : {"url", "base_url"}) {
      if (given->contains(key) && agent->provider.contains(key) && agent->provider[key].is_string()) {
        BC_RETURN_IF_ERROR(outbound.CheckUrl(agent->provider[key].get<std::string>(), std::string("provider.") + key));
      }
    }
  }
  return Status::Ok();
}

}  // namespace batchcall
