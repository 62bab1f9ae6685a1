#include "cli/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>

namespace batchcall::cli {
namespace {

constexpr const char* kUserAgent = "batchcall-cli/0.1.0";

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// State shared with the libcurl callbacks of one transfer.
struct Transfer {
  CURL* curl = nullptr;
  ClientResponse response;
  const BodySink* sink = nullptr;  // null: collect the body
  bool sink_aborted = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  // A new status line (after a 100 Continue or a redirect) starts a new head.
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
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t->sink && code >= 200 && code < 300) {
    if (!(*t->sink)(std::string_view(data, n))) {
      t->sink_aborted = true;
      return 0;
    }
    return n;
  }
  t->response.body.append(data, n);
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

}  // namespace

std::optional<std::string> ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

struct HttpClient::Request {
  const char* method = "GET";
  std::string path;
  std::string content_type;  // for a raw body
  std::optional<std::string> body;
  const std::vector<FormField>* mime_fields = nullptr;
  const std::vector<FilePart>* mime_files = nullptr;
  const BodySink* sink = nullptr;
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  GlobalInitOnce();
}

Result<ClientResponse> HttpClient::Get(const std::string& path_and_query) const {
  Request r;
  r.path = path_and_query;
  return Perform(r);
}

Result<ClientResponse> HttpClient::GetStreaming(const std::string& path_and_query, const BodySink& sink) const {
  Request r;
  r.path = path_and_query;
  r.sink = &sink;
  return Perform(r);
}

Result<ClientResponse> HttpClient::PostForm(const std::string& path, const std::vector<FormField>& fields) const {
  std::string body;
  for (const auto& f : fields) {
    if (!body.empty()) body += '&';
    body += UrlEncode(f.name);
    body += '=';
    body += UrlEncode(f.value);
  }
  Request r;
  r.method = "POST";
  r.path = path;
  r.content_type = "application/x-www-form-urlencoded";
  r.body = std::move(body);
  return Perform(r);
}

Result<ClientResponse> HttpClient::PostMultipart(const std::string& path, const std::vector<FormField>& fields,
                                                 const std::vector<FilePart>& files) const {
  Request r;
  r.method = "POST";
  r.path = path;
  r.mime_fields = &fields;
  r.mime_files = &files;
  return Perform(r);
}

Result<ClientResponse> HttpClient::PostJson(const std::string& path, const std::string& json) const {
  Request r;
  r.method = "POST";
  r.path = path;
  r.content_type = "application/json";
  r.body = json;
  return Perform(r);
}

Result<ClientResponse> HttpClient::Delete(const std::string& path) const {
  Request r;
  r.method = "DELETE";
  r.path = path;
  return Perform(r);
}

Result<ClientResponse> HttpClient::Perform(const Request& request) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Internal("cannot initialise libcurl");
  CURL* c = curl.get();
  Transfer transfer;
  transfer.curl = c;
  transfer.sink = request.sink;

  std::string url = options_.base_url + request.path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  if (request.sink) {
    // A streamed download may be long; give up only when it stalls for a minute.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  } else {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);

  curl_slist* raw_headers = nullptr;
  std::string auth;
  if (!options_.api_key.empty()) {
    auth = "Authorization: Bearer " + options_.api_key;
    raw_headers = curl_slist_append(raw_headers, auth.c_str());
  }
  // Do not wait for "100 Continue" before sending a large body.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::string content_type;
  if (!request.content_type.empty()) {
    content_type = "Content-Type: " + request.content_type;
    raw_headers = curl_slist_append(raw_headers, content_type.c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  std::unique_ptr<curl_mime, MimeDeleter> mime;
  std::string method = request.method;
  if (request.mime_fields || request.mime_files) {
    mime.reset(curl_mime_init(c));
    if (request.mime_fields) {
      for (const auto& f : *request.mime_fields) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_name(part, f.name.c_str());
        curl_mime_data(part, f.value.data(), f.value.size());
      }
    }
    if (request.mime_files) {
      for (const auto& f : *request.mime_files) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_name(part, f.name.c_str());
        if (curl_mime_filedata(part, f.path.c_str()) != CURLE_OK) {
          return InvalidArgument("cannot read " + f.path);
        }
        curl_mime_filename(part, (f.filename.empty() ? BaseName(f.path) : f.filename).c_str());
        if (!f.content_type.empty()) curl_mime_type(part, f.content_type.c_str());
      }
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
  } else if (request.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
  } else if (method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
  }
  if (method != "GET" && method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  if (rc == CURLE_OK || transfer.sink_aborted) return std::move(transfer.response);
  // The server may answer (e.g. 413) and close before the whole body was sent.
  if (rc == CURLE_SEND_ERROR && transfer.response.status > 0) return std::move(transfer.response);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return Unavailable("cannot reach batchcall at " + options_.base_url + ": is `batchcall serve` running?");
    case CURLE_OPERATION_TIMEDOUT:
      return Unavailable("request to " + options_.base_url + " timed out (" + curl_easy_strerror(rc) + ")");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgument("invalid server URL \"" + options_.base_url + "\"");
    case CURLE_READ_ERROR:
      return InvalidArgument("cannot read the file to upload");
    default:
      return Unavailable("request to " + options_.base_url + " failed: " + curl_easy_strerror(rc));
  }
}

}  // namespace batchcall::cli
