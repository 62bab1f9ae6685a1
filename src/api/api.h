// Api: the HTTP API of docs/api.md on top of a Store. Builds the router and
// owns the route handlers; the only HttpHandler the server needs.
//
// Thread-safe: Handle() is called concurrently from the server's workers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/auth.h"
#include "http/http_server.h"
#include "api/router.h"
#include "base/clock.h"
#include "csv/ingest.h"
#include "domain/call_event.h"
#include "metrics/app_metrics.h"
#include "compliance/rule_pack.h"
#include "net/outbound_policy.h"
#include "store/store.h"
#include "telephony/provider_kind.h"

namespace batchcall {

struct ApiOptions {
  // What every CSV upload (POST /batches, DNC files) starts from: max_rows
  // (data rows per file; more is 413) and check_threads. Each request sets
  // its own mode, default_country and allow_duplicates.
  IngestOptions ingest;
  // How far in the past a scheduled_at may lie (clock skew) before it is refused.
  std::chrono::milliseconds schedule_skew{5'000};
  // Rows per store page when streaming executions and reports (one page is
  // held in memory: about 1 KB per row as JSON).
  int64_t stream_page_rows = 2000;
  // Called after a change the engine must see at once (schedule, pause,
  // resume, stop, delete). May be empty.
  std::function<void()> on_batch_change;
  // Receives provider events accepted by the inbound callback routes (the
  // engine's CallEventSink). May be empty (events are then dropped).
  std::function<void(CallEvent)> on_call_event;
  // BATCHCALL_PUBLIC_URL: the base of the URLs providers call back, used to
  // check Twilio's signatures (which cover the full URL). Empty: the Host header.
  std::string public_url;
  // metrics_token: the only bearer token GET /metrics accepts (an operator's,
  // not a tenant API key). Empty: /metrics answers 403 saying how to set one.
  std::string metrics_token;
  // outbound_allow: URLs the server will connect to (webhook_url,
  // provider.url, provider.base_url) whose host is an address this policy
  // refuses are refused (400) when saved.
  OutboundPolicy outbound;
  // How long a POST /batches answer is remembered under its Idempotency-Key.
  std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
  // API key cache lifetime and last-used recording (api/auth.h).
  ApiKeyAuthOptions key_auth;
  // Where ingests are counted and what GET /metrics renders (its registry);
  // must outlive the Api. nullptr: nothing is counted and /metrics is empty.
  const metrics::AppMetrics* metrics = nullptr;
  // The provider kinds agents may use (settings validation, callback
  // routes); not owned, outlives the Api. Null: none (the app passes
  // BuiltInProviderKinds(), telephony/provider_kinds.h).
  const ProviderKinds* provider_kinds = nullptr;
  // The rule packs agents may name (settings validation, GET /rule-packs);
  // not owned, outlives the Api. Null: the built-in ones.
  const RulePackSet* rule_packs = nullptr;
};

class Api {
 public:
  Api(Store& store, const Clock& clock, ApiOptions options);
  HttpResponse Handle(const HttpRequest& request) const { return router_.Dispatch(request); }
  // The HttpServer's AdmissionHandler: routes, keys and callback signature
  // headers checked on the head, before a body is read (Router::Admit).
  Admission Admit(const HttpRequest& head) const { return router_.Admit(head); }
  // (method, pattern) of every route, for docs and tests.
  std::vector<std::pair<std::string, std::string>> Routes() const { return router_.Routes(); }

 private:
  void AddAgentRoutes();
  void AddBatchRoutes();
  void AddExecutionRoutes();
  void AddDncRoutes();
  void AddWebhookRoutes();
  void AddKeyRoutes();  // GET /keys, DELETE /keys/{key_id} (routes_keys.cc)
  void AddDashboardRoutes();  // GET / and /assets/{name} (routes_dashboard.cc)
  void AddComplianceRoutes();  // GET /rule-packs (routes_compliance.cc)

