#include "net/http_transport.h"

#include <gtest/gtest.h>

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

TEST(CurlTransport, RejectsNonHttpUrls) {
  CurlTransport t;
  OutboundRequest r;
  r.url = "file:///etc/passwd";
  EXPECT_EQ(t.Send(r).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace batchcall
