#include "net/http_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace batchcall {
namespace {

TEST(FormEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(FormEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(FormEncode("+1 555/ä&="), "%2B1%20555%2F%C3%A4%26%3D");
  EXPECT_EQ(FormBody({{"To", "+15551234567"}, {"StatusCallbackEvent", "initiated"}}),
            "To=%2B15551234567&StatusCallbackEvent=initiated");
}

TEST(ParseUrl, SplitsSchemeAuthorityAndPath) {
  auto u = ParseUrl("https://API.example.com:8443/a/b?c=d");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->authority, "api.example.com:8443");
  EXPECT_EQ(u->path, "/a/b?c=d");
  auto bare = ParseUrl("http://127.0.0.1:9");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/");
  EXPECT_FALSE(ParseUrl("ftp://x/"));
  EXPECT_FALSE(ParseUrl("http://user:pw@host/"));
  EXPECT_FALSE(ParseUrl("http:///path"));
  EXPECT_FALSE(ParseUrl("http://ho st/"));
}

TEST(CurlTransport, RefusedConnectionIsUnavailable) {
  CurlTransport t;
  OutboundRequest r;
  r.url = "http://127.0.0.1:1/never";
  r.timeout = std::chrono::milliseconds(2000);
  auto res = t.Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnavailable);
}

TEST(RedactUrl, DropsQueryAndFragment) {
  EXPECT_EQ(RedactUrl("https://Hooks.example.com:8443/a/b?token=s3cret#frag"), "https://hooks.example.com:8443/a/b");
  EXPECT_EQ(RedactUrl("http://h"), "http://h/");
  EXPECT_EQ(RedactUrl("http://user:pw@host/"), "(not an http(s) URL)");
}

TEST(CurlTransport, ErrorsNeverCarryTheQuery) {
  CurlTransport t;
  OutboundRequest r;
  r.url = "http://127.0.0.1:1/hook?secret=abc123";
  r.timeout = std::chrono::milliseconds(2000);
  auto res = t.Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().message().find("abc123"), std::string::npos) << res.status().message();
}

// A peer that accepts the connection, reads the request and never answers:
// the request was delivered, so the outcome is unknown (not "unavailable").
TEST(CurlTransport, LostAnswerAfterSendingIsUnknownOutcome) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread peer([listener] {
    int conn = accept(listener, nullptr, nullptr);
    if (conn < 0) return;
    char buf[4096];
    while (read(conn, buf, sizeof buf) > 0) {
    }
    close(conn);
  });
  CurlTransport t;
  OutboundRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/calls";
  r.body = "x=1";
  r.timeout = std::chrono::milliseconds(300);
  auto res = t.Send(r);
  shutdown(listener, SHUT_RDWR);
  close(listener);
  peer.join();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), StatusCode::kUnknownOutcome) << res.status().ToString();
}

TEST(CurlTransport, RejectsNonHttpUrls) {
  CurlTransport t;
  OutboundRequest r;
  r.url = "file:///etc/passwd";
  EXPECT_EQ(t.Send(r).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace batchcall
