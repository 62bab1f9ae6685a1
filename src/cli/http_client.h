// HttpClient: what the `batchcall` client commands use to talk to a running
// server; a thin layer over the one libcurl wrapper (net/curl_exchange.h)
// that adds the base URL, the API key and the CLI's error messages.
//
// Every call uses its own curl easy handle, so one HttpClient may be used from
// several threads at once only if its options are not changed meanwhile (they
// are immutable after construction). Calls block until the response is read
// or a timeout expires.
//
// Failure model: a Result is an error only when no HTTP response was obtained
// (cannot connect, timeout, bad URL, local file unreadable). Any HTTP status,
// including 4xx/5xx, is a successful Result carrying that status; callers
// decide what a non-2xx means.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace batchcall::cli {

struct HttpClientOptions {
  // Server base URL without a trailing path, e.g. "http://127.0.0.1:8080".
  // A trailing '/' is tolerated.
  std::string base_url = "http://127.0.0.1:8080";
  // Sent as "Authorization: Bearer <api_key>" when non-empty.
  std::string api_key;
  // Longest wait for the TCP connection.
  std::chrono::milliseconds connect_timeout{5000};
  // Longest whole request (0 = no limit; used for long streamed downloads).
  std::chrono::milliseconds timeout{120000};
};

// One received HTTP response. `body` is empty when the body was handed to a
// BodySink instead (see GetStreaming).
struct ClientResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
  // The first header with this name (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

// A plain form field (multipart or url-encoded).
struct FormField {
  std::string name;
  std::string value;
};

// A file part of a multipart form; the file is streamed from `path`, never
// read into memory. `filename` defaults to the base name of `path`.
struct FilePart {
  std::string name;
  std::string path;
  std::string filename;
  std::string content_type = "text/csv";
};

// Receives successive chunks of a response body. Returning false stops the
// transfer early; the call still succeeds with the status already received.
using BodySink = std::function<bool(std::string_view chunk)>;

// Percent-encodes a query component (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view text);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);

  const HttpClientOptions& options() const { return options_; }

  // `path_and_query` starts with '/', e.g. "/batches/abc?status=busy".
  Result<ClientResponse> Get(const std::string& path_and_query) const;
  // Like Get, but a 2xx body is handed to `sink` chunk by chunk as it arrives
  // (response.body stays empty). A non-2xx body is collected in
  // response.body instead, so the caller can show the error.
  Result<ClientResponse> GetStreaming(const std::string& path_and_query, const BodySink& sink) const;
  // application/x-www-form-urlencoded body.
  Result<ClientResponse> PostForm(const std::string& path, const std::vector<FormField>& fields) const;
  // multipart/form-data body; fields first, then files.
  Result<ClientResponse> PostMultipart(const std::string& path, const std::vector<FormField>& fields,
                                       const std::vector<FilePart>& files) const;
  // application/json body (`json` must already be serialised).
  Result<ClientResponse> PostJson(const std::string& path, const std::string& json) const;
  Result<ClientResponse> Delete(const std::string& path) const;

 private:
  struct Request;
  Result<ClientResponse> Perform(const Request& request) const;

  HttpClientOptions options_;
};

}  // namespace batchcall::cli
