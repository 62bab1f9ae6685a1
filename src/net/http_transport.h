// HttpTransport: outbound HTTP requests made by the server (telephony
// providers, webhook deliveries). An interface so tests can inject a fake;
// CurlTransport is the real one (over PerformCurl, curl_exchange.h).
//
// Failure model: a Result is an error only when no HTTP response was
// obtained. Unavailable: the request was certainly not delivered (cannot
// resolve or connect, TLS handshake failure, timed out before sending).
// UnknownOutcome: it was (or may have been) sent and the answer was lost
// (timeout or connection dropped while waiting): the receiver may have acted
// on it. PermissionDenied: the OutboundPolicy refused the peer address
// (nothing was sent; the message says which address, why, and which setting
// allows it). Error messages name the URL without its query or credentials.
// Any HTTP status, including 3xx/4xx/5xx, is a successful Result; callers
// decide what it means. Redirects are never followed by the transport.
//
// Thread-safety: Send may be called from many threads at once.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/curl_exchange.h"
#include "net/outbound_policy.h"

namespace batchcall {

struct OutboundRequest {
  std::string method = "POST";  // GET, POST, ...
  std::string url;              // absolute http:// or https:// URL, query included
  HttpHeaders headers;          // sent as given (Content-Type among them)
  std::string body;             // sent when non-empty (or when method is POST)
  // HTTP Basic credentials, sent when user is non-empty.
  std::string basic_user;
  std::string basic_password;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{10'000};  // the whole exchange
  size_t max_response_bytes = 1 << 20;        // longer bodies are cut (not an error)
};

struct OutboundResponse {
  long status = 0;
  HttpHeaders headers;  // in arrival order
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
  // The first header with this name (case-insensitive).
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<OutboundResponse> Send(const OutboundRequest& request) = 0;
};

// libcurl; one easy handle per request; never follows redirects; only
// http and https; never through a proxy (http_proxy and the like are
// ignored: a proxy would connect where the policy cannot see). Every
// address libcurl is about to connect to (each one a host name resolves to,
// at the moment of connecting) is checked against `policy` before a socket
// is opened, and the connected peer again before the request is sent; a
// refusal is logged (warn) and returned as PermissionDenied. Thread-safe.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(OutboundPolicy policy = OutboundPolicy());
  Result<OutboundResponse> Send(const OutboundRequest& request) override;

 private:
  const OutboundPolicy policy_;
};

// What of a remote response may be quoted in a message (error_message of
// an execution, a log line): at most `max_bytes` of `text` as valid UTF-8
// on one line, control characters as spaces, bytes that are not part of a
// well-formed sequence (RFC 3629: no overlong forms, surrogates or code
// points past U+10FFFF, which JSON output refuses; checked with ICU) as
// '?'. Never cuts a character in two.
inline constexpr size_t kResponseExcerptBytes = 200;
std::string ResponseExcerpt(std::string_view text, size_t max_bytes = kResponseExcerptBytes);

// application/x-www-form-urlencoded encoding of one component (spaces as %20,
// RFC 3986 unreserved characters kept).
std::string FormEncode(std::string_view text);
// "a=1&b=2" from ordered pairs, each side FormEncode'd.
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);

// Splits an absolute URL into scheme, host (lowercase, port included when
// given) and the rest. nullopt when it is not http(s)://host...
struct UrlParts {
  std::string scheme;     // "http" | "https"
  std::string authority;  // host[:port], lowercase
  std::string path;       // "/..." (empty path becomes "/"), query included
};
std::optional<UrlParts> ParseUrl(std::string_view url);

// The URL as it may appear in messages and logs: scheme://host[:port]/path,
// without user info, query or fragment (they can carry secrets).
std::string RedactUrl(std::string_view url);

}  // namespace batchcall
