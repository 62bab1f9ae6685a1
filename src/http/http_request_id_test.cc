// HttpServer request ids (X-Request-Id), the per-request observer and the
// access log line.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

#include "http/http_connection.h"
#include "http/http_test_fixture.h"
#include "base/log.h"

namespace batchcall::testing {
namespace {

using http_internal::RequestIdFor;

bool IsGeneratedId(const std::string& id) { return std::regex_match(id, std::regex("[0-9a-f]{16}")); }

struct Recorded {
  std::string method, route, request_id, remote;
  int status = 0;
  std::chrono::nanoseconds duration{0};
};

class RequestIdTest : public HttpServerTest {
 protected:
  void SetUp() override {
    HttpServerTest::SetUp();
    options_.on_request = [this](const HttpRequestRecord& r) {
      std::lock_guard lock(records_mu_);
      records_.push_back({std::string(r.method), std::string(r.route), std::string(r.request_id),
                          std::string(r.remote_address), r.status, r.duration});
    };
    handler_ = [](const HttpRequest& request) {
      HttpResponse r{200, {{"Content-Type", "text/plain"}, {"X-Request-Id", "from-handler"}}, "ok", nullptr, ""};
      if (request.path == "/healthz") r.route = "/healthz";
      if (request.path.rfind("/things/", 0) == 0) r.route = "/things/{thing_id}";
      return r;
    };
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    InitLogging(LogOptions{});
  }
  std::vector<Recorded> Records() {
    std::lock_guard lock(records_mu_);
    return records_;
  }
  RawResponse Get(const std::string& path, const std::string& extra_headers = "") {
    TestClient c(server_->port());
    c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n");
    return c.Read();
  }

  std::mutex records_mu_;
  std::vector<Recorded> records_;
};

TEST(RequestIdForTest, KeepsValidClientIdsAndReplacesOthers) {
  EXPECT_EQ(RequestIdFor("abc-123_x.Y"), "abc-123_x.Y");
  EXPECT_EQ(RequestIdFor(std::string(64, 'a')), std::string(64, 'a'));
  for (std::string bad : {std::string(), std::string(65, 'a'), std::string("has space"), std::string("a/b"),
                          std::string("x\"y"), std::string("caf\xc3\xa9")}) {
    EXPECT_TRUE(IsGeneratedId(RequestIdFor(bad))) << bad;
  }
  EXPECT_NE(RequestIdFor(""), RequestIdFor(""));
}

TEST_F(RequestIdTest, ClientIdIsEchoedAndGivenToTheHandler) {
  Start();
  RawResponse r = Get("/things/1", "X-Request-Id: client-id.42\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-request-id"), "client-id.42");  // the handler's own header is replaced
  EXPECT_EQ(Last().request_id, "client-id.42");
}

TEST_F(RequestIdTest, MissingOrInvalidIdIsGenerated) {
  Start();
  RawResponse a = Get("/x");
  RawResponse b = Get("/x", "X-Request-Id: not valid!\r\n");
  RawResponse c = Get("/x", "X-Request-Id: " + std::string(65, 'z') + "\r\n");
  EXPECT_TRUE(IsGeneratedId(a.Header("x-request-id"))) << a.Header("x-request-id");
  EXPECT_TRUE(IsGeneratedId(b.Header("x-request-id"))) << b.Header("x-request-id");
  EXPECT_TRUE(IsGeneratedId(c.Header("x-request-id"))) << c.Header("x-request-id");
  EXPECT_NE(a.Header("x-request-id"), b.Header("x-request-id"));
  EXPECT_EQ(Last().request_id, c.Header("x-request-id"));
}

TEST_F(RequestIdTest, ServerErrorResponsesCarryAnId) {
  Start();
  {
    TestClient c(server_->port());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-one\r\nContent-Type: application/json\r\n"
           "Content-Length: " + std::to_string(options_.max_body_bytes + 1) + "\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.Header("x-request-id"), "big-one");
  }
  {
    TestClient c(server_->port());
    c.Send("GARBAGE\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(IsGeneratedId(r.Header("x-request-id"))) << r.Header("x-request-id");
  }
  {
    TestClient c(server_->port());
    c.Send("GET /a%zz HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-path\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.Header("x-request-id"), "bad-path");
  }
  {
    TestClient c(server_->port());
    c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(options_.max_header_bytes, 'h') + "\r\n\r\n");
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(IsGeneratedId(r.Header("x-request-id")));
  }
  EXPECT_EQ(calls_, 0);
  auto records = Records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].status, 413);
  EXPECT_EQ(records[0].method, "POST");
  EXPECT_EQ(records[0].request_id, "big-one");
  EXPECT_EQ(records[0].route, "");
  EXPECT_EQ(records[1].status, 400);
  EXPECT_EQ(records[1].method, "");
  EXPECT_EQ(records[3].status, 431);
}

