// PerformCurl: the one libcurl wrapper. Every HTTP request batchcall makes
// goes through it: the server's CurlTransport (providers, webhook
// deliveries; http_transport.h) and the CLI's HttpClient (cli/http_client.h),
// each of which maps a CurlResult to its own error model.
//
// One easy handle per call; never follows redirects; sends no
// "Expect: 100-continue". With a policy it also connects only where the
// policy allows (every address libcurl is about to connect to, and the
// connected peer again before the request is sent), never through a proxy,
// and only over http and https.
//
// Thread-safe: calls share nothing (libcurl's global init runs once).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/outbound_policy.h"

namespace batchcall {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// A part of a multipart/form-data body: `value` in memory, or, when `file`
// is set, the file at that path streamed (never read whole into memory).
struct CurlPart {
  std::string name;
  std::string value;
  std::string file;
  std::string filename;      // for a file part; empty: the file's base name
  std::string content_type;  // for a file part; empty: none sent
};

struct CurlRequest {
  std::string method = "GET";  // GET, POST, DELETE, ...
  std::string url;
  HttpHeaders headers;              // sent as given
  std::optional<std::string> body;  // sent when set; a POST without one sends an empty body
  std::vector<CurlPart> parts;      // non-empty: a multipart/form-data body (instead of `body`)
  std::string basic_user;           // HTTP Basic credentials, sent when non-empty
  std::string basic_password;
  std::string user_agent;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{10'000};  // the whole exchange; 0 = no limit
  std::chrono::seconds stall_timeout{0};      // > 0: give up after this long under 1 byte/s
  size_t max_response_bytes = 0;              // longer bodies are cut (not an error); 0 = no limit
  // When set, the bodies of 2xx answers go here chunk by chunk instead of
  // into CurlResult::body; returning false stops the transfer.
  std::function<bool(std::string_view chunk)> sink;
  // When set: the addresses that may be connected to, no proxy, http(s) only.
  const OutboundPolicy* policy = nullptr;
};

enum class CurlFailure {
  kNone,
  kResolve,    // the host (or proxy) name did not resolve
  kConnect,    // no connection (refused, unreachable, or every address refused by the policy)
  kTls,        // TLS handshake or certificate verification failed
  kTimeout,    // a timeout expired
  kSend,       // sending the request failed
  kBadUrl,     // malformed URL or unsupported scheme
  kOpenFile,   // a file part could not be opened (nothing was sent; error is its path)
  kReadFile,   // reading a file part failed during the transfer
  kAborted,    // stopped by a callback (the sink, or the policy on the connected peer)
  kOther,
};

struct CurlResult {
  long status = 0;  // 0 when no answer arrived
  HttpHeaders headers;  // of the last answer, in arrival order
  std::string body;
  CurlFailure failure = CurlFailure::kNone;
  std::string error;  // libcurl's description when failure != kNone
  bool request_started = false;  // the transfer phase began: some of the request may have left
  bool sink_stopped = false;     // the sink returned false
  std::optional<OutboundPolicy::Refusal> refusal;  // the first address the policy refused
};

CurlResult PerformCurl(const CurlRequest& request);

// The first header named `name` (ASCII case-insensitive).
std::optional<std::string> FindHeader(const HttpHeaders& headers, std::string_view name);

}  // namespace batchcall
