// HttpServer hardening (issue 13): framing (Transfer-Encoding, Host),
// admission on the head before any body byte, the upload pool and its
// queue, the memory bound on request bodies, connection caps, and an
// unwritable spool directory.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/http_connection.h"
#include "http/http_server.h"
#include "http/http_test_fixture.h"
#include "testing/wait.h"

namespace batchcall::testing {
namespace {

using http_internal::FramingError;

const char kGetHealth[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

HttpRequest Head(std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.method = "POST";
  r.headers = std::move(headers);
  return r;
}

int FramingStatus(std::vector<std::pair<std::string, std::string>> headers, unsigned version = 11) {
  auto error = FramingError(Head(std::move(headers)), version);
  return error ? error->status : 0;
}

TEST(FramingErrorTest, TransferEncodingMustBeExactlyChunked) {
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "chunked"}}), 0);
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", " Chunked "}}), 0);
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Content-Length", "5"}}), 0);
  EXPECT_EQ(FramingStatus({{"Host", "x"}}), 0);
  // Not chunked, or chunked not last: the length is unknown -> 400 (RFC 9112 6.3).
  for (const char* te : {"xchunked", "gzip", "chunked, identity", "identity", "", "chunked, chunked", "chunked,"}) {
    EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", te}}), 400) << te;
  }
  // Two fields are one list: "chunked" then "gzip" puts gzip last.
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 400);
  // A coding before the final chunked: understood framing, unsupported coding -> 501.
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}}), 501);
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}), 501);
  // Both framings, or chunked in HTTP/1.0: 400.
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}), 400);
  EXPECT_EQ(FramingStatus({{"Host", "x"}, {"Transfer-Encoding", "chunked"}}, 10), 400);
}

TEST(FramingErrorTest, ExactlyOneValidHost) {
  EXPECT_EQ(FramingStatus({}), 400);
  EXPECT_EQ(FramingStatus({}, 10), 0);  // HTTP/1.0 may omit it
  EXPECT_EQ(FramingStatus({{"Host", "a"}, {"host", "b"}}), 400);
  EXPECT_EQ(FramingStatus({{"Host", "a"}, {"host", "b"}}, 10), 400);
  EXPECT_EQ(FramingStatus({{"Host", "a, b"}}), 400);
  EXPECT_EQ(FramingStatus({{"Host", "a b"}}), 400);
  EXPECT_EQ(FramingStatus({{"Host", "127.0.0.1:8080"}}), 0);
  EXPECT_EQ(FramingStatus({{"Host", "[::1]:8080"}}), 0);
  EXPECT_EQ(FramingStatus({{"Host", ""}}), 0);  // allowed when the target has no authority
}

TEST(GaugeTest, CapacityIsNeverExceeded) {
  http_internal::Gauge g(10);
  EXPECT_TRUE(g.TryAdd(6));
  EXPECT_FALSE(g.TryAdd(5));
  EXPECT_TRUE(g.TryAdd(4));
  EXPECT_FALSE(g.TryAdd(1));
  g.Sub(10);
  EXPECT_FALSE(g.TryAdd(11));
  {
    http_internal::GaugeHold hold(g);
    EXPECT_TRUE(hold.TryAdd(7));
    EXPECT_EQ(g.value(), 7u);
  }
  EXPECT_EQ(g.value(), 0u);
  http_internal::Gauge unbounded(0);
  EXPECT_TRUE(unbounded.TryAdd(uint64_t{1} << 62));
}

