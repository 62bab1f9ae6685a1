// GET /openapi.json: the embedded OpenAPI document (api/openapi.h). Public:
// it describes the API, it holds no account data.
#include <string>
#include <string_view>

#include "api/openapi.h"

namespace batchcall {

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
