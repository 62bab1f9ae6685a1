// HttpServer over real sockets: requests, keep-alive, limits, timeouts,
// streamed responses, errors and shutdown. Uploads are in http_upload_test.cc.
#include "http/http_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "http/http_test_fixture.h"
#include "testing/wait.h"

namespace batchcall::testing {
namespace {

const char kGet[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(JsonErrorTest, Shape) {
  HttpResponse r = JsonError(413, "Too \"big\".");
  EXPECT_EQ(r.status, 413);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], 413);
  EXPECT_EQ(j["message"], "Too \"big\".");
  EXPECT_FALSE(j.contains("details"));
  j = nlohmann::json::parse(JsonError(400, "bad", R"([{"row":2}])").body);
  EXPECT_EQ(j["details"][0]["row"], 2);
}

TEST(HttpServerStartTest, RejectsBadListenAddress) {
  for (const char* listen : {"nonsense", "127.0.0.1:99999", "127.0.0.1:x", "not-an-ip:80"}) {
    HttpServerOptions options;
    options.listen = listen;
    HttpServer server(options, [](const HttpRequest&) { return HttpResponse{}; });
    EXPECT_EQ(server.Start().code(), StatusCode::kInvalidArgument) << listen;
  }
}

TEST_F(HttpServerTest, PortInUseIsUnavailable) {
  Start();
  HttpServerOptions options = options_;
  options.listen = "127.0.0.1:" + std::to_string(server_->port());
  HttpServer second(options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_EQ(second.Start().code(), StatusCode::kUnavailable);
}

TEST_F(HttpServerTest, SimpleGetDecodesPathQueryAndHeaders) {
  Start();
  TestClient c(server_->port());
  c.Send("GET /a%20b/c?x=1&y=a+b&x=%2B HTTP/1.1\r\nHost: x\r\nX-Thing: Value\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.Header("server"), "batchcall");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  HttpRequest req = Last();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/a%20b/c?x=1&y=a+b&x=%2B");
  EXPECT_EQ(req.path, "/a b/c");
  EXPECT_EQ(req.query.count("x"), 2u);
  EXPECT_EQ(req.Query("x"), "1");
  EXPECT_EQ(req.Query("y"), "a b");
  EXPECT_EQ(req.Header("x-thing"), "Value");
  EXPECT_EQ(req.Header("X-THING"), "Value");
  EXPECT_EQ(req.Header("missing"), std::nullopt);
  EXPECT_EQ(req.remote_address, "127.0.0.1");
  EXPECT_FALSE(req.form.has_value());
}

TEST_F(HttpServerTest, KeepAliveServesSequentialAndPipelinedRequests) {
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  EXPECT_EQ(c.Read().status, 200);
  c.Send(kGet);
  EXPECT_EQ(c.Read().status, 200);
  c.Send(std::string(kGet) + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n" + kGet);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Read().status, 200);
  EXPECT_EQ(calls_, 5);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  Start();
  TestClient c(server_->port());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(Ms(2000)));
}

TEST_F(HttpServerTest, HandlerConnectionCloseIsHonoured) {
  handler_ = [](const HttpRequest&) { return HttpResponse{200, {{"Connection", "close"}}, "bye", nullptr, ""}; };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  EXPECT_EQ(c.Read().body, "bye");
  EXPECT_TRUE(c.WaitClosed(Ms(2000)));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  options_.keep_alive_timeout = Ms(300);
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  EXPECT_EQ(c.Read().status, 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  EXPECT_GE(Since(start), Ms(200));
}

TEST_F(HttpServerTest, JsonBodyPassesThrough) {
  handler_ = [](const HttpRequest& r) {
    return HttpResponse{201, {{"Content-Type", "application/json"}, {"X-Echo", "1"}}, r.body, nullptr, ""};
  };
  Start();
  TestClient c(server_->port());
  const std::string json = R"({"a": [1, 2, "\u00e9"], "b": null})";
  c.Send(PostRequest("/batches/x/schedule", "application/json", json));
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, json);
  EXPECT_EQ(r.Header("x-echo"), "1");
  EXPECT_EQ(Last().Header("content-type"), "application/json");
}

TEST_F(HttpServerTest, ChunkedRequestBodyIsAssembled) {
  handler_ = [](const HttpRequest& r) { return HttpResponse{200, {}, r.body, nullptr, ""}; };
  Start();
  TestClient c(server_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(c.Read().body, "hello world");
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  Start();
  {
    TestClient c(server_->port());
    c.Send(PostRequest("/", "application/json", std::string(options_.max_body_bytes + 1, 'x')));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"], 413);
    EXPECT_EQ(r.Header("content-type"), "application/json");
  }
  {
    // Chunked: no Content-Length up front, counted while streaming.
    TestClient c(server_->port());
    std::string chunk(40000, 'y');
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.Send(size + chunk + "\r\n");
    c.Send(size + chunk + "\r\n");
    EXPECT_EQ(c.Read().status, 413);
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, HeaderOverLimitIs431) {
  Start();
  TestClient c(server_->port());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(options_.max_header_bytes, 'h') + "\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], 431);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, MalformedRequestsAre400) {
  Start();
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                          "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
                          "GET /a?q=%4 HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    TestClient c(server_->port());
    c.Send(raw);
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_TRUE(c.WaitClosed(Ms(2000))) << raw;
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, TricklingHeadIsCutOffAtHeaderTimeout) {
  options_.header_timeout = Ms(600);
  Start();
  TestClient c(server_->port());
  auto start = std::chrono::steady_clock::now();
  c.Send("GET / HTTP/1.1\r\n");
  bool sent_all = true;
  for (int i = 0; i < 40 && sent_all; ++i) {  // one header byte every 50 ms, for up to 2 s
    std::this_thread::sleep_for(Ms(50));  // the client's pace, not a wait
    sent_all = c.Send("X");
  }
  RawResponse r = c.Read();  // 408, or nothing if the reset won the race
  if (r.status != 0) {
    EXPECT_EQ(r.status, 408);
  }
  EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  EXPECT_LT(Since(start), Ms(2000));
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, SilentConnectionIsClosedAtHeaderTimeout) {
  options_.header_timeout = Ms(300);
  Start();
  TestClient c(server_->port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  EXPECT_GE(Since(start), Ms(250));
}

TEST_F(HttpServerTest, BodyIdleGapIsCutOff) {
  options_.body_idle_timeout = Ms(300);
  Start();
  TestClient c(server_->port());
  auto start = std::chrono::steady_clock::now();
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nsome");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  EXPECT_LT(Since(start), Ms(2000));
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, SlowBodyBelowMinimumRateIsCutOff) {
  options_.body_idle_timeout = Ms(1000);
  options_.min_body_bytes_per_second = 1000;
  options_.body_rate_grace = Ms(500);
  Start();
  TestClient c(server_->port());
  auto start = std::chrono::steady_clock::now();
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10000\r\n\r\n");
  // 20 bytes per 50 ms = 400 B/s: never idle, but too slow.
  bool open = true;
  while (open && Since(start) < Ms(3000)) {
    std::this_thread::sleep_for(Ms(50));  // the client's pace, not a wait
    open = c.Send(std::string(20, 'b'));
  }
  EXPECT_LT(Since(start), Ms(2500));
  EXPECT_TRUE(c.WaitClosed(Ms(2000)));
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, StreamedResponseIsChunked) {
  std::atomic<int> pieces{0};
  handler_ = [&pieces](const HttpRequest&) {
    HttpResponse r;
    r.headers = {{"Content-Type", "text/csv"}};
    r.stream = [&pieces, n = 0]() mutable -> std::optional<std::string> {
      ++pieces;
      if (n == 2000) return std::nullopt;
      int i = n++;
      if (i % 7 == 0) return std::string();  // skipped
      return "row," + std::to_string(i) + "\n";
    };
    return r;
  };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.Header("content-type"), "text/csv");
  std::string want;
  for (int i = 0; i < 2000; ++i) {
    if (i % 7 != 0) want += "row," + std::to_string(i) + "\n";
  }
  EXPECT_EQ(r.body, want);
  EXPECT_EQ(pieces, 2001);
  c.Send(kGet);  // the connection stays usable after a streamed response
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(HttpServerTest, StreamedResponseHasBackpressure) {
  // 200 MB offered in 1 KB pieces; while the client does not read, the
  // server asks for no more than the socket buffers can take.
  std::atomic<uint64_t> produced{0};
  handler_ = [&produced](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&produced]() -> std::optional<std::string> {
      if (produced >= 200u * 1024 * 1024) return std::nullopt;
      produced += 1024;
      return std::string(1024, 'p');
    };
    return r;
  };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  // The stream stalls (nothing produced for 200 ms) once the socket buffers are full.
  EXPECT_TRUE(test::WaitUntilSteady([&] { return static_cast<uint64_t>(produced); }, Ms(200)));
  uint64_t stalled_at = produced;
  EXPECT_LT(stalled_at, 32u * 1024 * 1024);
  c.Close();  // the server stops streaming when the peer goes away
  EXPECT_TRUE(test::WaitUntilSteady([&] { return static_cast<uint64_t>(produced); }, Ms(200)));
  EXPECT_LT(produced, 64u * 1024 * 1024);
}

TEST_F(HttpServerTest, ClientThatStopsReadingHitsWriteTimeout) {
  options_.write_timeout = Ms(300);
  handler_ = [](const HttpRequest&) { return HttpResponse{200, {}, std::string(64 * 1024 * 1024, 'w'), nullptr, ""}; };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  // Not reading: the server's write stalls until it gives up and closes.
  ASSERT_TRUE(test::WaitUntil([&] { return calls_ == 1; }));
  EXPECT_TRUE(test::WaitUntil([&] { return server_->load().connections == 0; }, Ms(5000)));
  RawResponse r = c.Read();  // what was buffered, then the close
  EXPECT_EQ(r.status, 0);    // incomplete: the server gave up
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, HandlerExceptionIs500Json) {
  handler_ = [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 500);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], 500);
  EXPECT_EQ(j["message"].get<std::string>().find("boom"), std::string::npos);
  c.Send(kGet);  // the connection survives
  EXPECT_EQ(c.Read().status, 500);
}

TEST_F(HttpServerTest, HandlersRunConcurrentlyOffTheNetworkThreads) {
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  handler_ = [&](const HttpRequest&) {
    int now = ++inside;
    int p = peak;
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(Ms(200));  // the handler's work, not a wait
    --inside;
    return HttpResponse{200, {}, "slow", nullptr, ""};
  };
  Start();
  TestClient a(server_->port()), b(server_->port());
  a.Send(kGet);
  b.Send(kGet);
  EXPECT_EQ(a.Read().status, 200);
  EXPECT_EQ(b.Read().status, 200);
  EXPECT_EQ(peak, 2);
}

TEST_F(HttpServerTest, StopWithIdleConnectionReturnsPromptly) {
  options_.keep_alive_timeout = Ms(30000);
  options_.header_timeout = Ms(30000);
  Start();
  TestClient idle(server_->port());
  TestClient used(server_->port());
  used.Send(kGet);
  EXPECT_EQ(used.Read().status, 200);
  ASSERT_TRUE(test::WaitUntil([&] { return server_->load().connections == 2; }));  // both accepted
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(Since(start), Ms(1000));
  EXPECT_TRUE(idle.WaitClosed(Ms(1000)));
  EXPECT_TRUE(used.WaitClosed(Ms(1000)));
  server_->Stop();  // idempotent
  EXPECT_THROW(TestClient(server_->port()), std::runtime_error);
}

TEST_F(HttpServerTest, StopWaitsForARunningHandler) {
  std::atomic<bool> finished{false};
  handler_ = [&finished](const HttpRequest&) {
    std::this_thread::sleep_for(Ms(300));  // the handler's work, not a wait
    finished = true;
    return HttpResponse{200, {}, "late", nullptr, ""};
  };
  Start();
  TestClient c(server_->port());
  c.Send(kGet);
  ASSERT_TRUE(test::WaitUntil([&] { return calls_ > 0; }));
  server_->Stop();
  EXPECT_TRUE(finished);
  EXPECT_TRUE(c.WaitClosed(Ms(1000)));
}

TEST_F(HttpServerTest, HeadRequestGetsHeadersOnly) {
  Start();
  TestClient c(server_->port());
  c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // The HEAD answer announces 2 bytes but carries none; the GET follows.
  RawResponse head = c.Read(/*no_body=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "2");
  RawResponse get = c.Read();
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "ok");
  EXPECT_EQ(calls_, 2);
}

}  // namespace
}  // namespace batchcall::testing
