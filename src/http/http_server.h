// HttpServer: the HTTP/1.1 transport (Boost.Beast, C++20 coroutines).
//
// It owns sockets, limits and timeouts, parses forms while streaming (file
// parts go to temporary files, never whole into memory) and calls one Handler
// per request on a worker pool, so a slow handler never blocks the network
// threads. It knows nothing about routes or the domain: an optional
// AdmissionHandler decides, from the request head alone, whether a body is
// read at all, how large it may be and whether the request is an upload
// (run on a pool of its own, so uploads never hold up other requests).
//
// What it refuses by itself (every refusal is a JSON error, answered with
// `Connection: close` once the response is fully written):
//   400  malformed head, no Host or several Host headers (HTTP/1.1), a
//        Transfer-Encoding other than exactly "chunked" (RFC 9112 6.1),
//        Transfer-Encoding with Content-Length or in HTTP/1.0
//   501  a transfer coding before "chunked" ("gzip, chunked")
//   408, 413, 431  timeouts and limits below
//   503  + Retry-After: too many connections (in total or from one client
//        address), too many uploads in progress, request bodies in memory
//        over max_body_memory_bytes, temp_dir not writable
//
// Thread-safety: Start/Stop from one controlling thread; the handlers are
// called concurrently from worker threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace batchcall {

// A file part of a multipart form, spooled to disk. The server deletes the
// file after the handler returns (and after a streamed response ends).
struct FormFile {
  std::string field;         // form field name, e.g. "file"
  std::string filename;      // client-supplied name (untrusted, for display only)
  std::string content_type;  // as sent, may be empty
  std::string path;          // temporary file holding the bytes
  uint64_t size = 0;
};

// Fields of a multipart/form-data or application/x-www-form-urlencoded body.
struct Form {
  std::multimap<std::string, std::string> fields;  // repeated fields keep every value, in order
  std::vector<FormFile> files;
  // First value of a field, or nullopt.
  std::optional<std::string> Get(const std::string& name) const;
  // Every value of a field, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  // First file part with this field name, or nullptr.
  const FormFile* File(const std::string& name) const;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/batches/x/executions?limit=10"
  std::string path;    // target without the query, percent-decoded
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;  // raw body when it is not a form (JSON etc.), bounded by max_body_bytes
  std::optional<Form> form;  // set when the body was multipart or url-encoded
  std::string remote_address;
  // Set by the server for every request: the client's X-Request-Id when it is
  // 1-64 characters of [A-Za-z0-9._-], else a new random id. Echoed in the
  // response's X-Request-Id header.
  std::string request_id;

  // Case-insensitive header lookup; first match.
  std::optional<std::string> Header(std::string_view name) const;
  std::optional<std::string> Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included here
  std::string body;
  // When set, the body is produced by repeated calls (on a worker thread) and
  // sent chunked; each call returns the next piece, or nullopt at the end. A
  // returned empty string is skipped. `body` is ignored. Small pieces are
  // gathered into chunks of about 32 KB; the next pieces are only asked for
  // once the previous chunk has been written (backpressure). Temporary upload
  // files of the request live until the stream has ended.
  std::function<std::optional<std::string>()> stream;
  // The route pattern that handled the request ("/batches/{batch_id}"), set
  // by the Router; empty when no route matched (404/405) or the server
  // answered by itself (400, 408, 413, 431, ...). Not sent to the client.
  std::string route;
};

