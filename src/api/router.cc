#include "api/router.h"

#include <algorithm>

#include "http/form_parser.h"
#include "base/log.h"

namespace batchcall {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> BearerToken(const HttpRequest& req) {
  auto h = req.Header("Authorization");
  if (!h) return std::nullopt;
  std::string_view v = *h;
  constexpr std::string_view kPrefix = "Bearer ";
  if (v.size() <= kPrefix.size()) return std::nullopt;
  std::string scheme(v.substr(0, kPrefix.size()));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "bearer ") return std::nullopt;
  v.remove_prefix(kPrefix.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteHandler handler, RouteOptions options) {
  auto segments = Split(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), true, std::move(handler),
                     std::move(options)});
}

void Router::AddPublic(std::string method, std::string pattern, RouteHandler handler, RouteOptions options) {
  auto segments = Split(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), false, std::move(handler),
                     std::move(options)});
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

const Router::Route* Router::Find(const HttpRequest& request, std::map<std::string, std::string>* params,
                                  HttpResponse* miss) const {
  auto path = Split(request.path);
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    params->clear();
    if (!Match(route.segments, path, params)) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    return &route;
  }
  params->clear();
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    *miss = JsonError(405, "Method " + request.method + " is not allowed here; use " + allow + ".");
    miss->headers.emplace_back("Allow", allow);
  } else {
    *miss = JsonError(404, "No such route: " + request.method + " " + request.path + ".");
  }
  return nullptr;
}

std::optional<std::string> Router::Authenticated(const HttpRequest& request, const Route& route,
                                                 HttpResponse* refusal) const {
  auto token = BearerToken(request);
  if (!token) {
    *refusal = JsonError(401, "Missing API key: send the header 'Authorization: Bearer <api key>'.");
    refusal->headers.emplace_back("WWW-Authenticate", "Bearer");
    refusal->route = route.pattern;
    return std::nullopt;
  }
  auto account = authenticate_(*token);
  if (!account.ok()) {
    *refusal = account.status().code() != StatusCode::kUnauthenticated ? ErrorResponse(account.status())
                                                                        : JsonError(401, "Unknown API key.");
    if (refusal->status == 401) refusal->headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    refusal->route = route.pattern;
    return std::nullopt;
  }
  return std::move(account).value();
}

HttpResponse Router::Dispatch(const HttpRequest& request) const {
  std::map<std::string, std::string> params;
  HttpResponse miss;
  const Route* route = Find(request, &params, &miss);
  if (!route) return miss;
  RouteContext ctx{request, std::move(params), ""};
  if (route->needs_auth) {
    HttpResponse refusal;
    auto account = Authenticated(request, *route, &refusal);
    if (!account) return refusal;
    ctx.account_id = std::move(*account);
  }
  auto result = route->handler(ctx);
  HttpResponse r = result.ok() ? std::move(result).value() : ErrorResponse(result.status());
  r.route = route->pattern;
  return r;
}

Admission Router::Admit(const HttpRequest& head) const {
  Admission admission;
  std::map<std::string, std::string> params;
  HttpResponse refusal;
  const Route* route = Find(head, &params, &refusal);
  if (route && route->needs_auth && !Authenticated(head, *route, &refusal)) route = nullptr;
  if (route && route->options.check_head) {
    if (Status s = route->options.check_head(head); !s.ok()) {
      refusal = ErrorResponse(s);
      refusal.route = route->pattern;
      route = nullptr;
    }
  }
  if (!route) {
    admission.refuse = std::move(refusal);
    return admission;
  }
  admission.max_body_bytes = route->options.max_body_bytes;
  admission.upload = route->options.upload && IsMediaType(head.Header("Content-Type").value_or(""), "multipart/form-data");
  return admission;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kUnknownOutcome: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status) {
  int http = HttpStatusFor(status.code());
  if (http >= 500) {
    LogError("request failed", {{"error", status.ToString()}});
    if (http == 500) return JsonError(500, "Internal error; the server log has the details.");
  }
  return JsonError(http, status.message());
}

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = trim(header.substr(0, comma));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

}  // namespace batchcall