TEST_F(RequestIdTest, ObserverFiresOncePerRequestWithTheRoute) {
  Start();
  TestClient c(server_->port());
  c.Send("GET /things/7 HTTP/1.1\r\nHost: x\r\nX-Request-Id: r1\r\n\r\n");
  RawResponse first = c.Read();
  c.Send("DELETE /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-Id: r2\r\n\r\n");
  RawResponse second = c.Read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].method, "GET");
  EXPECT_EQ(records[0].route, "/things/{thing_id}");
  EXPECT_EQ(records[0].request_id, "r1");
  EXPECT_EQ(records[0].remote, "127.0.0.1");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_GE(records[0].duration.count(), 0);
  EXPECT_EQ(records[1].method, "DELETE");
  EXPECT_EQ(records[1].route, "");
  EXPECT_EQ(records[1].request_id, "r2");
}

TEST_F(RequestIdTest, AccessLogLineHasIdsAndRouteNotPath) {
  std::ostringstream log;
  InitLogging(LogOptions{LogFormat::kJson, LogLevel::kInfo}, log);
  Start();
  Get("/things/14155550123", "X-Request-Id: acc-1\r\n");
  Get("/healthz", "X-Request-Id: health-1\r\n");  // debug level: not written at info
  Get("/other", "X-Request-Id: acc-2\r\n");
  server_->Stop();  // joins the server threads before the log is read

  std::vector<nlohmann::json> lines;
  std::istringstream in(log.str());
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u) << log.str();
  EXPECT_EQ(lines[0]["msg"], "http request");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["request_id"], "acc-1");
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["route"], "/things/{thing_id}");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["remote"], "127.0.0.1");
  EXPECT_TRUE(lines[0]["duration_ms"].is_number());
  EXPECT_EQ(lines[1]["request_id"], "acc-2");
  EXPECT_EQ(lines[1]["route"], "unmatched");
  EXPECT_EQ(log.str().find("14155550123"), std::string::npos);
  EXPECT_EQ(log.str().find("/other"), std::string::npos);
}

TEST_F(RequestIdTest, EventsLoggedByTheHandlerCarryTheRequestId) {
  std::ostringstream log;
  InitLogging(LogOptions{LogFormat::kJson, LogLevel::kInfo}, log);
  handler_ = [](const HttpRequest&) {
    LogWarn("from the handler");
    HttpResponse r{200, {{"Content-Type", "text/plain"}}, "", nullptr, ""};
    auto sent = std::make_shared<bool>(false);
    r.stream = [sent]() -> std::optional<std::string> {
      if (*sent) return std::nullopt;
      *sent = true;
      LogWarn("from the stream");
      return "piece";
    };
    return r;
  };
  Start();
  EXPECT_EQ(Get("/x", "X-Request-Id: handler-1\r\n").body, "piece");
  server_->Stop();
  std::istringstream in(log.str());
  int seen = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["request_id"], "handler-1") << line;
    if (j["msg"] == "from the handler" || j["msg"] == "from the stream") ++seen;
  }
  EXPECT_EQ(seen, 2) << log.str();
}

TEST_F(RequestIdTest, DebugLevelLogsHealthChecksAndMaskedPaths) {
  std::ostringstream log;
  InitLogging(LogOptions{LogFormat::kJson, LogLevel::kDebug}, log);
  Start();
  Get("/healthz");
  Get("/things/+14155550123");
  server_->Stop();
  EXPECT_NE(log.str().find("\"route\":\"/healthz\""), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("\"path\":\"/things/+*******0123\""), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("4155550123"), std::string::npos);
}

}  // namespace
}  // namespace batchcall::testing
