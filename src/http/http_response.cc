// Response side of HttpConnection: running the handler on the worker pool and
// writing fixed or streamed (chunked) responses.
#include <utility>  // before Boost.Asio (g++ 12)

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>

#include "http/http_connection.h"
#include "base/log.h"

namespace batchcall::http_internal {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

// Small stream pieces (CSV rows) are gathered into one chunk of about this
// size per worker-pool hop; one batch is in flight at a time.
constexpr size_t kStreamBatchBytes = 32 * 1024;

bool IEquals(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

// Copies handler headers into a Beast message; the server owns framing.
// Returns false when the handler asked for "Connection: close".
template <typename Message>
bool CopyHeaders(const HttpResponse& response, Message* message) {
  bool keep = true;
  bool has_server = false;
  for (const auto& [name, value] : response.headers) {
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding")) continue;
    if (IEquals(name, "Connection")) {
      if (http::token_list(value).exists("close")) keep = false;
      continue;
    }
    has_server |= IEquals(name, "Server");
    message->insert(name, value);
  }
  if (!has_server) message->set(http::field::server, "batchcall");
  return keep;
}

unsigned ValidStatus(int status) { return status >= 100 && status <= 999 ? static_cast<unsigned>(status) : 500; }

HttpResponse InvokeHandler(const HttpHandler& handler, const HttpRequest& request) {
  ScopedRequestId log_context(request.request_id);
  try {
    return handler(request);
  } catch (const std::exception& e) {
    LogError("handler threw",
             {{"request_id", request.request_id}, {"method", request.method}, {"error", e.what()}});
  } catch (...) {
    LogError("handler threw a non-exception", {{"request_id", request.request_id}, {"method", request.method}});
  }
  return JsonError(500, "Internal error; the server log has the details.");
}

}  // namespace

awaitable<HttpResponse> HttpConnection::CallHandler(const HttpRequest& request, bool upload) {
  ClearDeadline();
  const HttpHandler& handler = *context_.handler;
  co_return co_await asio::co_spawn(
      upload ? *context_.upload_pool : *context_.pool,
      [&]() -> awaitable<HttpResponse> { co_return InvokeHandler(handler, request); }, use_awaitable);
}

awaitable<void> HttpConnection::NextBatch(const HttpResponse& response, std::string* out, bool* ended,
                                          bool* failed) {
  ClearDeadline();
  const std::string request_id = request_id_;
  co_await asio::co_spawn(
      *context_.pool,
      [&]() -> awaitable<void> {
        ScopedRequestId log_context(request_id);
        try {
          while (out->size() < kStreamBatchBytes) {
            std::optional<std::string> piece = response.stream();
            if (!piece) {
              *ended = true;
              break;
            }
            if (out->empty()) {
              *out = std::move(*piece);  // a big piece (an export's page) is not copied
            } else {
              out->append(*piece);
            }
          }
        } catch (const std::exception& e) {
          LogError("response stream threw", {{"error", e.what()}});
          *failed = true;
        } catch (...) {
          LogError("response stream threw a non-exception");
          *failed = true;
        }
        co_return;
      },
      use_awaitable);
}

awaitable<bool> HttpConnection::WriteAll(const std::string& data) {
  error_code ec;
  co_await asio::async_write(socket_, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  ClearDeadline();
  co_return !ec;
}

awaitable<HttpConnection::KeepAlive> HttpConnection::WriteResponse(const HttpRequest* request, unsigned version,
                                                                   HttpResponse response, bool keep_alive) {
  const bool head_only = request != nullptr && request->method == "HEAD";
  FinishRequest(response);
  if (response.stream) {
    http::response<http::empty_body> probe;  // only to apply the handler's Connection header
    keep_alive &= CopyHeaders(response, &probe);
    co_return co_await WriteStream(response, head_only, version, keep_alive) && keep_alive;
  }
  http::response<http::string_body> message;
  message.version(version);
  message.result(ValidStatus(response.status));
  keep_alive &= CopyHeaders(response, &message);
  message.keep_alive(keep_alive);
  message.body() = std::move(response.body);
  message.prepare_payload();

  SetDeadline(options_.write_timeout);
  error_code ec;
  if (head_only) {
    http::response_serializer<http::string_body> serializer(message);
    co_await http::async_write_header(socket_, serializer, asio::redirect_error(use_awaitable, ec));
  } else {
    co_await http::async_write(socket_, message, asio::redirect_error(use_awaitable, ec));
  }
  ClearDeadline();
  co_return !ec && keep_alive;
}

awaitable<bool> HttpConnection::WriteStream(const HttpResponse& response, bool head_only, unsigned version,
                                            bool keep_alive) {
  // HTTP/1.0 has no chunked encoding: send raw bytes and end with a close.
  const bool chunked = version >= 11;
  http::response<http::empty_body> message;
  message.version(version);
  message.result(ValidStatus(response.status));
  CopyHeaders(response, &message);
  message.keep_alive(keep_alive && chunked);
  if (chunked) message.chunked(true);

  SetDeadline(options_.write_timeout);
  error_code ec;
  http::response_serializer<http::empty_body> serializer(message);
  co_await http::async_write_header(socket_, serializer, asio::redirect_error(use_awaitable, ec));
  ClearDeadline();
  if (ec) co_return false;
  if (head_only) co_return chunked;

  static const std::string kCrlf = "\r\n";
  std::string batch;
  for (bool ended = false; !ended;) {
    bool failed = false;
    batch.clear();
    co_await NextBatch(response, &batch, &ended, &failed);
    if (failed || closed_) co_return false;  // the body is cut short; the client sees no last chunk
    if (batch.empty()) continue;
    SetDeadline(options_.write_timeout);
    if (chunked) {
      char size_line[32];
      int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", batch.size());
      std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, static_cast<size_t>(len)),
                                                asio::buffer(batch), asio::buffer(kCrlf)};
      co_await asio::async_write(socket_, buffers, asio::redirect_error(use_awaitable, ec));
    } else {
      co_await asio::async_write(socket_, asio::buffer(batch), asio::redirect_error(use_awaitable, ec));
    }
    ClearDeadline();
    if (ec) co_return false;
  }
  if (!chunked) co_return false;
  static const std::string kLastChunk = "0\r\n\r\n";
  SetDeadline(options_.write_timeout);
  co_return co_await WriteAll(kLastChunk);
}

}  // namespace batchcall::http_internal
