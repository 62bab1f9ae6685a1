// The HTTP request head as the server reads it (src/http/http_connection.cc):
// Beast's request_parser<buffer_body> with the server's header limit, fed in
// chunks whose size comes from the first byte, then the server's own steps
// on the head (fields, target decoding with PercentDecode and
// ParseUrlEncoded, the form content types and boundary), then the body
// (chunked or Content-Length) into a fixed buffer as ReadBody does.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "http/form_parser.h"
#include "http/http_server.h"
#include "fuzz_support.h"

namespace {

namespace http = boost::beast::http;
using Parser = http::request_parser<http::buffer_body>;

// DecodeTarget of http_connection.cc.
void DecodeTarget(std::string_view target) {
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && !target.empty() && target.front() != '/') {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  size_t q = target.find('?');
  (void)batchcall::PercentDecode(target.substr(0, q), false, /*reject_nul=*/true);
  if (q != std::string_view::npos) (void)batchcall::ParseUrlEncoded(target.substr(q + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace batchcall;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 256;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Parser parser;
  parser.header_limit(static_cast<uint32_t>(HttpServerOptions().max_header_bytes));
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  boost::system::error_code ec;
  size_t pos = 0;
  std::string buffered;  // bytes read and not consumed by the parser yet, as in the server's flat_buffer
  // Gives the parser input until done() holds (true), or the input ends or
  // the parser fails (false). A full body buffer also returns true.
  auto feed = [&](auto done) -> bool {
    while (!done()) {
      if (!buffered.empty()) {
        const size_t used = parser.put(boost::asio::buffer(buffered.data(), buffered.size()), ec);
        buffered.erase(0, used);
        if (ec == http::error::need_buffer) {
          ec = {};
          return true;
        }
        if (ec == http::error::need_more) {
          ec = {};
        } else if (ec) {
          return false;
        } else if (used > 0) {
          continue;
        }
      }
      if (pos >= input.size()) {
        // As Beast's own read loop does: end of input is reported only after
        // some bytes (put_eof asserts got_some(); an empty stream is no message).
        if (parser.got_some()) parser.put_eof(ec);
        return false;
      }
      const size_t n = std::min(chunk, input.size() - pos);
      buffered.append(input.substr(pos, n));
      pos += n;
    }
    return true;
  };
  // The head.
  char body[4096];
  parser.get().body().data = body;
  parser.get().body().size = sizeof(body);
  if (!feed([&] { return parser.is_header_done(); })) return 0;
  const auto& head = parser.get();
  std::string method(head.method_string());
  std::string target(head.target());
  for (const auto& field : head) (void)std::string(field.name_string()).append(field.value());
  DecodeTarget(target);
  const std::string content_type(head[http::field::content_type]);
  if (IsMediaType(content_type, "multipart/form-data")) (void)MultipartBoundary(content_type);
  (void)parser.content_length();
  (void)parser.chunked();
  (void)parser.keep_alive();
  // The body, at most 64 KiB of it.
  for (int rounds = 0; rounds < 64 && !parser.is_done(); ++rounds) {
    parser.get().body().data = body;
    parser.get().body().size = sizeof(body);
    if (!feed([&] { return parser.is_done(); })) break;
  }
  return 0;
}
