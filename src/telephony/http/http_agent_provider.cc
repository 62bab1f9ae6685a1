// HttpAgentProvider, its configuration and the result-callback helpers
// (declared in http_agent_provider.h).
#include "telephony/http/http_agent_provider.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "base/json.h"
#include "webhook/signature.h"

namespace batchcall {
namespace {

using nlohmann::json;

constexpr size_t kTransportErrorChars = 500;       // of a transport error quoted in the error
constexpr size_t kMaxTranscriptBytes = 1 << 20;    // 1 MiB, after rendering
constexpr size_t kMaxFieldBytes = 64 * 1024;       // any other string field of a result
constexpr size_t kMaxExtractedBytes = 256 * 1024;  // extracted_data, serialised
constexpr size_t kMaxCallIdBytes = 256;            // longer ids in a 2xx body are ignored
constexpr double kMaxResultTimeoutSeconds = 30.0 * 24 * 3600;

Status BadConfig(std::string_view field, std::string_view what) {
  std::string m = "provider.";
  m.append(field).append(" ").append(what);
  return InvalidArgument(std::move(m));
}

Status BadResult(std::string_view field, std::string_view what) {
  std::string m(field);
  m.append(" ").append(what);
  return InvalidArgument(std::move(m));
}

bool HasControlOrSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// RFC 7230 token characters (header field names).
bool IsHeaderName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool IsHeaderValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// The call id named by a 2xx body, or "" (plain text such as Bolna's "done",
// no id field, or an id that is not a short printable string or integer).
std::string CallIdFromBody(const std::string& body) {
  json parsed = ParseJsonOrDiscarded(body);
  if (!parsed.is_object()) return "";
  for (const char* field : {"call_sid", "call_id", "id"}) {
    auto it = parsed.find(field);
    if (it == parsed.end()) continue;
    std::string id;
    if (it->is_string()) {
      id = it->get<std::string>();
    } else if (it->is_number_integer()) {
      id = it->dump();
    }
    if (!id.empty() && id.size() <= kMaxCallIdBytes && !HasControlOrSpace(id)) return id;
  }
  return "";
}

// Reads an optional string field (absent or null -> untouched).
Status ReadString(const json& body, const char* field, size_t max_bytes, std::string* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return BadResult(field, "must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return PayloadTooLarge(std::string(field) + " is longer than " + std::to_string(max_bytes) +
                           " bytes");
  }
  *out = s;
  return Status::Ok();
}

// Reads an optional non-negative number given as a JSON number or a numeric
// string (absent or null -> untouched).
Status ReadNumber(const json& body, const char* field, double* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return Status::Ok();
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (it->is_string()) {
    std::string_view s = Trim(it->get_ref<const std::string&>());
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
      return BadResult(field, "must be a number");
  } else {
    return BadResult(field, "must be a number");
  }
  if (!std::isfinite(v) || v < 0) return BadResult(field, "must be a non-negative number");
  *out = v;
  return Status::Ok();
}

Status ReadTranscript(const json& body, std::string* out) {
  auto it = body.find("transcript");
  if (it == body.end() || it->is_null()) return Status::Ok();
  std::string text;
  if (it->is_string()) {
    text = it->get<std::string>();
  } else if (it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      const json& turn = (*it)[i];
      std::string where = "transcript[" + std::to_string(i) + "]";
      if (!turn.is_object()) return BadResult(where, "must be an object with role and content");
      auto role = turn.find("role");
      auto content = turn.find("content");
      if (role == turn.end() || !role->is_string())
        return BadResult(where + ".role", "must be a string");
      if (content != turn.end() && !content->is_null() && !content->is_string()) {
        return BadResult(where + ".content", "must be a string");
      }
      if (i > 0) text.push_back('\n');
      text.append(role->get_ref<const std::string&>()).append(": ");
      if (content != turn.end() && content->is_string())
        text.append(content->get_ref<const std::string&>());
      if (text.size() > kMaxTranscriptBytes) break;
    }
  } else {
    return BadResult("transcript", "must be a string or an array of {role, content} objects");
  }
  if (text.size() > kMaxTranscriptBytes) {
    return PayloadTooLarge("transcript is longer than " + std::to_string(kMaxTranscriptBytes) +
                           " bytes");
  }
  *out = std::move(text);
  return Status::Ok();
}

Result<ExecutionStatus> ReadStatus(const json& body) {
  auto it = body.find("status");
  if (it == body.end() || it->is_null()) return BadResult("status", "is required");
  if (!it->is_string()) return BadResult("status", "must be a string");
  std::string s(Trim(it->get_ref<const std::string&>()));
  for (char& c : s)
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "cancelled") s = "canceled";
  static constexpr ExecutionStatus kAccepted[] = {
      ExecutionStatus::kRinging,   ExecutionStatus::kInProgress, ExecutionStatus::kCallDisconnected,
      ExecutionStatus::kCompleted, ExecutionStatus::kBusy,       ExecutionStatus::kNoAnswer,
      ExecutionStatus::kFailed,    ExecutionStatus::kCanceled,   ExecutionStatus::kError,
  };
  for (ExecutionStatus st : kAccepted) {
    if (ToString(st) == s) return st;
  }
  return BadResult(
      "status",
      "must be one of ringing, in-progress, call-disconnected, completed, busy, no-answer, failed, "
      "canceled, error");
}

}  // namespace

