#include "api/api.h"

#include <algorithm>

#include "api/openapi.h"
#include "api/views.h"
#include "base/build_info.h"
#include "base/ids.h"
#include "base/json.h"

namespace batchcall {
namespace {

const ProviderKinds& NoProviderKinds() {
  static const ProviderKinds none({});
  return none;
}

}  // namespace

Api::Api(Store& store, const Clock& clock, ApiOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      kinds_(options_.provider_kinds ? *options_.provider_kinds : NoProviderKinds()),
      packs_(options_.rule_packs ? *options_.rule_packs : RulePackSet::BuiltIn()),
      auth_(std::make_unique<ApiKeyAuthenticator>(store, clock, options_.key_auth)),
      router_([this](std::string_view token) { return auth_->Authenticate(token); }) {
  router_.AddPublic("GET", "/healthz", [](RouteContext&) -> Result<HttpResponse> {
    OrderedJson body = {{"status", "ok"}, {"version", BuildVersion()}, {"commit", BuildCommit()}};
    return JsonResponse(200, body.dump());
  });
  router_.AddPublic("GET", "/openapi.json", ServeOpenApi);
  AddAgentRoutes();
  AddBatchRoutes();
  AddExecutionRoutes();
  AddDncRoutes();
  AddWebhookRoutes();
  AddKeyRoutes();
  AddDashboardRoutes();
  AddComplianceRoutes();
  // An operator endpoint: its own token, checked in the handler, not an API key.
  router_.AddPublic("GET", "/metrics", [this](RouteContext& c) { return GetMetrics(c); });
}

Result<std::string> Api::BatchIdParam(const RouteContext& ctx) {
  const std::string& raw = ctx.Param("batch_id");
  auto id = NormalizeBatchId(raw);
  if (!id) return NotFound("Batch " + raw.substr(0, 64) + " not found.");
  return *std::move(id);
}

Result<Batch> Api::LoadBatch(const RouteContext& ctx) const {
  BC_ASSIGN_OR_RETURN(auto id, BatchIdParam(ctx));
  return store_.GetBatch(ctx.account_id, id);
}

Result<HttpResponse> Api::BatchResponse(int status, const Batch& batch) const {
  auto counts = store_.CountExecutions(batch.id);
  if (!counts.ok()) return counts.status();
  return JsonResponse(status, BatchView(batch, *counts, clock_.Now()).dump());
}

namespace api_internal {

Result<nlohmann::json> JsonBody(const HttpRequest& request) {
  if (request.body.empty()) return InvalidArgument("The request needs a JSON body.");
  return ParseJson(request.body);
}

std::optional<std::string> Field(const HttpRequest& request, const nlohmann::json* json_body,
                                 const std::string& name) {
  if (request.form) {
    if (auto v = request.form->Get(name)) return v;
  }
  if (json_body && json_body->is_object() && json_body->contains(name)) {
    const auto& v = (*json_body)[name];
    if (v.is_null()) return std::nullopt;
    return v.is_string() ? v.get<std::string>() : v.dump();
  }
  return std::nullopt;
}

Result<bool> ParseBool(const std::string& value, const std::string& field) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), ::tolower);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) return false;
  return InvalidArgument(field + " must be true or false.");
}

Result<bool> WantsCsv(const HttpRequest& request) {
  if (auto f = request.Query("format")) {
    if (*f == "csv") return true;
    if (*f == "json") return false;
    return InvalidArgument("format must be \"json\" or \"csv\".");
  }
  auto accept = request.Header("Accept");
  return accept && accept->find("text/csv") != std::string::npos;
}

}  // namespace api_internal
}  // namespace batchcall
