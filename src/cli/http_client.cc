#include "cli/http_client.h"

#include <cctype>

#include "net/curl_exchange.h"

namespace batchcall::cli {
namespace {

constexpr const char* kUserAgent = "batchcall-cli/0.1.0";

}  // namespace

std::optional<std::string> ClientResponse::Header(std::string_view name) const { return FindHeader(headers, name); }

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
  std::vector<CurlPart> parts;  // multipart/form-data when non-empty
  const BodySink* sink = nullptr;
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
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
  for (const FormField& f : fields) r.parts.push_back(CurlPart{f.name, f.value, "", "", ""});
  for (const FilePart& f : files) r.parts.push_back(CurlPart{f.name, "", f.path, f.filename, f.content_type});
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
  CurlRequest curl;
  curl.method = request.method;
  curl.url = options_.base_url + request.path;
  curl.user_agent = kUserAgent;
  curl.connect_timeout = options_.connect_timeout;
  if (request.sink) {
    // A streamed download may be long; give up only when it stalls for a minute.
    curl.timeout = std::chrono::milliseconds(0);
    curl.stall_timeout = std::chrono::seconds(60);
    curl.sink = *request.sink;
  } else {
    curl.timeout = options_.timeout;
  }
  if (!options_.api_key.empty()) curl.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
  if (!request.content_type.empty()) curl.headers.emplace_back("Content-Type", request.content_type);
  curl.body = request.body;
  curl.parts = request.parts;

  CurlResult result = PerformCurl(curl);
  ClientResponse response;
  response.status = result.status;
  response.headers = std::move(result.headers);
  response.body = std::move(result.body);
  if (result.failure == CurlFailure::kNone || result.sink_stopped) return response;
  // The server may answer (e.g. 413) and close before the whole body was sent.
  if (result.failure == CurlFailure::kSend && response.status > 0) return response;
  switch (result.failure) {
    case CurlFailure::kConnect:
    case CurlFailure::kResolve:
      return Unavailable("cannot reach batchcall at " + options_.base_url + ": is `batchcall serve` running?");
    case CurlFailure::kTimeout:
      return Unavailable("request to " + options_.base_url + " timed out (" + result.error + ")");
    case CurlFailure::kBadUrl:
      return InvalidArgument("invalid server URL \"" + options_.base_url + "\"");
    case CurlFailure::kOpenFile:
      return InvalidArgument("cannot read " + result.error);
    case CurlFailure::kReadFile:
      return InvalidArgument("cannot read the file to upload");
    default:
      return Unavailable("request to " + options_.base_url + " failed: " + result.error);
  }
}

}  // namespace batchcall::cli
