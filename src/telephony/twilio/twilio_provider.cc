#include "telephony/twilio/twilio_provider.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>
#include <utility>

#include "base/json.h"
#include "telephony/twilio/twilio_callback.h"

namespace batchcall {
namespace {

constexpr const char* kProgressEvents[] = {"initiated", "ringing", "answered", "completed"};
constexpr size_t kMaxUncertain = 10'000;
// A call created by an earlier try may carry a date_created slightly before
// our clock's attempt start (clock skew, second granularity).
constexpr std::chrono::seconds kCreatedSlack{60};

std::string JsonString(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

std::optional<long long> ParseInt(std::string_view s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// RFC 2822 date as Twilio writes it: "Sun, 24 Aug 2025 13:49:54 +0000"
// (the weekday is optional; zone +hhmm/-hhmm, GMT or UT).
std::optional<TimePoint> ParseRfc2822(std::string_view s) {
  if (auto comma = s.find(','); comma != std::string_view::npos) s.remove_prefix(comma + 1);
  std::vector<std::string_view> parts;
  while (!s.empty()) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    size_t end = s.find(' ');
    if (end == 0 || s.empty()) break;
    parts.push_back(s.substr(0, end));
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  if (parts.size() != 5) return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (parts[1] == kMonths[i]) month = i + 1;
  }
  auto day = ParseInt(parts[0]);
  auto year = ParseInt(parts[2]);
  const std::string_view hms = parts[3];
  if (month == 0 || !day || !year || hms.size() != 8 || hms[2] != ':' || hms[5] != ':') return std::nullopt;
  auto hh = ParseInt(hms.substr(0, 2)), mm = ParseInt(hms.substr(3, 2)), ss = ParseInt(hms.substr(6, 2));
  if (!hh || !mm || !ss) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*year)}, std::chrono::month{month},
                                  std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  long long offset_minutes = 0;
  const std::string_view zone = parts[4];
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    auto zh = ParseInt(zone.substr(1, 2)), zm = ParseInt(zone.substr(3, 2));
    if (!zh || !zm) return std::nullopt;
    offset_minutes = (*zh * 60 + *zm) * (zone[0] == '-' ? -1 : 1);
  } else if (zone != "GMT" && zone != "UT" && zone != "UTC") {
    return std::nullopt;
  }
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(*hh) + std::chrono::minutes(*mm) +
           std::chrono::seconds(*ss) - std::chrono::minutes(offset_minutes);
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

// InvalidArgument("Twilio error <code>: <message>") from Twilio's JSON error
// body, or with the HTTP status when the body is not one. Only a short
// excerpt of what the endpoint said is quoted (base_url may point anywhere).
Status TwilioError(const OutboundResponse& r) {
  nlohmann::json body = ParseJsonOrDiscarded(r.body);
  std::string code = ResponseExcerpt(JsonString(body, "code"), 16);
  std::string message = JsonString(body, "message");
  if (code.empty()) code = "HTTP " + std::to_string(r.status);
  if (message.empty()) message = r.body;
  return InvalidArgument("Twilio error " + code + ": " + ResponseExcerpt(message));
}

}  // namespace

std::string TwilioCallbackUrl(const std::string& callback_base, const std::string& attempt_id) {
  return callback_base + "/webhooks/twilio/" + FormEncode(attempt_id);
}

Result<TwilioConfig> TwilioConfig::FromJson(const nlohmann::json& provider) {
  if (!provider.is_object()) return InvalidArgument("twilio provider settings must be an object");
  TwilioConfig c;
  auto text = [&](const char* key, std::string& out) -> Status {
    auto it = provider.find(key);
    if (it == provider.end() || it->is_null()) return Status::Ok();
    if (!it->is_string()) return InvalidArgument(std::string("twilio ") + key + " must be a string");
    out = it->get<std::string>();
    return Status::Ok();
  };
  BC_RETURN_IF_ERROR(text("account_sid", c.account_sid));
  BC_RETURN_IF_ERROR(text("auth_token", c.auth_token));
  BC_RETURN_IF_ERROR(text("twiml_url", c.twiml_url));
  BC_RETURN_IF_ERROR(text("twiml", c.twiml));
  std::string base;
  BC_RETURN_IF_ERROR(text("base_url", base));
  if (c.account_sid.empty()) return InvalidArgument("twilio account_sid is required");
  if (c.auth_token.empty()) return InvalidArgument("twilio auth_token is required");
  if (c.twiml_url.empty() && c.twiml.empty()) return InvalidArgument("twilio needs twiml_url or twiml");
  if (!c.twiml_url.empty()) c.twiml.clear();  // both stored (e.g. after a PATCH): Url wins, Twilio takes one
  if (!c.twiml_url.empty() && !ParseUrl(c.twiml_url)) return InvalidArgument("twilio twiml_url must be an http(s) URL");
  if (!base.empty()) {
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!ParseUrl(base)) return InvalidArgument("twilio base_url must be an http(s) URL");
    c.base_url = base;
  }
  if (auto it = provider.find("machine_detection"); it != provider.end() && !it->is_null()) {
    if (!it->is_boolean()) return InvalidArgument("twilio machine_detection must be true or false");
    c.machine_detection = it->get<bool>();
  }
  if (auto it = provider.find("timeout"); it != provider.end() && !it->is_null()) {
    if (!it->is_number_integer()) return InvalidArgument("twilio timeout must be whole seconds");
    long long t = it->get<long long>();
    if (t < 5 || t > 600) return InvalidArgument("twilio timeout must be 5-600 seconds");
    c.ring_timeout_seconds = static_cast<int>(t);
  }
  return c;
}

