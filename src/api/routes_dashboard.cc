// The dashboard's routes: GET / (index.html) and GET /assets/{name}, both
// public (the page itself holds no data; every API call it makes carries the
// user's key). Assets come from the binary (web/assets.h), never from disk.
#include <string>
#include <string_view>

#include "api/api.h"
#include "web/assets.h"

namespace batchcall {
namespace {

// Only same-origin scripts, styles, images, fetches; no inline code, no
// framing, no plugins, no <base>, forms post only to us.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void AddSecurityHeaders(HttpResponse* r) {
  r->headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
  r->headers.emplace_back("X-Frame-Options", "DENY");
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 9110 13.1.2: If-None-Match is "*" or a list of entity tags compared
// weakly (a W/ prefix is ignored).
bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

HttpResponse ServeAsset(const HttpRequest& request, const web::Asset& asset, std::string_view cache_control) {
  HttpResponse r;
  r.headers.emplace_back("ETag", std::string(asset.etag));
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  AddSecurityHeaders(&r);
  if (auto inm = request.Header("If-None-Match"); inm && IfNoneMatchHits(*inm, asset.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.emplace_back("Content-Type", std::string(asset.content_type));
  r.body = std::string(asset.body);
  return r;
}

}  // namespace

void Api::AddDashboardRoutes() {
  // index.html is revalidated on every load so a new binary's page (naming
  // its assets) is picked up at once; assets may be cached for an hour and
  // are revalidated by ETag after that.
  auto index = [](RouteContext& ctx) -> Result<HttpResponse> {
    const web::Asset* asset = web::FindAsset("index.html");
    if (asset == nullptr) return Internal("index.html is not embedded in this binary.");
    return ServeAsset(ctx.request, *asset, "no-cache");
  };
  auto asset = [](RouteContext& ctx) -> Result<HttpResponse> {
    const std::string& name = ctx.Param("name");
    const web::Asset* found = web::FindAsset(name);
    if (found == nullptr) {
      HttpResponse r = JsonError(404, "No asset named " + name.substr(0, 64) + ".");
      AddSecurityHeaders(&r);
      return r;
    }
    return ServeAsset(ctx.request, *found, "public, max-age=3600");
  };
  for (const char* method : {"GET", "HEAD"}) {
    router_.AddPublic(method, "/", index);
    router_.AddPublic(method, "/assets/{name}", asset);
  }
}

}  // namespace batchcall