  // Route handlers (routes_*.cc).
  Result<HttpResponse> CreateAgent(RouteContext& ctx);
  Result<HttpResponse> ListAgents(RouteContext& ctx);
  Result<HttpResponse> GetAgent(RouteContext& ctx);
  Result<HttpResponse> PatchAgent(RouteContext& ctx);
  Result<HttpResponse> DeleteAgent(RouteContext& ctx);
  Result<HttpResponse> CreateBatch(RouteContext& ctx);
  Result<HttpResponse> ScheduleBatch(RouteContext& ctx);
  Result<HttpResponse> GetBatch(RouteContext& ctx);
  Result<HttpResponse> ListBatches(RouteContext& ctx);
  Result<HttpResponse> StopBatch(RouteContext& ctx);
  Result<HttpResponse> PauseBatch(RouteContext& ctx);
  Result<HttpResponse> ResumeBatch(RouteContext& ctx);
  Result<HttpResponse> DeleteBatch(RouteContext& ctx);
  Result<HttpResponse> ListExecutions(RouteContext& ctx);
  Result<HttpResponse> GetExecution(RouteContext& ctx);
  Result<HttpResponse> GetReport(RouteContext& ctx);
  Result<HttpResponse> GetDecisions(RouteContext& ctx);  // routes_compliance.cc
  Result<HttpResponse> AddDnc(RouteContext& ctx);
  Result<HttpResponse> ListDnc(RouteContext& ctx);
  Result<HttpResponse> RemoveDnc(RouteContext& ctx);
  // The callback route of `kind` (routes_webhooks.cc), and the attempt its
  // path (and ?attempt_id=) names.
  Result<HttpResponse> ProviderCallbackRoute(RouteContext& ctx, const ProviderKind& kind);
  Result<OpenAttempt> CallbackAttempt(const RouteContext& ctx, CallbackTarget target) const;
  Result<HttpResponse> RotateWebhookSecret(RouteContext& ctx);
  Result<HttpResponse> GetWebhookSecret(RouteContext& ctx);
  Result<HttpResponse> GetMetrics(RouteContext& ctx);  // routes_metrics.cc
  Result<HttpResponse> ListRulePacks(RouteContext& ctx);
  Result<HttpResponse> PreviewBatch(RouteContext& ctx);
  Result<HttpResponse> ListKeys(RouteContext& ctx);
  Result<HttpResponse> RevokeKey(RouteContext& ctx);
  // The full URL a provider requested (public URL + target), for signatures.
  std::string PublicUrlFor(const HttpRequest& request) const;
  void Changed() const {
    if (options_.on_batch_change) options_.on_batch_change();
  }

  // The batch named by the {batch_id} parameter, in this account, or NotFound.
  // The {batch_id} parameter normalised; NotFound when it is no batch id.
  static Result<std::string> BatchIdParam(const RouteContext& ctx);
  Result<Batch> LoadBatch(const RouteContext& ctx) const;
  Result<HttpResponse> BatchResponse(int status, const Batch& batch) const;

  Store& store_;
  const Clock& clock_;
  ApiOptions options_;
  const ProviderKinds& kinds_;
  const RulePackSet& packs_;
  std::unique_ptr<ApiKeyAuthenticator> auth_;
  Router router_;
};

// Request helpers shared by the route files.
namespace api_internal {
// The JSON body; InvalidArgument when missing or malformed.
Result<nlohmann::json> JsonBody(const HttpRequest& request);
// A form or JSON field value as a string (JSON strings as-is, other JSON values dumped).
std::optional<std::string> Field(const HttpRequest& request, const nlohmann::json* json_body,
                                 const std::string& name);
// "true"/"false"/"1"/"0"/"yes"/"no" (any case); InvalidArgument naming the field otherwise.
Result<bool> ParseBool(const std::string& value, const std::string& field);
// True when the client asked for CSV (?format=csv or Accept: text/csv).
Result<bool> WantsCsv(const HttpRequest& request);
}  // namespace api_internal

}  // namespace batchcall
