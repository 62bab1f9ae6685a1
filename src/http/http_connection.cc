// Request side of HttpConnection: the keep-alive loop, head and body reading,
// form parsing and timeouts. The response side is in http_response.cc.
#include "http/http_connection.h"

#include <utility>  // before Boost.Asio (g++ 12)

#include <algorithm>
#include <array>
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
    case StatusCode::kUnavailable: return JsonError(503, status.message());
    case StatusCode::kInternal:
      LogError("reading a request failed", {{"error", status.ToString()}});
      return JsonError(500, "Internal error while reading the request; the server log has the details.");
    default: return JsonError(400, status.message());
  }
}

// An upload part could not be spooled (temp_dir missing, read-only, full):
// one ERROR line with the details, and a 503 for the client without paths.
Status SpoolFailure(const Status& status, std::string_view request_id) {
  if (status.code() != StatusCode::kUnavailable) return status;
  LogError("cannot spool an upload to the temporary directory",
           {{"request_id", request_id}, {"error", status.message()}});
  return Unavailable(
      "The server cannot store uploads right now: its temporary directory is not writable. The server log has "
      "the details; try again later.");
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool IsPeerGone(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor || ec == asio::error::not_connected;
}

}  // namespace

bool Gauge::TryAdd(uint64_t n) {
  uint64_t current = value_.load();
  do {
    if (capacity_ != 0 && (n > capacity_ || current > capacity_ - n)) return false;
  } while (!value_.compare_exchange_weak(current, current + n));
  return true;
}

