#include "net/http_transport.h"

#include <curl/curl.h>
#include <unicode/utf8.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <mutex>

#include "base/log.h"

namespace batchcall {
namespace {

constexpr const char* kUserAgent = "batchcall/0.1.0";

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

struct Transfer {
  OutboundResponse response;
  size_t max_body = 0;
  const OutboundPolicy* policy = nullptr;
  std::optional<OutboundPolicy::Refusal> refusal;  // the first address refused
};

// Before each socket: the address libcurl is about to connect to (every
// address a name resolved to, in turn). A refused one gets no socket, so
// libcurl tries the next or fails with "could not connect".
curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (auto refusal = t->policy->Check(&address->addr, static_cast<socklen_t>(address->addrlen))) {
    if (!t->refusal) t->refusal = std::move(refusal);
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000
// After connecting, before the first byte of the request: the peer again.
int OnPrereq(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/, int /*local_port*/) {
  auto* t = static_cast<Transfer*>(user);
  if (auto refusal = t->policy->Check(primary_ip != nullptr ? primary_ip : "")) {
    if (!t->refusal) t->refusal = std::move(refusal);
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}
#endif

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    t->response.headers.clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                     std::string(Trim(line.substr(colon + 1))));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  size_t room = t->max_body > t->response.body.size() ? t->max_body - t->response.body.size() : 0;
  t->response.body.append(data, std::min(n, room));
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

}  // namespace

std::optional<std::string> OutboundResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return v;
  return std::nullopt;
}

CurlTransport::CurlTransport(OutboundPolicy policy) : policy_(std::move(policy)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<OutboundResponse> CurlTransport::Send(const OutboundRequest& request) {
  if (!ParseUrl(request.url)) return InvalidArgument("not an http(s) URL: " + RedactUrl(request.url));
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Internal("cannot initialise libcurl");
  CURL* c = curl.get();
  Transfer transfer;
  transfer.max_body = request.max_response_bytes;
  transfer.policy = &policy_;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // "" also overrides http_proxy, https_proxy, all_proxy
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
#if LIBCURL_VERSION_NUM >= 0x075000
  curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, &OnPrereq);
  curl_easy_setopt(c, CURLOPT_PREREQDATA, &transfer);
#endif
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  curl_slist* raw = curl_slist_append(nullptr, "Expect:");
  std::vector<std::string> lines;
  lines.reserve(request.headers.size());
  for (const auto& [k, v] : request.headers) {
    lines.push_back(k + ": " + v);
    raw = curl_slist_append(raw, lines.back().c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  // Refused before any connection (every address) or before the request
  // was sent on one: nothing left this process. (A refused address followed
  // by another that connected and then failed is that failure.)
  if (transfer.refusal && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_ABORTED_BY_CALLBACK)) {
    const OutboundPolicy::Refusal& refusal = *transfer.refusal;
    LogWarn("outbound request refused", {{"url", RedactUrl(request.url)},
                                         {"address", refusal.address},
                                         {"reason", refusal.Describe()},
                                         {"hint", refusal.Hint()}});
    return PermissionDenied("refused to connect to " + refusal.Describe() + " for " + RedactUrl(request.url) +
                            "; " + refusal.Hint());
  }
  if (rc != CURLE_OK) {
    std::string message = std::string(curl_easy_strerror(rc)) + " (" + RedactUrl(request.url) + ")";
    // Before the transfer phase nothing of the request left this process.
    curl_off_t pretransfer_us = 0;
    curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    const bool never_sent = rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
                            rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR ||
                            rc == CURLE_PEER_FAILED_VERIFICATION || pretransfer_us == 0;
    if (never_sent) return Unavailable(std::move(message));
    return UnknownOutcome(std::move(message));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
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
