#include "net/http_transport.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

namespace batchcall {
namespace {

using ::testing::HasSubstr;

// The tests' stand-ins listen on loopback, which the default policy refuses.
OutboundPolicy LoopbackAllowed() { return *OutboundPolicy::Allowing({"127.0.0.0/8", "::1/128"}); }

// A listener on 127.0.0.1 that answers each connection with one canned
// HTTP response, and counts the connections it accepted.
class Peer {
 public:
  Peer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 8);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) return;
        ++accepted_;
        char buf[4096];
        (void)read(conn, buf, sizeof buf);
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        (void)write(conn, reply.data(), reply.size());
        close(conn);
      }
    });
  }
  ~Peer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

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
  CurlTransport t(LoopbackAllowed());
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
  CurlTransport t(LoopbackAllowed());
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
  CurlTransport t(LoopbackAllowed());
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

// Regression (issue 13, finding 3): any URL reached loopback, private and
// link-local addresses. Refused on the address connected to, before a socket
// is opened: the listener sees no connection at all.
TEST(CurlTransport, DefaultPolicyRefusesLoopbackBeforeConnecting) {
  Peer peer;
  CurlTransport t;
  const std::string port = std::to_string(peer.port());
  for (const std::string& url : {"http://127.0.0.1:" + port + "/hook?token=abc123", "http://localhost:" + port + "/",
                                "http://0x7f000001:" + port + "/", "http://2130706433:" + port + "/",
                                "http://127.1:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/"}) {
    OutboundRequest r;
    r.url = url;
    r.body = "x=1";
    auto res = t.Send(r);
    ASSERT_FALSE(res.ok()) << url;
    EXPECT_EQ(res.status().code(), StatusCode::kPermissionDenied) << url << ": " << res.status().ToString();
    EXPECT_THAT(res.status().message(), HasSubstr("refused to connect to ")) << url;
    EXPECT_THAT(res.status().message(), HasSubstr(", loopback)")) << url;
    EXPECT_THAT(res.status().message(), HasSubstr("set outbound_allow (BATCHCALL_OUTBOUND_ALLOW) to allow 127.0.0.0/8"))
        << url;
    EXPECT_THAT(res.status().message(), ::testing::Not(HasSubstr("abc123"))) << url;
  }
  EXPECT_EQ(peer.accepted(), 0);
}

// A host name is judged by what it resolves to when connecting (so a name
// rebound to an internal address is caught): "localhost" is refused by
// default and reaches the listener once loopback is allowed.
TEST(CurlTransport, AllowedRangesReachTheListener) {
  Peer peer;
  CurlTransport t(LoopbackAllowed());
  OutboundRequest r;
  r.url = "http://localhost:" + std::to_string(peer.port()) + "/";
  auto res = t.Send(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok");
  EXPECT_EQ(peer.accepted(), 1);

  CurlTransport other(*OutboundPolicy::Allowing({"10.0.0.0/8"}));
  EXPECT_EQ(other.Send(r).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(peer.accepted(), 1);
}

// A proxy from the environment would connect where the policy cannot see.
TEST(CurlTransport, IgnoresProxyEnvironment) {
  Peer peer;
  setenv("http_proxy", "http://203.0.113.1:3128", 1);
  setenv("HTTPS_PROXY", "http://203.0.113.1:3128", 1);
  setenv("ALL_PROXY", "http://203.0.113.1:3128", 1);
  CurlTransport t(LoopbackAllowed());
  OutboundRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(peer.port()) + "/";
  r.timeout = std::chrono::milliseconds(5000);
  auto res = t.Send(r);
  unsetenv("http_proxy");
  unsetenv("HTTPS_PROXY");
  unsetenv("ALL_PROXY");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(peer.accepted(), 1);
}

TEST(ResponseExcerpt, KeepsAShortPrintableUtf8Line) {
  EXPECT_EQ(ResponseExcerpt("a\r\nb\x01" "c\x7f"), "a  b c ");
  EXPECT_EQ(ResponseExcerpt(std::string(500, 'x')), std::string(200, 'x'));
  // 199 bytes then a 3-byte character that would straddle the cut: left out whole.
  EXPECT_EQ(ResponseExcerpt(std::string(199, 'y') + "\xE2\x82\xAC"), std::string(199, 'y'));
  EXPECT_EQ(ResponseExcerpt("\xff\xfe ok"), "?? ok");
  // Well-formed sequences only (found by fuzzing provider answers: a 4-byte
  // form with lead F5 passed, and the error_message then made every view of
  // its execution throw in nlohmann's dump(), a 500).
  EXPECT_EQ(ResponseExcerpt("\xf5\x9b\x8c\x94"), "????");        // lead past U+10FFFF
  EXPECT_EQ(ResponseExcerpt("\xf4\x90\x80\x80"), "????");        // U+110000
  EXPECT_EQ(ResponseExcerpt("\xed\xa0\x80"), "???");              // surrogate U+D800
  EXPECT_EQ(ResponseExcerpt("\xc0\xaf\xe0\x80\xaf"), "?????");  // overlong '/'
  EXPECT_EQ(ResponseExcerpt("\xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf"),
            "\xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf");
  for (const char* bytes : {"\xf5\x9b\x8c\x94", "\xed\xa0\x80", "\xc0\xaf", "\xe0\x80\xaf", "a\xc3"}) {
    EXPECT_NO_THROW((void)nlohmann::json(ResponseExcerpt(bytes)).dump()) << bytes;
  }
  EXPECT_EQ(ResponseExcerpt("abcdef", 3), "abc");
}

}  // namespace
}  // namespace batchcall
