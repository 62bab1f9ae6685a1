// Router: maps (method, path pattern) to route handlers, authenticates, and
// turns Status failures into the API's JSON errors.
//
// Patterns are literal segments and `{name}` placeholders matching one
// non-empty segment: "/batches/{batch_id}/schedule". Thread-safe after setup
// (Add* before the server starts; Dispatch concurrently).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "base/status.h"

namespace batchcall {

struct RouteContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  // placeholder values, percent-decoded
  std::string account_id;                     // set for authenticated routes
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

using RouteHandler = std::function<Result<HttpResponse>(RouteContext&)>;

// Resolves a bearer token to an account id; Unauthenticated when unknown.
using Authenticate = std::function<Result<std::string>(std::string_view bearer_token)>;

class Router {
 public:
  explicit Router(Authenticate authenticate) : authenticate_(std::move(authenticate)) {}

  // Registers a route needing `Authorization: Bearer <key>`.
  void Add(std::string method, std::string pattern, RouteHandler handler);
  // Registers a route open to everyone (health checks).
  void AddPublic(std::string method, std::string pattern, RouteHandler handler);

  // 404 for unknown paths, 405 (with Allow) for known paths with another
  // method, 401 without a valid key; a failed Result becomes a JSON error.
  // The response's `route` names the matched pattern.
  HttpResponse Dispatch(const HttpRequest& request) const;

  // (method, pattern) of every registered route, in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    bool needs_auth;
    RouteHandler handler;
  };
  Authenticate authenticate_;
  std::vector<Route> routes_;
};

// HTTP status for a Status code (InvalidArgument 400, NotFound 404, ...).
int HttpStatusFor(StatusCode code);

// JSON error response for a failed Status.
HttpResponse ErrorResponse(const Status& status);

// True when an If-None-Match header value ("*" or a list of entity tags,
// compared weakly per RFC 9110 13.1.2) matches `etag`.
bool IfNoneMatchHits(std::string_view header, std::string_view etag);

// A JSON response with Content-Type application/json.
HttpResponse JsonResponse(int status, std::string body);

}  // namespace batchcall