Result<HttpAgentConfig> HttpAgentConfig::FromJson(const nlohmann::json& provider) {
  if (!provider.is_object()) return InvalidArgument("provider must be an object");
  HttpAgentConfig config;

  auto url = provider.find("url");
  if (url == provider.end() || url->is_null()) return BadConfig("url", "is required");
  if (!url->is_string()) return BadConfig("url", "must be a string");
  config.url = url->get<std::string>();
  if (!ParseUrl(config.url) || HasControlOrSpace(config.url))
    return BadConfig("url", "must be an http(s) URL");

  auto headers = provider.find("headers");
  if (headers != provider.end() && !headers->is_null()) {
    if (!headers->is_object()) return BadConfig("headers", "must be an object of strings");
    for (const auto& [name, value] : headers->items()) {
      if (!IsHeaderName(name)) return BadConfig("headers", "has an invalid header name");
      // The value is a secret: never quote it.
      if (!value.is_string() || !IsHeaderValue(value.get_ref<const std::string&>())) {
        return BadConfig("headers." + name, "must be a string without line breaks");
      }
      config.headers.emplace_back(name, value.get<std::string>());
    }
  }

  auto secret = provider.find("signing_secret");
  if (secret != provider.end() && !secret->is_null()) {
    if (!secret->is_string()) return BadConfig("signing_secret", "must be a string");
    config.signing_secret = secret->get<std::string>();
  }

  auto remote_agent = provider.find("remote_agent_id");
  if (remote_agent != provider.end() && !remote_agent->is_null()) {
    if (!remote_agent->is_string()) return BadConfig("remote_agent_id", "must be a string");
    config.remote_agent_id = remote_agent->get<std::string>();
  }

  auto timeout = provider.find("result_timeout_seconds");
  if (timeout != provider.end() && !timeout->is_null()) {
    if (!timeout->is_number()) return BadConfig("result_timeout_seconds", "must be a number");
    double seconds = timeout->get<double>();
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxResultTimeoutSeconds) {
      return BadConfig("result_timeout_seconds",
                       "must be a positive number of seconds, at most 30 days");
    }
    config.result_timeout =
        std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  }
  return config;
}

HttpAgentProvider::HttpAgentProvider(HttpAgentConfig config, HttpTransport& transport,
                                     HttpAgentOptions options)
    : config_(std::move(config)), transport_(transport), options_(options) {}

Result<std::string> HttpAgentProvider::StartCall(const CallRequest& request) {
  nlohmann::ordered_json body;
  body["agent_id"] = config_.remote_agent_id.empty() ? request.agent_id : config_.remote_agent_id;
  body["recipient_phone_number"] = request.to;
  body["from_phone_number"] =
      request.from.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(request.from);
  nlohmann::ordered_json user_data = nlohmann::ordered_json::object();
  for (const auto& [name, value] : request.variables) user_data[name] = value;
  body["user_data"] = std::move(user_data);
  body["execution_id"] = request.execution_id;
  std::string callback = AgentCallbackUrl(request.callback_base, request.execution_id, request.attempt_id);
  body["callback_url"] =
      callback.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(callback);
  body["attempt_id"] = request.attempt_id;

  OutboundRequest out;
  out.method = "POST";
  out.url = config_.url;
  bool custom_content_type = false;
  for (const auto& [name, value] : config_.headers)
    custom_content_type |= EqualsIgnoreCase(name, "Content-Type");
  if (!custom_content_type) out.headers.emplace_back("Content-Type", "application/json");
  out.headers.insert(out.headers.end(), config_.headers.begin(), config_.headers.end());
  // Variables come from user CSVs: replace invalid UTF-8 rather than throw.
  out.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out.timeout = options_.request_timeout;
  out.connect_timeout = std::min(out.connect_timeout, options_.request_timeout);

  // Secrets an echo may carry are redacted by RedactingProvider (provider_secrets.h).
  Result<OutboundResponse> response = transport_.Send(out);
  if (!response.ok()) {
    std::string m = ResponseExcerpt(response.status().message(), kTransportErrorChars);
    // The transport refuses a bad URL, or an address the outbound policy
    // does not allow, up front: permanent. Anything else (no connection,
    // timeout, TLS) may pass.
    if (response.status().code() == StatusCode::kInvalidArgument ||
        response.status().code() == StatusCode::kPermissionDenied) {
      return InvalidArgument("voice-agent server url rejected: " + m);
    }
    if (response.status().code() == StatusCode::kUnknownOutcome) {
      return UnknownOutcome("voice-agent server did not answer (" + m +
                            "); the call may have started: waiting for its result callback");
    }
    return Unavailable("voice-agent server unreachable: " + m);
  }
  const long status = response->status;
  if (response->ok()) {
    std::string id = CallIdFromBody(response->body);
    return id.empty() ? request.attempt_id : id;
  }
  std::string m = "voice-agent server answered " + std::to_string(status) + ": " + ResponseExcerpt(response->body);
  if (status >= 500) return Unavailable(std::move(m));
  // 4xx, and 1xx/3xx (redirects are not followed): retrying the same request
  // cannot help.
  return InvalidArgument(std::move(m));
}

