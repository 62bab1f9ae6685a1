// GET /openapi.json: the embedded OpenAPI document (api/openapi.h). Public:
// it describes the API, it holds no account data.
#include <string>
#include <string_view>

#include "api/openapi.h"

namespace batchcall {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 9110 13.1.2: "*" or a list of entity tags, compared weakly.
bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

Result<HttpResponse> ServeOpenApi(RouteContext& ctx) {
  HttpResponse r;
  r.headers.emplace_back("ETag", std::string(OpenApiEtag()));
  // Revalidated on every use: a new binary may describe new routes.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (auto inm = ctx.request.Header("If-None-Match"); inm && IfNoneMatchHits(*inm, OpenApiEtag())) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::string(OpenApiDocument());
  return r;
}

}  // namespace batchcall
