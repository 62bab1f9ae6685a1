// Request side of HttpConnection: the keep-alive loop, head and body reading,
// form parsing and timeouts. The response side is in http_response.cc.
#include "api/http_connection.h"

#include <utility>  // before Boost.Asio (g++ 12)

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <limits>

#include "base/crypto.h"
#include "base/log.h"

namespace batchcall::http_internal {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

constexpr size_t kChunkBytes = 64 * 1024;

// Fills path and query from the raw target; InvalidArgument on bad escapes.
Status DecodeTarget(HttpRequest* request) {
  std::string_view target = request->target;
  // absolute-form ("http://host/path?q") keeps only the path and query.
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  size_t q = target.find('?');
  auto path = PercentDecode(target.substr(0, q), false, /*reject_nul=*/true);
  if (!path.ok()) return InvalidArgument("Invalid request path: " + path.status().message() + ".");
  request->path = std::move(*path);
  if (q != std::string_view::npos) {
    auto query = ParseUrlEncoded(target.substr(q + 1));
    if (!query.ok()) return InvalidArgument("Invalid query string: " + query.status().message() + ".");
    request->query = std::move(*query);
  }
  return Status::Ok();
}

HttpResponse ErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kPayloadTooLarge: return JsonError(413, status.message());
    case StatusCode::kInternal:
      LogError("reading a request failed", {{"error", status.ToString()}});
      return JsonError(500, "Internal error while reading the request; the server log has the details.");
    default: return JsonError(400, status.message());
  }
}

bool IsPeerGone(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor || ec == asio::error::not_connected;
}

}  // namespace

std::string RequestIdFor(std::string_view client_value) {
  bool valid = !client_value.empty() && client_value.size() <= 64;
  for (char c : client_value) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-');
  }
  if (valid) return std::string(client_value);
  // Never all digits: the log masks long digit runs as phone numbers.
  std::string id;
  do {
    id = RandomHex(8);
  } while (id.find_first_not_of("0123456789") == std::string::npos);
  return id;
}

void HttpConnection::BeginRequest(std::string_view client_request_id, std::string method, std::string path) {
  request_id_ = RequestIdFor(client_request_id);
  method_ = std::move(method);
  path_ = std::move(path);
  head_done_ = Clock::now();
}

void HttpConnection::FinishRequest(HttpResponse& response) {
  if (request_id_.empty()) BeginRequest("", "", "");  // the server answered before a head parsed
  std::erase_if(response.headers, [](const auto& h) { return boost::beast::iequals(h.first, "X-Request-Id"); });
  response.headers.emplace_back("X-Request-Id", request_id_);
  const auto duration = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - head_done_);
  const std::string_view route = response.route.empty() ? std::string_view("unmatched") : response.route;
  const bool health = response.route == "/healthz";
  const std::initializer_list<LogField> fields = {
      {"request_id", request_id_},
      {"method", method_},
      {"route", route},
      {"status", response.status},
      {"duration_ms", static_cast<double>(duration.count()) / 1e6},
      {"remote", remote_address_}};
  Log(health ? LogLevel::kDebug : LogLevel::kInfo, "http request", fields);
  LogDebug("http request path", {{"request_id", request_id_}, {"path", path_}});
  if (options_.on_request) {
    HttpRequestRecord record;
    record.method = method_;
    record.route = response.route;
    record.request_id = request_id_;
    record.remote_address = remote_address_;
    record.status = response.status;
    record.duration = duration;
    try {
      options_.on_request(record);
    } catch (const std::exception& e) {
      LogError("request observer threw", {{"request_id", request_id_}, {"error", e.what()}});
    }
  }
}