TwilioProvider::TwilioProvider(TwilioConfig config, HttpTransport& transport, const Clock& clock,
                               TwilioOptions options)
    : config_(std::move(config)), transport_(transport), clock_(clock), options_(std::move(options)) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (options_.max_tries < 1) options_.max_tries = 1;
}

Result<OutboundResponse> TwilioProvider::Send(const std::string& method, const std::string& url,
                                              const std::string& body) {
  OutboundRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (method == "POST") req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("Accept", "application/json");
  req.basic_user = config_.account_sid;
  req.basic_password = config_.auth_token;
  req.timeout = options_.request_timeout;
  return transport_.Send(req);
}

Result<nlohmann::json> TwilioProvider::FindRecentCall(const std::string& to, const std::string& from,
                                                      TimePoint since) {
  // No StartTime filter: a call still queued has no start_time yet and would
  // be hidden by it. Twilio lists newest first; date_created is filtered here.
  std::string url = config_.base_url + "/2010-04-01/Accounts/" + FormEncode(config_.account_sid) +
                    "/Calls.json?To=" + FormEncode(to);
  if (!from.empty()) url += "&From=" + FormEncode(from);
  url += "&PageSize=20";
  Result<OutboundResponse> r = Send("GET", url, "");
  if (!r.ok()) return Unavailable("Twilio call list: " + r.status().message());
  if (!r->ok()) return Unavailable("Twilio call list answered HTTP " + std::to_string(r->status));
  nlohmann::json body = ParseJsonOrDiscarded(r->body);
  if (!body.is_object() || !body.contains("calls") || !body["calls"].is_array()) {
    return Unavailable("Twilio call list: unexpected body");
  }
  const TimePoint earliest = since - kCreatedSlack;
  for (const nlohmann::json& call : body["calls"]) {
    if (JsonString(call, "sid").empty()) continue;
    if (JsonString(call, "to") != to || (!from.empty() && JsonString(call, "from") != from)) continue;
    std::optional<TimePoint> created = ParseRfc2822(JsonString(call, "date_created"));
    if (created && *created >= earliest) return call;
  }
  return nlohmann::json();
}

