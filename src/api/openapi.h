// The OpenAPI 3 description of the HTTP API: src/api/openapi.json, embedded
// in the binary at build time by scripts/embed_openapi.py (editing the file
// needs a rebuild), and the route handler that serves it at GET /openapi.json.
// openapi_test.cc keeps the document and the registered routes in step.
//
// Thread-safe: immutable static data and a stateless handler.
#pragma once

#include <string_view>

#include "api/router.h"

namespace batchcall {

// The document's bytes (UTF-8 JSON).
std::string_view OpenApiDocument();
// Strong validator of the document, quoted: "\"<32 hex of SHA-256>\"".
std::string_view OpenApiEtag();

// GET /openapi.json: the document as application/json with ETag and
// Cache-Control: no-cache; If-None-Match with the current ETag answers 304.
Result<HttpResponse> ServeOpenApi(RouteContext& ctx);

}  // namespace batchcall
