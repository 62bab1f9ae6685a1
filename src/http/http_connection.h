// HttpConnection: one accepted TCP connection of HttpServer (internal to
// bc_http). Runs the request loop as a C++20 coroutine on its own strand:
// read head -> check framing -> admission on the worker pool (the body is
// not read yet) -> read body (forms streamed) -> handler on the worker or
// upload pool -> write response, with keep-alive and every timeout and limit
// from HttpServerOptions.
//
// Thread-safety: every member runs on the connection's strand (executor());
// Close() must be posted there. Gauge is thread-safe.
#pragma once

#include <utility>  // before Boost.Asio (g++ 12)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/form_parser.h"
#include "http/http_server.h"

namespace batchcall::http_internal {

// A shared count with a capacity (admitted uploads, bytes of bodies in
// memory). Thread-safe.
class Gauge {
 public:
  explicit Gauge(uint64_t capacity) : capacity_(capacity) {}  // 0 = unbounded
  // Adds n unless the value would then exceed the capacity; false if so.
  bool TryAdd(uint64_t n);
  // Precondition: n was added before.
  void Sub(uint64_t n) { value_.fetch_sub(n); }
  uint64_t value() const { return value_.load(); }

 private:
  const uint64_t capacity_;
  std::atomic<uint64_t> value_{0};
};

// What one request holds of a Gauge; given back when destroyed.
class GaugeHold {
 public:
  explicit GaugeHold(Gauge& gauge) : gauge_(gauge) {}
  ~GaugeHold() { gauge_.Sub(held_); }
  GaugeHold(const GaugeHold&) = delete;
  GaugeHold& operator=(const GaugeHold&) = delete;
  bool TryAdd(uint64_t n) {
    if (!gauge_.TryAdd(n)) return false;
    held_ += n;
    return true;
  }
  // Gives back what is held now (before destruction).
  void Release() {
    gauge_.Sub(held_);
    held_ = 0;
  }

 private:
  Gauge& gauge_;
  uint64_t held_ = 0;
};

// What connections share; owned by HttpServer and outlives every connection.
struct ServerContext {
  const HttpServerOptions* options;
  const HttpHandler* handler;
  const AdmissionHandler* admit;  // may hold an empty function
  boost::asio::thread_pool* pool;
  boost::asio::thread_pool* upload_pool;
  Gauge* uploads;      // admitted uploads; capacity upload_threads + upload_queue
  Gauge* body_memory;  // bytes of request bodies held in memory
};

// The 400/501 a request head must get for its framing (RFC 9112 6.1, 6.3 and
// RFC 9110 7.2), or nullopt when it is fine: Transfer-Encoding other than a
// final, single "chunked"; another coding before it (501); Transfer-Encoding
// together with Content-Length, or in HTTP/1.0; no Host header in HTTP/1.1,
// several Host headers, or a Host value holding a comma or white space.
std::optional<HttpResponse> FramingError(const HttpRequest& head, unsigned version);

// A 503 with Retry-After: the server is at a limit, not broken.
HttpResponse Busy(std::string_view message, int retry_after_seconds);

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using Clock = std::chrono::steady_clock;

  // socket: accepted, its executor a strand.
  HttpConnection(Socket socket, ServerContext context);

  // Serves requests until the peer leaves, a timeout or error ends the
  // connection, or Close() is called. Never throws.
  static boost::asio::awaitable<void> Run(std::shared_ptr<HttpConnection> self);

  // Answers a connection the server will not serve (over a connection cap)
  // with `response` and closes it, without reading a request. Never throws.
  static boost::asio::awaitable<void> Refuse(std::shared_ptr<HttpConnection> self, HttpResponse response);

  // Closes the socket so pending and later operations fail. Idempotent.
  void Close();

  const std::string& remote_address() const { return remote_address_; }

  Socket::executor_type executor() { return socket_.get_executor(); }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  enum class BodyEnd { kDone, kPeerGone, kTimedOut, kRejected };
  // A finished request: whether the connection may serve another one.
  using KeepAlive = bool;

  boost::asio::awaitable<void> Serve();
  boost::asio::awaitable<KeepAlive> HandleOne();
  // Reads the body through sink in bounded chunks, enforcing limit (bytes),
  // the idle timeout and the minimum rate. On kRejected, *error is the reply.
  boost::asio::awaitable<BodyEnd> ReadBody(Parser& parser, uint64_t limit,
                                           const std::function<Status(std::string_view)>& sink,
                                           HttpResponse* error);
  // Runs the admission handler on the worker pool (exceptions become a 500
  // refusal); without one, admits every request (multipart = upload).
  boost::asio::awaitable<Admission> Admit(const HttpRequest& head, bool multipart);
  // Runs the handler on the worker pool (the upload pool for uploads) and
  // resumes here.
  boost::asio::awaitable<HttpResponse> CallHandler(const HttpRequest& request, bool upload);
  // Calls stream() on the worker pool until *out holds about kStreamBatchBytes
  // or the stream ends (*ended); *failed when stream() threw.
  boost::asio::awaitable<void> NextBatch(const HttpResponse& response, std::string* out, bool* ended, bool* failed);
  // Writes response; false when the connection must be closed afterwards.
  boost::asio::awaitable<KeepAlive> WriteResponse(const HttpRequest* request, unsigned version,
                                                  HttpResponse response, bool keep_alive);
  boost::asio::awaitable<bool> WriteStream(const HttpResponse& response, bool head_only, unsigned version,
                                           bool keep_alive);
  boost::asio::awaitable<bool> WriteAll(const std::string& data);
  // Writes a server error (JsonError) and reports that the connection closes.
  boost::asio::awaitable<KeepAlive> Reject(HttpResponse error, unsigned version = 11);
  // Half-closes and drains what the peer still sends (bounded), so the peer
  // reads our last response instead of a reset.
  boost::asio::awaitable<void> LingeringClose();
  // Starts a request once its head is parsed: its id (the client's when
  // valid), method and path for the access log.
  void BeginRequest(std::string_view client_request_id, std::string method, std::string path);
  // Adds X-Request-Id to a response about to be written and reports it (access
  // log line and options_.on_request). Called once per answered request.
  void FinishRequest(HttpResponse& response);

  void SetDeadline(Clock::duration d) { SetDeadlineAt(Clock::now() + d); }
  void SetDeadlineAt(Clock::time_point t);
  void ClearDeadline();

  Socket socket_;
  ServerContext context_;
  const HttpServerOptions& options_;
  boost::asio::steady_timer timer_;
  uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  bool closed_ = false;
  Clock::time_point head_deadline_;  // the current request head must be complete by then
  bool linger_ = true;  // drain before closing (off after a timeout)
  boost::beast::flat_buffer buffer_;
  std::vector<char> chunk_;  // body read buffer; allocated while a body is read
  std::string remote_address_;
  // The request being served (empty id: none yet, e.g. a head that never parsed).
  std::string request_id_;
  std::string method_;
  std::string path_;
  Clock::time_point head_done_;
};

// The client's X-Request-Id when it is 1-64 characters of [A-Za-z0-9._-],
// else a new random id (16 lowercase hex characters, never all digits).
std::string RequestIdFor(std::string_view client_value);

}  // namespace batchcall::http_internal
