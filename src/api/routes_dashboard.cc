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
