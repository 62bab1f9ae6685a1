// Beast's request parser as the project builds it (BOOST_ENABLE_ASSERT_DEBUG_HANDLER,
// src/base/boost_assert.cc): streaming input that Beast 1.74 wrongly asserts
// on parses as in a release build, and every other Boost assertion still aborts.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <boost/assert.hpp>
#include <boost/beast/http.hpp>

namespace batchcall::testing {
namespace {

namespace http = boost::beast::http;

// Feeds `pieces` to a request parser the way the server's read loop does:
// each call gets every byte read so far that the parser has not consumed.
bool ParsesInPieces(const std::vector<std::string_view>& pieces, std::string* body) {
  http::request_parser<http::string_body> parser;
  std::string buffered;
  boost::system::error_code ec;
  for (std::string_view piece : pieces) {
    buffered.append(piece);
    while (!buffered.empty() && !parser.is_done()) {
      const size_t used = parser.put(boost::asio::buffer(buffered.data(), buffered.size()), ec);
      buffered.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return false;
    }
  }
  if (!parser.is_done()) return false;
  *body = parser.get().body();
  return true;
}

// Regression (CI's fuzz run, fuzz_http_head): the last chunk's "0\r\n" and
// the end of the trailer arriving in separate reads aborted a debug build
// inside Beast (basic_parser.ipp: BOOST_ASSERT(n >= 5)).
TEST(BeastParserTest, LastChunkArrivingByteByByteParses) {
  const std::string_view head = "POST /agents HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body;
  ASSERT_TRUE(ParsesInPieces({head, "0\r\n", "\r", "\n"}, &body));
  EXPECT_EQ(body, "");
  ASSERT_TRUE(ParsesInPieces({head, "3\r\nabc\r\n", "0\r\n", "\r", "\n"}, &body));
  EXPECT_EQ(body, "abc");
  ASSERT_TRUE(ParsesInPieces({head, "0\r\n", "X-T", "railer: 1\r", "\n", "\r", "\n"}, &body));
  EXPECT_EQ(body, "");
}

TEST(BeastParserTest, ABadTrailerIsStillRefused) {
  const std::string_view head = "POST /agents HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body;
  EXPECT_FALSE(ParsesInPieces({head, "0\r\n", "h$e\n", "\r\n\r\n"}, &body));
}

#ifndef NDEBUG
TEST(BoostAssertDeathTest, OtherAssertionsStillAbort) {
  EXPECT_DEATH(boost::assertion_failed("size > 0", "f()", "/usr/include/boost/beast/http/impl/basic_parser.ipp", 7),
               "Assertion `size > 0' failed");
  EXPECT_DEATH(boost::assertion_failed("n >= 5", "f()", "/usr/include/boost/beast/core/impl/buffers_prefix.hpp", 7),
               "Assertion `n >= 5' failed");
  EXPECT_DEATH(boost::assertion_failed_msg("ok", "a message", "f()", "x.hpp", 1), "a message");
  BOOST_ASSERT(1 + 1 == 2);
}

TEST(BoostAssertDeathTest, TheKnownWrongAssertionReturns) {
  boost::assertion_failed("n >= 5", "parse_chunk_header", "/usr/include/boost/beast/http/impl/basic_parser.ipp", 688);
}
#endif

}  // namespace
}  // namespace batchcall::testing
