// HttpServer: listening socket, accept loop, threads and connection registry.
// Per-connection work is in http_connection.cc / http_response.cc.
#include "http/http_server.h"

#include <utility>  // before Boost.Asio (g++ 12)

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/json.h"
#include "http/http_connection.h"
#include "base/log.h"

namespace batchcall {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using http_internal::HttpConnection;

HttpResponse JsonError(int status, std::string_view message, const std::string& details_json) {
  // ordered_json keeps the field order of the contract ("error" first, and
  // details rows as the caller built them).
  nlohmann::ordered_json body = {{"error", status}, {"message", std::string(message)}};
  if (!details_json.empty()) {
    auto details = ParseOrderedJson(details_json);
    body["details"] = details.ok() ? std::move(details).value() : nlohmann::ordered_json(details_json);
  }
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return response;
}

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

namespace {

// Connections being refused (over a cap) at once; beyond it they are closed
// without a response.
constexpr int kMaxRefusing = 256;

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  AdmissionHandler admit;
  asio::io_context ioc;
  std::optional<asio::thread_pool> pool;
  std::optional<asio::thread_pool> upload_pool;
  http_internal::Gauge uploads;
  http_internal::Gauge body_memory;
  std::optional<asio::strand<asio::io_context::executor_type>> acceptor_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  std::mutex mu;
  bool stopping = false;                              // guarded by mu
  std::set<std::shared_ptr<HttpConnection>> connections;  // every open one (served or refused); guarded by mu
  int served = 0;                                     // connections being served; guarded by mu
  std::unordered_map<std::string, int> served_from;   // client address -> served; guarded by mu
  int refusing = 0;                                   // guarded by mu

  Impl(HttpServerOptions o, HttpHandler h, AdmissionHandler a)
      : options(std::move(o)),
        handler(std::move(h)),
        admit(std::move(a)),
        ioc(std::max(1, options.io_threads)),
        uploads(static_cast<uint64_t>(std::max(1, options.upload_threads)) +
                static_cast<uint64_t>(std::max(0, options.upload_queue))),
        body_memory(options.max_body_memory_bytes) {}

  asio::awaitable<void> AcceptLoop();
  // Registers an accepted connection; the 503 to send when it is over a
  // connection cap (nullopt: serve it). Sets *drop when it is to be closed at once.
  std::optional<HttpResponse> Register(const std::shared_ptr<HttpConnection>& connection, bool* drop);
  asio::awaitable<void> RunConnection(std::shared_ptr<HttpConnection> connection);
  asio::awaitable<void> RefuseConnection(std::shared_ptr<HttpConnection> connection, HttpResponse response);
};

std::optional<HttpResponse> HttpServer::Impl::Register(const std::shared_ptr<HttpConnection>& connection,
                                                       bool* drop) {
  std::lock_guard lock(mu);
  *drop = stopping;
  if (stopping) return std::nullopt;
  const int total_cap = options.max_connections;
  const int client_cap = options.max_connections_per_client;
  const std::string& client = connection->remote_address();
  std::optional<HttpResponse> refusal;
  if (total_cap > 0 && served >= total_cap) {
    refusal = http_internal::Busy("The server has too many open connections; retry shortly.", 1);
  } else if (client_cap > 0 && served_from[client] >= client_cap) {
    refusal = http_internal::Busy("Too many open connections from " + client +
                                      "; close idle ones or retry shortly (max_connections_per_client).",
                                  1);
  }
  if (refusal) {
    if (served_from[client] == 0) served_from.erase(client);
    if (refusing >= kMaxRefusing) {
      *drop = true;
      return std::nullopt;
    }
    ++refusing;
  } else {
    ++served;
    ++served_from[client];
  }
  connections.insert(connection);
  return refusal;
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  const http_internal::ServerContext context{&options, &handler, &admit, &*pool, &*upload_pool, &uploads,
                                             &body_memory};
  for (;;) {
    tcp::socket socket(asio::make_strand(ioc));
    error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (!acceptor->is_open()) co_return;
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning.
      LogError("http accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<HttpConnection>(std::move(socket), context);
    bool drop = false;
    std::optional<HttpResponse> refusal = Register(connection, &drop);
    if (drop) continue;  // the connection's destructor closes the socket
    if (refusal) {
      asio::co_spawn(connection->executor(), RefuseConnection(connection, std::move(*refusal)), asio::detached);
    } else {
      asio::co_spawn(connection->executor(), RunConnection(connection), asio::detached);
    }
  }
}

asio::awaitable<void> HttpServer::Impl::RunConnection(std::shared_ptr<HttpConnection> connection) {
  co_await HttpConnection::Run(connection);
  std::lock_guard lock(mu);
  connections.erase(connection);
  --served;
  auto it = served_from.find(connection->remote_address());
  if (it != served_from.end() && --it->second == 0) served_from.erase(it);
}

asio::awaitable<void> HttpServer::Impl::RefuseConnection(std::shared_ptr<HttpConnection> connection,
                                                         HttpResponse response) {
  co_await HttpConnection::Refuse(connection, std::move(response));
  std::lock_guard lock(mu);
  connections.erase(connection);
  --refusing;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, AdmissionHandler admit)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(admit))) {}

