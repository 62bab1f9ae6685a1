// Router: maps (method, path pattern) to route handlers, authenticates, and
// turns Status failures into the API's JSON errors. Admit() makes the same
// decisions from a request head alone (before its body is read), and gives
// each route's body limit and whether it is an upload.
//
// Patterns are literal segments and `{name}` placeholders matching one
// non-empty segment: "/batches/{batch_id}/schedule". Thread-safe after setup
// (Add* before the server starts; Dispatch concurrently).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/http_server.h"
#include "base/status.h"

namespace batchcall {

struct RouteContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  // placeholder values, percent-decoded
  std::string account_id;                     // set for authenticated routes
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

using RouteHandler = std::function<Result<HttpResponse>(RouteContext&)>;

// How a route's request bodies are admitted (Router::Admit).
struct RouteOptions {
  // Largest body accepted, in bytes; 0 = the server's limit.
  uint64_t max_body_bytes = 0;
  // A multipart body is an upload (large, spooled to disk, handled on the
  // upload pool).
  bool upload = false;
  // Public routes authenticated by a signature over the body: checks the
  // head before the body is read (e.g. that the signature header is there);
  // a failure refuses the request with its status. Empty = no check.
  std::function<Status(const HttpRequest& head)> check_head;
};

// Resolves a bearer token to an account id; Unauthenticated when unknown.
using Authenticate = std::function<Result<std::string>(std::string_view bearer_token)>;

class Router {
 public:
  explicit Router(Authenticate authenticate) : authenticate_(std::move(authenticate)) {}

  // Registers a route needing `Authorization: Bearer <key>`.
  void Add(std::string method, std::string pattern, RouteHandler handler, RouteOptions options = {});
  // Registers a route open to everyone (health checks, provider callbacks
  // that carry a signature instead of a key).
  void AddPublic(std::string method, std::string pattern, RouteHandler handler, RouteOptions options = {});

  // 404 for unknown paths, 405 (with Allow) for known paths with another
  // method, 401 without a valid key; a failed Result becomes a JSON error.
  // The response's `route` names the matched pattern.
  HttpResponse Dispatch(const HttpRequest& request) const;

  // The same 404/405/401 (and a failed check_head) decided on the head, for
  // HttpServer's AdmissionHandler; an admitted request gets its route's body
  // limit, and is an upload when the route takes uploads and the body is
  // multipart/form-data. Dispatch still checks everything again.
  Admission Admit(const HttpRequest& head) const;

  // (method, pattern) of every registered route, in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    bool needs_auth;
    RouteHandler handler;
    RouteOptions options;
  };
  // The route for the request's method and path, or nullptr with the 404
  // or 405 in *miss.
  const Route* Find(const HttpRequest& request, std::map<std::string, std::string>* params,
                    HttpResponse* miss) const;
  // The account of the request's API key, or the 401 (503 when the key
  // store fails) in *refusal.
  std::optional<std::string> Authenticated(const HttpRequest& request, const Route& route,
                                           HttpResponse* refusal) const;

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