// The smuggling shape of the finding: a body the server would have taken as
// empty, holding a second request. 400, closed, and the second never runs.
TEST_F(HttpServerTest, UnknownTransferEncodingIs400AndTheBodyNeverRunsAsARequest) {
  Start();
  for (const char* te : {"xchunked", "gzip", "chunked, identity"}) {
    TestClient c(server_->port());
    c.Send(std::string("POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") + te +
           "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << te;
    EXPECT_EQ(r.Header("connection"), "close") << te;
    EXPECT_TRUE(c.WaitClosed(Ms(3000))) << te;
  }
  TestClient c(server_->port());
  c.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(c.Read().status, 501);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, MissingOrRepeatedHostIs400) {
  Start();
  for (const char* req : {"GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    TestClient c(server_->port());
    c.Send(req);
    EXPECT_EQ(c.Read().status, 400) << req;
    EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  }
  TestClient ok(server_->port());
  ok.Send("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(ok.Read().status, 200);
  EXPECT_EQ(calls_, 1);
}

// Admission sees the head only; a refused request's body is never read and
// no "100 Continue" is sent for it.
TEST_F(HttpServerTest, RefusedOnTheHeadBeforeAnyBodyByte) {
  std::atomic<int> admitted{0};
  admit_ = [&](const HttpRequest& head) {
    ++admitted;
    EXPECT_TRUE(head.body.empty());
    Admission a;
    if (head.Header("Authorization") != "Bearer good") {
      a.refuse = JsonError(401, "Missing API key.");
    }
    return a;
  };
  Start();
  {
    TestClient c(server_->port());
    c.Send("POST /dnc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n"
           "Expect: 100-continue\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 401);  // not 100
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed(Ms(3000)));
  }
  {
    // The whole body sent anyway: drained and discarded, the 401 still arrives.
    TestClient c(server_->port());
    std::string body(1000000, 'x');
    c.Send("POST /dnc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
    c.Send(body);
    EXPECT_EQ(c.Read().status, 401);
  }
  {
    TestClient c(server_->port());
    c.Send("POST /dnc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 5\r\n"
           "Expect: 100-continue\r\n\r\n");
    EXPECT_EQ(c.Read().status, 100);
    c.Send("hello");
    EXPECT_EQ(c.Read().status, 200);
    // Requests without a body are not asked about (the handler decides).
    c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.Read().status, 200);
  }
  EXPECT_EQ(admitted, 3);
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpServerTest, AdmissionLimitsTheBody) {
  admit_ = [](const HttpRequest&) {
    Admission a;
    a.max_body_bytes = 100;
    return a;
  };
  Start();
  TestClient c(server_->port());
  c.Send(PostRequest("/cb", "application/x-www-form-urlencoded", std::string(101, 'a')));
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("100 bytes"), std::string::npos) << r.body;
  TestClient chunked(server_->port());
  chunked.Send("POST /cb HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + std::string(128, 'a') +
               "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.Read().status, 413);
  EXPECT_EQ(calls_, 0);
}

// Blocks handlers of requests to /slow until released.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void Wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  bool WaitForWaiting(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] { return waiting >= n; });
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

// Uploads run on their own pool: with every upload thread busy, other
// requests are still answered at once; past the queue, uploads get 503.
TEST_F(HttpServerTest, UploadsRunOnTheirOwnBoundedPool) {
  options_.worker_threads = 1;
  options_.upload_threads = 1;
  options_.upload_queue = 1;
  Gate gate;
  handler_ = [&gate](const HttpRequest& r) {
    if (r.form) gate.Wait();
    return HttpResponse{200, {}, "done", nullptr, ""};
  };
  Start();
  MultipartBuilder mp;
  mp.File("file", "a.csv", "x\n");
  TestClient first(server_->port()), second(server_->port()), third(server_->port());
  first.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
  ASSERT_TRUE(gate.WaitForWaiting(1));
  second.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));  // queued behind it
  ASSERT_TRUE(test::WaitUntil([&] { return server_->load().uploads == 2; }));
  third.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
  RawResponse busy = third.Read();
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.Header("retry-after"), "5");
  EXPECT_EQ(busy.Header("connection"), "close");

  auto start = std::chrono::steady_clock::now();
  TestClient health(server_->port());
  health.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(health.Read().status, 200);
  EXPECT_LT(Since(start), Ms(1000));

  gate.Open();
  EXPECT_EQ(first.Read().status, 200);
  EXPECT_EQ(second.Read().status, 200);
  TestClient again(server_->port());  // slots are given back
  again.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
  EXPECT_EQ(again.Read().status, 200);
}

TEST_F(HttpServerTest, BodiesInMemoryAreBounded) {
  options_.max_body_bytes = 64 * 1024;
  options_.max_body_memory_bytes = 100 * 1024;
  Gate gate;
  handler_ = [&gate](const HttpRequest& r) {
    if (r.path == "/slow") gate.Wait();
    return HttpResponse{200, {}, std::to_string(r.body.size()), nullptr, ""};
  };
  Start();
  const std::string body(60 * 1024, 'j');
  TestClient held(server_->port());
  held.Send(PostRequest("/slow", "application/json", body));
  ASSERT_TRUE(gate.WaitForWaiting(1));
  TestClient over(server_->port());
  over.Send(PostRequest("/x", "application/json", body));
  RawResponse r = over.Read();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "1");
  // Chunked bodies are counted as they arrive.
  TestClient chunked(server_->port());
  chunked.Send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nf000\r\n" + std::string(0xf000, 'c') +
               "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.Read().status, 503);
  gate.Open();
  EXPECT_EQ(held.Read().body, std::to_string(body.size()));
  TestClient after(server_->port());  // memory is given back with the response
  after.Send(PostRequest("/x", "application/json", body));
  EXPECT_EQ(after.Read().status, 200);
}

TEST_F(HttpServerTest, ConnectionsAreCappedPerClientAndInTotal) {
  options_.max_connections_per_client = 2;
  Start();
  auto one = std::make_unique<TestClient>(server_->port());
  TestClient two(server_->port());
  one->Send(kGetHealth);
  EXPECT_EQ(one->Read().status, 200);
  two.Send(kGetHealth);
  EXPECT_EQ(two.Read().status, 200);
  TestClient three(server_->port());
  RawResponse r = three.Read();  // answered without a request
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_TRUE(three.WaitClosed(Ms(3000)));
  one.reset();
  ASSERT_TRUE(test::WaitUntil([&] { return server_->load().connections == 1; }));  // the server saw it close
  TestClient four(server_->port());
  four.Send(kGetHealth);
  EXPECT_EQ(four.Read().status, 200);
}

TEST_F(HttpServerTest, TotalConnectionCap) {
  options_.max_connections = 1;
  options_.max_connections_per_client = 0;  // off
  Start();
  TestClient one(server_->port());
  one.Send(kGetHealth);
  EXPECT_EQ(one.Read().status, 200);
  TestClient two(server_->port());
  two.Send(kGetHealth);
  EXPECT_EQ(two.Read().status, 503);
}

TEST_F(HttpServerTest, UnwritableSpoolDirIs503WithAMessage) {
  options_.temp_dir = (temp_dir_ / "gone").string();
  Start();
  MultipartBuilder mp;
  mp.File("file", "a.csv", "x\n");
  TestClient c(server_->port());
  c.Send(PostRequest("/batches", mp.ContentType(), mp.Body()));
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 503);
  const std::string message = nlohmann::json::parse(r.body)["message"];
  EXPECT_NE(message.find("temporary directory"), std::string::npos) << message;
  EXPECT_EQ(message.find(temp_dir_.string()), std::string::npos) << "no server paths for the client";
  EXPECT_EQ(calls_, 0);
}

}  // namespace
}  // namespace batchcall::testing