// What the server reports once per answered request (after the handler, or
// after its own error response), for the access log and the metrics.
struct HttpRequestRecord {
  std::string_view method;      // empty when the request line never parsed
  std::string_view route;       // HttpResponse::route; empty = unmatched
  std::string_view request_id;
  std::string_view remote_address;
  int status = 0;
  std::chrono::nanoseconds duration{0};  // request head complete -> response produced
};
using HttpRequestObserver = std::function<void(const HttpRequestRecord&)>;

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// How the server treats a request whose head has arrived, decided before any
// byte of its body is read (and before "100 Continue" is sent).
struct Admission {
  // Set: the request is answered with this response and its body is never
  // read or stored (the connection closes after the response).
  std::optional<HttpResponse> refuse;
  // Most body bytes accepted (more is 413, on the head when Content-Length
  // says so); 0 = the server's limit. Never raises the server's limit.
  uint64_t max_body_bytes = 0;
  // An upload: a multipart body may be up to max_upload_bytes (otherwise
  // max_body_bytes) and the handler runs on the upload pool. At most
  // upload_threads + upload_queue uploads are admitted at a time (receiving,
  // waiting or running); more are refused with 503 and Retry-After: 5.
  bool upload = false;
};
// Called on a worker thread with the request head (body empty, no form) of
// every request that announces a body. Must be thread-safe.
using AdmissionHandler = std::function<Admission(const HttpRequest& head)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";   // host:port; port 0 picks a free one
  int io_threads = 2;                       // network threads
  int worker_threads = 4;                   // threads running handlers (and admission)
  int upload_threads = 2;                   // threads running upload handlers
  int upload_queue = 8;                     // admitted uploads beyond those running
  // Open connections in total and from one client address; a connection
  // over either cap gets 503 (Retry-After: 1) and is closed. 0 = no cap
  // (max_connections_per_client behind a proxy, where every client is the proxy).
  int max_connections = 1024;
  int max_connections_per_client = 64;
  // Request bodies held in memory (JSON, url-encoded forms; multipart file
  // parts go to temp_dir) across all connections; a request that would go
  // over it gets 503 (Retry-After: 1). 0 = no bound.
  uint64_t max_body_memory_bytes = 64ull * 1024 * 1024;
  uint64_t max_header_bytes = 16 * 1024;    // request line + headers
  uint64_t max_body_bytes = 1024 * 1024;    // non-form bodies and url-encoded forms
  uint64_t max_upload_bytes = 100ull * 1024 * 1024;  // a multipart body in total
  uint64_t max_form_field_bytes = 64 * 1024;  // one non-file multipart field
  int max_form_parts = 64;
  std::chrono::milliseconds header_timeout{10'000};  // whole request head must arrive in this
  std::chrono::milliseconds body_idle_timeout{15'000};  // longest gap between body bytes
  // Minimum average body rate after body_rate_grace; slower clients are cut off.
  uint64_t min_body_bytes_per_second = 16 * 1024;
  // How long a body may start slowly before min_body_bytes_per_second applies.
  std::chrono::milliseconds body_rate_grace{5'000};
  std::chrono::milliseconds keep_alive_timeout{30'000};  // idle connection between requests
  std::chrono::milliseconds write_timeout{30'000};
  // Where upload parts are spooled (files batchcall-upload-*.part). When a
  // file cannot be created or written there the upload gets 503 and one
  // ERROR log line.
  std::string temp_dir = "/tmp";
  // Called on a server thread for every answered request; must be
  // thread-safe and cheap. May be empty.
  HttpRequestObserver on_request;
};

class HttpServer {
 public:
  // admit may be empty: every request is admitted and multipart bodies are
  // uploads.
  HttpServer(HttpServerOptions options, HttpHandler handler, AdmissionHandler admit = {});
  ~HttpServer();  // stops if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads. InvalidArgument for a bad listen address
  // or thread count, Unavailable when the port cannot be bound.
  Status Start();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;
  // Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();

  // What the server holds right now (a snapshot; tests poll it instead of
  // sleeping). Thread-safe.
  struct Load {
    int connections = 0;  // connections being served (refused ones not counted)
    uint64_t uploads = 0;  // uploads admitted: running or queued for the upload pool
  };
  Load load() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Error body per the API contract: {"error": status, "message": message}
// (plus "details" when given). Used by the server for its own failures (400,
// 408, 413, 431, ...) and by routes.
HttpResponse JsonError(int status, std::string_view message, const std::string& details_json = "");

}  // namespace batchcall