HttpServer::~HttpServer() { Stop(); }

HttpServer::Load HttpServer::load() const {
  Load load;
  {
    std::lock_guard lock(impl_->mu);
    load.connections = impl_->served;
  }
  load.uploads = impl_->uploads.value();
  return load;
}

uint16_t HttpServer::port() const { return impl_->port; }

Status HttpServer::Start() {
  Impl& s = *impl_;
  if (s.started) return InvalidArgument("HttpServer already started");
  if (s.options.io_threads < 1 || s.options.worker_threads < 1 || s.options.upload_threads < 1) {
    return InvalidArgument("io_threads, worker_threads and upload_threads must be at least 1");
  }
  if (s.options.upload_queue < 0 || s.options.max_connections < 0 || s.options.max_connections_per_client < 0) {
    return InvalidArgument("upload_queue, max_connections and max_connections_per_client must not be negative");
  }
  const std::string& listen = s.options.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen address '" + listen + "' is not host:port");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port_number = 0;
  try {
    size_t used = 0;
    port_number = std::stoul(port_text, &used);
    if (used != port_text.size() || port_number > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return InvalidArgument("listen address '" + listen + "' has an invalid port");
  }
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgument("listen address '" + listen + "' has an invalid host (use an IP address)");

  tcp::endpoint endpoint(address, static_cast<uint16_t>(port_number));
  s.acceptor_strand.emplace(asio::make_strand(s.ioc));
  s.acceptor.emplace(*s.acceptor_strand);
  tcp::acceptor& acceptor = *s.acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.reset();
    return Unavailable("cannot listen on " + listen + ": " + ec.message());
  }
  s.port = acceptor.local_endpoint().port();
  s.started = true;

  s.pool.emplace(static_cast<size_t>(s.options.worker_threads));
  s.upload_pool.emplace(static_cast<size_t>(s.options.upload_threads));
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(*s.acceptor_strand, s.AcceptLoop(), asio::detached);
  for (int i = 0; i < s.options.io_threads; ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          LogError("http io thread caught an exception", {{"error", e.what()}});
        }
      }
    });
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
    for (const auto& connection : s.connections) {
      asio::post(connection->executor(), [connection] { connection->Close(); });
    }
  }
  asio::post(*s.acceptor_strand, [&s] {
    error_code ec;
    s.acceptor->close(ec);
  });
  // Threads end once every connection coroutine has finished (a running
  // handler call is waited for; its connection then fails to write).
  s.work.reset();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.pool->join();
  s.upload_pool->join();
}

}  // namespace batchcall
