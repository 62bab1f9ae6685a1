#include "net/http_transport.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "base/log.h"
#include "net/curl_exchange.h"

namespace batchcall {
namespace {

constexpr const char* kUserAgent = "batchcall/0.1.0";

}  // namespace

std::optional<std::string> OutboundResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

CurlTransport::CurlTransport(OutboundPolicy policy) : policy_(std::move(policy)) {}

Result<OutboundResponse> CurlTransport::Send(const OutboundRequest& request) {
  if (!ParseUrl(request.url)) return InvalidArgument("not an http(s) URL: " + RedactUrl(request.url));
  CurlRequest curl;
  curl.method = request.method;
  curl.url = request.url;
  curl.headers = request.headers;
  if (!request.body.empty()) curl.body = request.body;
  curl.basic_user = request.basic_user;
  curl.basic_password = request.basic_password;
  curl.user_agent = kUserAgent;
  curl.connect_timeout = request.connect_timeout;
  curl.timeout = request.timeout;
  curl.max_response_bytes = request.max_response_bytes;
  curl.policy = &policy_;
  CurlResult result = PerformCurl(curl);
  // Refused before any connection (every address) or before the request
  // was sent on one: nothing left this process. (A refused address followed
  // by another that connected and then failed is that failure.)
  if (result.refusal && (result.failure == CurlFailure::kConnect || result.failure == CurlFailure::kAborted)) {
    const OutboundPolicy::Refusal& refusal = *result.refusal;
    LogWarn("outbound request refused", {{"url", RedactUrl(request.url)},
                                         {"address", refusal.address},
                                         {"reason", refusal.Describe()},
                                         {"hint", refusal.Hint()}});
    return PermissionDenied("refused to connect to " + refusal.Describe() + " for " + RedactUrl(request.url) +
                            "; " + refusal.Hint());
  }
  if (result.failure != CurlFailure::kNone) {
    std::string message = result.error + " (" + RedactUrl(request.url) + ")";
    // Before the transfer phase nothing of the request left this process.
    const bool never_sent = result.failure == CurlFailure::kResolve || result.failure == CurlFailure::kConnect ||
                            result.failure == CurlFailure::kTls || !result.request_started;
    if (never_sent) return Unavailable(std::move(message));
    return UnknownOutcome(std::move(message));
  }
  OutboundResponse response;
  response.status = result.status;
  response.headers = std::move(result.headers);
  response.body = std::move(result.body);
  return response;
}

std::string RedactUrl(std::string_view url) {
  auto parts = ParseUrl(url);
  if (!parts) return "(not an http(s) URL)";
  std::string path = parts->path;
  if (size_t q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  return parts->scheme + "://" + parts->authority + path;
}

std::string ResponseExcerpt(std::string_view text, size_t max_bytes) {
  std::string out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < length) {
    // ICU's U8_NEXT accepts only well-formed UTF-8 (RFC 3629: no overlong
    // forms, surrogates or code points past U+10FFFF, which JSON output
    // refuses); an ill-formed byte becomes one '?'.
    int32_t next = i;
    UChar32 c = 0;
    U8_NEXT(bytes, next, length, c);
    const bool valid = c >= 0;
    const size_t len = valid ? static_cast<size_t>(next - i) : 1;
    if (out.size() + len > max_bytes) break;
    if (!valid) {
      out.push_back('?');
    } else if (c < 0x20 || c == 0x7f) {
      out.push_back(' ');
    } else {
      out.append(text.substr(static_cast<size_t>(i), len));
    }
    i += static_cast<int32_t>(len);
  }
  return out;
}

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out.append(FormEncode(k)).append("=").append(FormEncode(v));
  }
  return out;
}

std::optional<UrlParts> ParseUrl(std::string_view url) {
  UrlParts parts;
  size_t rest = 0;
  if (url.substr(0, 7) == "http://") {
    parts.scheme = "http";
    rest = 7;
  } else if (url.substr(0, 8) == "https://") {
    parts.scheme = "https";
    rest = 8;
  } else {
    return std::nullopt;
  }
  size_t end = url.find_first_of("/?#", rest);
  std::string_view authority = url.substr(rest, end == std::string_view::npos ? std::string_view::npos : end - rest);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  for (char ch : authority) {
    if (std::isspace(static_cast<unsigned char>(ch))) return std::nullopt;
    parts.authority.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  parts.path = end == std::string_view::npos ? "/" : std::string(url.substr(end));
  if (parts.path.front() != '/') parts.path.insert(0, "/");
  return parts;
}

}  // namespace batchcall