Result<std::string> TwilioProvider::StartCall(const CallRequest& request) {
  if (request.callback_base.empty()) {
    return InvalidArgument("BATCHCALL_PUBLIC_URL is not set: Twilio could never report the call's status");
  }
  if (request.from.empty()) return InvalidArgument("no from number: set from_phone_numbers");

  TimePoint started = clock_.Now();
  bool check_first = false;  // the call may already exist
  if (!request.idempotency_key.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = uncertain_.find(request.idempotency_key); it != uncertain_.end()) {
      started = it->second;
      check_first = true;
    }
  }
  auto settle = [&]() {
    if (request.idempotency_key.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    uncertain_.erase(request.idempotency_key);
  };

  std::vector<std::pair<std::string, std::string>> params = {{"To", request.to}, {"From", request.from}};
  if (!config_.twiml_url.empty()) {
    params.emplace_back("Url", config_.twiml_url);
  } else {
    params.emplace_back("Twiml", config_.twiml);
  }
  params.emplace_back("StatusCallback", TwilioCallbackUrl(request.callback_base, request.attempt_id));
  params.emplace_back("StatusCallbackMethod", "POST");
  for (const char* event : kProgressEvents) params.emplace_back("StatusCallbackEvent", event);
  if (config_.machine_detection) params.emplace_back("MachineDetection", "Enable");
  params.emplace_back("Timeout", std::to_string(config_.ring_timeout_seconds));
  const std::string body = FormBody(params);
  const std::string url =
      config_.base_url + "/2010-04-01/Accounts/" + FormEncode(config_.account_sid) + "/Calls.json";

  std::string last_error;
  for (int attempt = 1; attempt <= options_.max_tries; ++attempt) {
    std::chrono::milliseconds backoff = options_.backoff_initial * (1LL << std::min(attempt - 1, 20));
    backoff = std::min(backoff, options_.backoff_max);
    std::chrono::milliseconds wait = backoff;

    bool post = true;
    if (check_first) {
      Result<nlohmann::json> found = FindRecentCall(request.to, request.from, started);
      if (!found.ok()) {
        last_error = found.status().message();
        post = false;  // never risk a second call while the first is unknown
      } else if (!found->is_null()) {
        settle();
        return JsonString(*found, "sid");
      } else {
        check_first = false;
      }
    }
    if (post) {
      Result<OutboundResponse> r = Send("POST", url, body);
      if (!r.ok() && r.status().code() == StatusCode::kPermissionDenied) {
        // The outbound policy refused base_url's address: nothing was sent, and trying again cannot help.
        settle();
        return InvalidArgument("Twilio base_url refused: " + r.status().message());
      }
      if (!r.ok()) {
        last_error = "no response from Twilio: " + r.status().message();
        // Unavailable: the request never left (no connection); otherwise it may have arrived.
        if (r.status().code() != StatusCode::kUnavailable) check_first = true;
      } else if (r->status == 200 || r->status == 201) {
        std::string sid = JsonString(ParseJsonOrDiscarded(r->body), "sid");
        if (!sid.empty()) {
          settle();
          return sid;
        }
        last_error = "Twilio answered " + std::to_string(r->status) + " without a call sid";
        check_first = true;
      } else if (r->status == 429) {
        last_error = "Twilio rate limit (429)";
        if (auto ra = r->Header("Retry-After"); ra) {
          if (auto secs = ParseInt(*ra); secs && *secs >= 0) {
            wait = std::min<std::chrono::milliseconds>(std::chrono::seconds(std::min(*secs, 86'400LL)),
                                                       options_.backoff_max);
          }
        }
      } else if (r->status >= 500) {
        last_error = "Twilio answered HTTP " + std::to_string(r->status);
        check_first = true;
      } else {
        settle();
        return TwilioError(*r);
      }
    }
    if (attempt < options_.max_tries) {
      options_.sleep(wait);
      if (options_.stopping && options_.stopping()) {
        last_error += "; stopped trying: the server is shutting down";
        break;
      }
    }
  }

  if (check_first && !request.idempotency_key.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (uncertain_.size() >= kMaxUncertain) uncertain_.erase(uncertain_.begin());
    uncertain_.emplace(request.idempotency_key, started);
  }
  if (check_first) {
    return UnknownOutcome("Twilio did not confirm the call after " + std::to_string(options_.max_tries) +
                          " tries (" + last_error + "); it may have been placed, so it is not dialled again "
                          "until Twilio shows it was not");
  }
  return Unavailable("Twilio unavailable after " + std::to_string(options_.max_tries) + " tries: " + last_error);
}

CallEvent TwilioProvider::ToEvent(const nlohmann::json& call, const CallLookup& lookup) const {
  CallEvent event;
  event.attempt_id = lookup.attempt_id;
  event.idempotency_key = lookup.idempotency_key;
  event.provider_call_id = JsonString(call, "sid");
  event.at = clock_.Now();
  const std::string status = JsonString(call, "status");
  event.status = MapTwilioCallStatus(status).value_or(ExecutionStatus::kInitiated);
  if (auto d = ParseInt(JsonString(call, "duration")); d && *d >= 0) event.duration_seconds = static_cast<double>(*d);
  nlohmann::json extra = nlohmann::json::object();
  extra["call_status"] = status;
  if (std::string by = JsonString(call, "answered_by"); !by.empty()) {
    extra["answered_by"] = by;
    event.answered_by_voice_mail = IsMachineAnsweredBy(by);
  }
  event.telephony_extra = std::move(extra);
  if (event.status == ExecutionStatus::kFailed) {
    event.error_message = "Twilio reported the call failed";
    event.hangup_by = "provider";
    event.hangup_reason = event.error_message;
  }
  return event;
}

Result<CallEvent> TwilioProvider::Lookup(const CallLookup& lookup) {
  if (lookup.provider_call_id.empty()) {
    Result<nlohmann::json> found = FindRecentCall(lookup.to, lookup.from, lookup.started_at);
    if (!found.ok()) return found.status();
    if (found->is_null()) return NotFound("Twilio has no call to " + lookup.to + " for this attempt");
    if (!MapTwilioCallStatus(JsonString(*found, "status"))) return Unavailable("unknown Twilio call status");
    return ToEvent(*found, lookup);
  }
  const std::string url = config_.base_url + "/2010-04-01/Accounts/" + FormEncode(config_.account_sid) +
                          "/Calls/" + FormEncode(lookup.provider_call_id) + ".json";
  Result<OutboundResponse> r = Send("GET", url, "");
  if (!r.ok()) return Unavailable("Twilio call fetch: " + r.status().message());
  if (r->status == 404) return NotFound("Twilio has no call " + lookup.provider_call_id);
  if (!r->ok()) return Unavailable("Twilio call fetch answered HTTP " + std::to_string(r->status));
  nlohmann::json call = ParseJsonOrDiscarded(r->body);
  if (!call.is_object()) return Unavailable("Twilio call fetch: unexpected body");
  if (!MapTwilioCallStatus(JsonString(call, "status"))) return Unavailable("unknown Twilio call status");
  CallEvent event = ToEvent(call, lookup);
  event.provider_call_id = lookup.provider_call_id;
  return event;
}

}  // namespace batchcall