Result<CallEvent> HttpAgentProvider::Lookup(const CallLookup& /*lookup*/) {
  return Unavailable(
      "a voice-agent server cannot be asked about a call; waiting for its result callback");
}

std::string AgentCallbackUrl(const std::string& callback_base, const std::string& execution_id,
                             const std::string& attempt_id) {
  if (callback_base.empty()) return "";
  std::string_view base = callback_base;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url = std::string(base) + "/webhooks/agent/" + FormEncode(execution_id);
  if (!attempt_id.empty()) url += "?attempt_id=" + FormEncode(attempt_id);
  return url;
}

Status VerifyAgentCallback(const HttpAgentConfig& config, std::string_view authorization,
                           std::string_view signature, std::string_view body, TimePoint now) {
  if (config.signing_secret.empty()) {
    return Unauthenticated(
        "the agent has no signing_secret, so its results cannot be authenticated");
  }
  authorization = Trim(authorization);
  signature = Trim(signature);
  if (authorization.empty() && signature.empty()) {
    return Unauthenticated("missing X-Batchcall-Signature or Authorization: Bearer");
  }
  // Any valid credential suffices (a proxy may add an Authorization of its own).
  Status signature_status = Status::Ok();
  if (!signature.empty()) {
    signature_status = VerifyPayload(config.signing_secret, signature, body, now);
    if (signature_status.ok()) return Status::Ok();
  }
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "bearer ";
    if (authorization.size() > kBearer.size() &&
        EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) {
      if (ConstantTimeEquals(Trim(authorization.substr(kBearer.size())), config.signing_secret))
        return Status::Ok();
      if (signature.empty())
        return PermissionDenied("bearer token does not match the agent's signing_secret");
    } else if (signature.empty()) {
      return PermissionDenied("Authorization must be \"Bearer <signing_secret>\"");
    }
  }
  return PermissionDenied("X-Batchcall-Signature rejected: " + signature_status.message());
}

Result<CallEvent> ParseAgentResult(const nlohmann::json& body, const std::string& attempt_id,
                                   TimePoint now) {
  if (!body.is_object()) return InvalidArgument("result body must be a JSON object");
  Result<ExecutionStatus> status = ReadStatus(body);
  if (!status.ok()) return status.status();

  CallEvent event;
  event.attempt_id = attempt_id;
  event.status = *status;
  event.at = now;

  BC_RETURN_IF_ERROR(ReadTranscript(body, &event.transcript));
  BC_RETURN_IF_ERROR(ReadString(body, "summary", kMaxFieldBytes, &event.summary));
  BC_RETURN_IF_ERROR(ReadString(body, "hangup_by", kMaxFieldBytes, &event.hangup_by));
  BC_RETURN_IF_ERROR(ReadString(body, "hangup_reason", kMaxFieldBytes, &event.hangup_reason));
  BC_RETURN_IF_ERROR(ReadString(body, "error_message", kMaxFieldBytes, &event.error_message));
  BC_RETURN_IF_ERROR(ReadString(body, "call_sid", kMaxCallIdBytes, &event.provider_call_id));
  BC_RETURN_IF_ERROR(
      ReadString(body, "provider_call_id", kMaxCallIdBytes, &event.provider_call_id));
  BC_RETURN_IF_ERROR(ReadString(body, "recording_url", kMaxFieldBytes, &event.recording_url));
  if (!event.recording_url.empty() &&
      (!ParseUrl(event.recording_url) || HasControlOrSpace(event.recording_url))) {
    return BadResult("recording_url", "must be an http(s) URL");
  }
  BC_RETURN_IF_ERROR(ReadNumber(body, "conversation_duration", &event.duration_seconds));
  BC_RETURN_IF_ERROR(ReadNumber(body, "total_cost", &event.cost));

  if (auto it = body.find("answered_by_voice_mail"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return BadResult("answered_by_voice_mail", "must be true or false");
    event.answered_by_voice_mail = it->get<bool>();
  }
  if (auto it = body.find("opt_out"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return BadResult("opt_out", "must be true or false");
    event.opt_out = it->get<bool>();
  }
  if (auto it = body.find("extracted_data"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return BadResult("extracted_data", "must be an object");
    if (it->dump(-1, ' ', false, json::error_handler_t::replace).size() > kMaxExtractedBytes) {
      return PayloadTooLarge("extracted_data is longer than " + std::to_string(kMaxExtractedBytes) +
                             " bytes");
    }
    event.extracted_data = *it;
  }
  return event;
}

}  // namespace batchcall