HttpResponse Busy(std::string_view message, int retry_after_seconds) {
  HttpResponse r = JsonError(503, message);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

std::optional<HttpResponse> FramingError(const HttpRequest& head, unsigned version) {
  int hosts = 0;
  bool bad_host = false;
  bool content_length = false;
  std::vector<std::string_view> codings;  // every Transfer-Encoding field's codings, in order
  bool transfer_encoding = false;
  for (const auto& [name, value] : head.headers) {
    if (boost::beast::iequals(name, "Host")) {
      ++hosts;
      bad_host |= value.find_first_of(", \t") != std::string::npos;
    } else if (boost::beast::iequals(name, "Content-Length")) {
      content_length = true;
    } else if (boost::beast::iequals(name, "Transfer-Encoding")) {
      transfer_encoding = true;
      std::string_view rest = value;
      while (true) {
        size_t comma = rest.find(',');
        codings.push_back(Trim(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (hosts > 1) return JsonError(400, "The request has more than one Host header.");
  if (hosts == 0 && version >= 11) return JsonError(400, "An HTTP/1.1 request needs a Host header.");
  if (bad_host) return JsonError(400, "The Host header is not a valid host[:port].");
  if (!transfer_encoding) return std::nullopt;
  if (version < 11) return JsonError(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
  if (content_length) return JsonError(400, "A request may not carry both Transfer-Encoding and Content-Length.");
  const auto is_chunked = [](std::string_view c) { return boost::beast::iequals(c, "chunked"); };
  if (codings.empty() || !is_chunked(codings.back()) ||
      std::count_if(codings.begin(), codings.end(), is_chunked) != 1) {
    return JsonError(400, "Transfer-Encoding must be exactly \"chunked\" (or Content-Length be used).");
  }
  if (codings.size() > 1) {
    return JsonError(501, "Transfer codings other than chunked (here \"" + std::string(codings.front()) +
                              "\") are not supported; send the body with Transfer-Encoding: chunked only.");
  }
  return std::nullopt;
}

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
      timer_(socket_.get_executor()) {
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

awaitable<void> HttpConnection::Refuse(std::shared_ptr<HttpConnection> self, HttpResponse response) {
  try {
    co_await self->Reject(std::move(response));
    co_await self->LingeringClose();
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
  // Framing first: a body whose length is in doubt is never read, and the
  // connection closes, so its bytes cannot become a second request.
  if (auto error = FramingError(request, version)) co_return co_await Reject(std::move(*error), version);
  if (Status s = DecodeTarget(&request); !s.ok()) co_return co_await Reject(JsonError(400, s.message()), version);

  const std::string content_type(head[http::field::content_type]);
  const bool multipart = IsMediaType(content_type, "multipart/form-data");
  const bool urlencoded = IsMediaType(content_type, "application/x-www-form-urlencoded");
  const bool has_body = !parser.is_done();
  // Decided on the head alone: a refused request's body is never read.
  Admission admission;
  if (has_body) {
    admission = co_await Admit(request, multipart);
    if (admission.refuse) co_return co_await Reject(std::move(*admission.refuse), version);
  }
  const bool upload = admission.upload;
  uint64_t limit = upload && multipart ? options_.max_upload_bytes : options_.max_body_bytes;
  if (admission.max_body_bytes != 0) limit = std::min(limit, admission.max_body_bytes);
  GaugeHold upload_slot(*context_.uploads);
  GaugeHold body_memory(*context_.body_memory);
  TempFiles temp_files;  // upload parts; deleted when this request is over

  if (has_body) {
    const auto length = parser.content_length();
    if (length && *length > limit) {
      co_return co_await Reject(JsonError(413, "Request body of " + std::to_string(*length) +
                                                   " bytes is larger than the limit of " +
                                                   std::to_string(limit) + " bytes."),
                                version);
    }
    if (upload && !upload_slot.TryAdd(1)) {
      co_return co_await Reject(Busy("Too many uploads are in progress; retry in a few seconds.", 5), version);
    }
    // Bodies kept in memory count against max_body_memory_bytes: all at once
    // when the length is known, chunk by chunk otherwise.
    const bool in_memory = !multipart;
    if (in_memory && length && !body_memory.TryAdd(*length)) {
      co_return co_await Reject(Busy("The server is receiving too many request bodies; retry shortly.", 1),
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
    std::optional<HttpResponse> sink_error;  // replaces the status-derived reply
    auto sink = [&](std::string_view data) -> Status {
      if (form_parser) return SpoolFailure(form_parser->Feed(data), request_id_);
      if (in_memory && !length && !body_memory.TryAdd(data.size())) {
        sink_error = Busy("The server is receiving too many request bodies; retry shortly.", 1);
        return Unavailable("body memory");
      }
      request.body.append(data);
      return Status::Ok();
    };
    HttpResponse error;
    const BodyEnd end = co_await ReadBody(parser, limit, sink, &error);
    std::vector<char>().swap(chunk_);  // idle connections keep no body buffer
    switch (end) {
      case BodyEnd::kDone: break;
      case BodyEnd::kPeerGone: co_return false;  // temporary files go with form_parser
      case BodyEnd::kTimedOut:
        linger_ = false;
        co_return co_await Reject(JsonError(408, "The request body arrived too slowly."), version);
      case BodyEnd::kRejected:
        co_return co_await Reject(sink_error ? std::move(*sink_error) : std::move(error), version);
    }
    if (form_parser) {
      if (Status s = SpoolFailure(form_parser->Finish(), request_id_); !s.ok()) {
        co_return co_await Reject(ErrorFor(s), version);
      }
      request.form = form_parser->TakeForm(&temp_files);
    }
  } else if (multipart) {
    co_return co_await Reject(JsonError(400, "multipart/form-data request has no body."), version);
  }
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
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

  HttpResponse response = co_await CallHandler(request, upload);
  // The handler is done with the body: its memory and the upload slot are
  // given back before the response is written, so a client that has read the
  // answer finds them free.
  std::string().swap(request.body);
  body_memory.Release();
  upload_slot.Release();
  co_return co_await WriteResponse(&request, version, std::move(response), head.keep_alive());
}

awaitable<Admission> HttpConnection::Admit(const HttpRequest& head, bool multipart) {
  if (!*context_.admit) {
    Admission all;
    all.upload = multipart;
    co_return all;
  }
  ClearDeadline();
  const AdmissionHandler& admit = *context_.admit;
  co_return co_await asio::co_spawn(
      *context_.pool,
      [&]() -> awaitable<Admission> {
        ScopedRequestId log_context(head.request_id);
        try {
          co_return admit(head);
        } catch (const std::exception& e) {
          LogError("admission threw", {{"request_id", head.request_id}, {"error", e.what()}});
        } catch (...) {
          LogError("admission threw a non-exception", {{"request_id", head.request_id}});
        }
        Admission refused;
        refused.refuse = JsonError(500, "Internal error; the server log has the details.");
        co_return refused;
      },
      use_awaitable);
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
    if (chunk_.empty()) chunk_.resize(kChunkBytes);
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
    std::array<char, 16 * 1024> discard;  // what the peer still sends is thrown away
    while (!closed_ && drained < 4 * 1024 * 1024) {
      size_t n = co_await socket_.async_read_some(asio::buffer(discard), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      drained += n;
    }
  }
  Close();
}

}  // namespace batchcall::http_internal
