#include "net/curl_exchange.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace batchcall {
namespace {

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

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// State shared with the libcurl callbacks of one transfer.
struct Transfer {
  CURL* curl = nullptr;
  const CurlRequest* request = nullptr;
  CurlResult result;
};

// Before each socket: the address libcurl is about to connect to (every
// address a name resolved to, in turn). A refused one gets no socket, so
// libcurl tries the next or fails with "could not connect".
curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (auto refusal = t->request->policy->Check(&address->addr, static_cast<socklen_t>(address->addrlen))) {
    if (!t->result.refusal) t->result.refusal = std::move(refusal);
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000
// After connecting, before the first byte of the request: the peer again.
int OnPrereq(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/, int /*local_port*/) {
  auto* t = static_cast<Transfer*>(user);
  if (auto refusal = t->request->policy->Check(primary_ip != nullptr ? primary_ip : "")) {
    if (!t->result.refusal) t->result.refusal = std::move(refusal);
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}
#endif

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  // A new status line (after a 100 Continue) starts a new head.
  if (line.substr(0, 5) == "HTTP/") {
    t->result.headers.clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->result.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                   std::string(Trim(line.substr(colon + 1))));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->request->sink) {
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
      if (t->request->sink(std::string_view(data, n))) return n;
      t->result.sink_stopped = true;
      return 0;
    }
  }
  std::string& body = t->result.body;
  const size_t max = t->request->max_response_bytes;
  const size_t room = max == 0 ? n : (max > body.size() ? max - body.size() : 0);
  body.append(data, std::min(n, room));
  return n;
}

CurlFailure FailureOf(CURLcode rc) {
  switch (rc) {
    case CURLE_OK: return CurlFailure::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CurlFailure::kResolve;
    case CURLE_COULDNT_CONNECT: return CurlFailure::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION: return CurlFailure::kTls;
    case CURLE_OPERATION_TIMEDOUT: return CurlFailure::kTimeout;
    case CURLE_SEND_ERROR: return CurlFailure::kSend;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return CurlFailure::kBadUrl;
    case CURLE_READ_ERROR: return CurlFailure::kReadFile;
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR: return CurlFailure::kAborted;
    default: return CurlFailure::kOther;
  }
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

}  // namespace

std::optional<std::string> FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return v;
  return std::nullopt;
}

CurlResult PerformCurl(const CurlRequest& request) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Transfer transfer;
  transfer.request = &request;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    transfer.result.failure = CurlFailure::kOther;
    transfer.result.error = "cannot initialise libcurl";
    return std::move(transfer.result);
  }
  CURL* c = curl.get();
  transfer.curl = c;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!request.user_agent.empty()) curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  if (request.policy != nullptr) {
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
  }
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  if (request.timeout.count() > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  if (request.stall_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  // Do not wait for "100 Continue" before sending a body.
  curl_slist* raw = curl_slist_append(nullptr, "Expect:");
  std::vector<std::string> lines;
  lines.reserve(request.headers.size());
  for (const auto& [k, v] : request.headers) {
    lines.push_back(k + ": " + v);
    raw = curl_slist_append(raw, lines.back().c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  std::unique_ptr<curl_mime, MimeDeleter> mime;
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (!request.parts.empty()) {
      mime.reset(curl_mime_init(c));
      for (const CurlPart& p : request.parts) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_name(part, p.name.c_str());
        if (p.file.empty()) {
          curl_mime_data(part, p.value.data(), p.value.size());
          continue;
        }
        if (curl_mime_filedata(part, p.file.c_str()) != CURLE_OK) {
          transfer.result.failure = CurlFailure::kOpenFile;
          transfer.result.error = p.file;
          return std::move(transfer.result);
        }
        curl_mime_filename(part, (p.filename.empty() ? BaseName(p.file) : p.filename).c_str());
        if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
      }
      curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
    } else if (request.body || request.method == "POST") {
      // libcurl does not copy POSTFIELDS: point into the request, which outlives the call.
      const char* data = request.body ? request.body->data() : "";
      const size_t size = request.body ? request.body->size() : 0;
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(size));
    }
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode rc = curl_easy_perform(c);
  CurlResult& result = transfer.result;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  result.request_started = pretransfer_us != 0;
  result.failure = FailureOf(rc);
  if (rc != CURLE_OK) result.error = curl_easy_strerror(rc);
  return std::move(result);
}

}  // namespace batchcall