HttpConnection::HttpConnection(Socket socket, ServerContext context)
    : socket_(std::move(socket)),
      context_(context),
      options_(*context.options),
      timer_(socket_.get_executor()),
      chunk_(kChunkBytes) {
  error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

awaitable<void> HttpConnection::Run(std::shared_ptr<HttpConnection> self) {
  try {
    co_await self->Serve();
  } catch (const std::exception& e) {
    LogError("http connection failed", {{"error", e.what()}});
  }
  self->Close();
}

void HttpConnection::Close() {
  closed_ = true;
  ClearDeadline();
  error_code ec;
  socket_.close(ec);
}

void HttpConnection::SetDeadlineAt(Clock::time_point t) {
  timed_out_ = false;
  if (closed_) return;
  uint64_t generation = ++deadline_generation_;
  timer_.expires_at(t);
  timer_.async_wait([weak = weak_from_this(), generation](error_code ec) {
    auto self = weak.lock();
    if (!self || ec || generation != self->deadline_generation_) return;
    self->timed_out_ = true;
    error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void HttpConnection::ClearDeadline() {
  ++deadline_generation_;
  timer_.cancel();
}

awaitable<void> HttpConnection::Serve() {
  // The first head must be complete header_timeout after accept; later ones
  // header_timeout after their first byte (idle time is keep_alive_timeout).
  head_deadline_ = Clock::now() + options_.header_timeout;
  for (bool first = true; !closed_; first = false) {
    if (buffer_.size() == 0) {
      SetDeadlineAt(first ? head_deadline_ : Clock::now() + options_.keep_alive_timeout);
      error_code ec;
      co_await socket_.async_wait(Socket::wait_read, asio::redirect_error(use_awaitable, ec));
      if (ec || closed_) co_return;
      if (!first) head_deadline_ = Clock::now() + options_.header_timeout;
    } else if (!first) {
      head_deadline_ = Clock::now() + options_.header_timeout;  // pipelined
    }
    if (!co_await HandleOne()) break;
  }
  if (linger_) co_await LingeringClose();
}

awaitable<HttpConnection::KeepAlive> HttpConnection::HandleOne() {
  Parser parser;
  parser.header_limit(static_cast<uint32_t>(
      std::min<uint64_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // Limits are enforced by ReadBody. (Beast 1.74 treats boost::none as 0.)
  parser.body_limit(std::numeric_limits<uint64_t>::max());

  request_id_.clear();
  SetDeadlineAt(head_deadline_);
  error_code ec;
  co_await http::async_read_header(socket_, buffer_, parser, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    if (timed_out_) {
      linger_ = false;  // a trickling client gets no extra time
      if (buffer_.size() == 0) co_return false;
      co_return co_await Reject(JsonError(408, "The request head did not arrive in time."));
    }
    if (ec == http::error::header_limit) {
      co_return co_await Reject(JsonError(431, "Request header fields are larger than " +
                                                   std::to_string(options_.max_header_bytes) + " bytes."));
    }
    if (IsPeerGone(ec) || ec == asio::error::operation_aborted) co_return false;
    co_return co_await Reject(JsonError(400, "Malformed HTTP request: " + ec.message() + "."));
  }

  const auto& head = parser.get();
  const unsigned version = head.version();
  HttpRequest request;
  request.method = std::string(head.method_string());
  request.target = std::string(head.target());
  request.remote_address = remote_address_;
  for (const auto& field : head) request.headers.emplace_back(field.name_string(), field.value());
  BeginRequest(head["X-Request-Id"], request.method, request.target);
  request.request_id = request_id_;
  if (Status s = DecodeTarget(&request); !s.ok()) co_return co_await Reject(JsonError(400, s.message()), version);

  const std::string content_type(head[http::field::content_type]);
  const bool multipart = IsMediaType(content_type, "multipart/form-data");
  const bool urlencoded = IsMediaType(content_type, "application/x-www-form-urlencoded");
  const uint64_t limit = multipart ? options_.max_upload_bytes : options_.max_body_bytes;
  TempFiles temp_files;  // upload parts; deleted when this request is over

  if (!parser.is_done()) {
    if (auto length = parser.content_length(); length && *length > limit) {
      co_return co_await Reject(JsonError(413, "Request body of " + std::to_string(*length) +
                                                   " bytes is larger than the limit of " +
                                                   std::to_string(limit) + " bytes."),
                                version);
    }
    std::optional<MultipartParser> form_parser;
    if (multipart) {
      auto boundary = MultipartBoundary(content_type);
      if (!boundary.ok()) co_return co_await Reject(JsonError(400, boundary.status().message() + "."), version);
      form_parser.emplace(std::move(*boundary),
                          MultipartLimits{options_.max_form_field_bytes, options_.max_form_parts, 8 * 1024,
                                          options_.temp_dir});
    }
    if (http::token_list(head[http::field::expect]).exists("100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      SetDeadline(options_.write_timeout);
      if (!co_await WriteAll(kContinue)) co_return false;
    }
    auto sink = [&](std::string_view data) -> Status {
      if (form_parser) return form_parser->Feed(data);
      request.body.append(data);
      return Status::Ok();
    };
    HttpResponse error;
    switch (co_await ReadBody(parser, limit, sink, &error)) {
      case BodyEnd::kDone: break;
      case BodyEnd::kPeerGone: co_return false;  // temporary files go with form_parser
      case BodyEnd::kTimedOut:
        linger_ = false;
        co_return co_await Reject(JsonError(408, "The request body arrived too slowly."), version);
      case BodyEnd::kRejected: co_return co_await Reject(std::move(error), version);
    }
    if (form_parser) {
      if (Status s = form_parser->Finish(); !s.ok()) co_return co_await Reject(ErrorFor(s), version);
      request.form = form_parser->TakeForm(&temp_files);
    }
  } else if (multipart) {
    co_return co_await Reject(JsonError(400, "multipart/form-data request has no body."), version);
  }
  if (urlencoded) {
    auto fields = ParseUrlEncoded(request.body);
    if (!fields.ok()) {
      co_return co_await Reject(JsonError(400, "Invalid url-encoded form: " + fields.status().message() + "."),
                                version);
    }
    request.form.emplace();
    request.form->fields = std::move(*fields);
    request.body.clear();
  }

  HttpResponse response = co_await CallHandler(request);
  co_return co_await WriteResponse(&request, version, std::move(response), head.keep_alive());
}

awaitable<HttpConnection::BodyEnd> HttpConnection::ReadBody(Parser& parser, uint64_t limit,
                                                            const std::function<Status(std::string_view)>& sink,
                                                            HttpResponse* error) {
  const auto start = Clock::now();
  const uint64_t rate = options_.min_body_bytes_per_second;
  uint64_t total = 0;
  while (!parser.is_done()) {
    // Cut off at the idle gap, or when the average rate would drop below the
    // minimum (checked from body_rate_grace on).
    auto deadline = Clock::now() + options_.body_idle_timeout;
    if (rate > 0) {
      auto needed = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          static_cast<double>(total) / static_cast<double>(rate)));
      deadline = std::min(deadline, start + std::max<Clock::duration>(options_.body_rate_grace, needed));
    }
    SetDeadlineAt(deadline);
    parser.get().body().data = chunk_.data();
    parser.get().body().size = chunk_.size();
    error_code ec;
    co_await http::async_read_some(socket_, buffer_, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = chunk_.size() - parser.get().body().size;
    if (ec) {
      if (timed_out_) co_return BodyEnd::kTimedOut;
      if (IsPeerGone(ec) || ec == asio::error::operation_aborted) co_return BodyEnd::kPeerGone;
      *error = JsonError(400, "Malformed HTTP request body: " + ec.message() + ".");
      co_return BodyEnd::kRejected;
    }
    total += n;
    if (total > limit) {
      *error = JsonError(413, "Request body is larger than the limit of " + std::to_string(limit) + " bytes.");
      co_return BodyEnd::kRejected;
    }
    if (n == 0) continue;
    if (Status s = sink(std::string_view(chunk_.data(), n)); !s.ok()) {
      *error = ErrorFor(s);
      co_return BodyEnd::kRejected;
    }
  }
  ClearDeadline();
  co_return BodyEnd::kDone;
}

awaitable<HttpConnection::KeepAlive> HttpConnection::Reject(HttpResponse error, unsigned version) {
  co_await WriteResponse(nullptr, version == 10 ? 10 : 11, std::move(error), false);
  co_return false;
}

awaitable<void> HttpConnection::LingeringClose() {
  if (closed_) co_return;
  error_code ec;
  socket_.shutdown(Socket::shutdown_send, ec);
  if (!ec) {
    SetDeadline(std::chrono::seconds(1));
    uint64_t drained = 0;
    while (!closed_ && drained < 4 * 1024 * 1024) {
      size_t n = co_await socket_.async_read_some(asio::buffer(chunk_), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      drained += n;
    }
  }
  Close();
}

}  // namespace batchcall::http_internal
