// Agent routes: POST/GET /agents, GET/PATCH/DELETE /agents/{agent_id}.
#include "api/agent_input.h"
#include "api/api.h"
#include "api/views.h"
#include "base/ids.h"

namespace batchcall {
namespace {

Result<std::string> AgentIdParam(const RouteContext& ctx) {
  const std::string& raw = ctx.Param("agent_id");
  auto id = NormalizeUuid(raw);
  if (!id) return NotFound("Agent " + raw.substr(0, 64) + " not found.");
  return *id;
}

}  // namespace

void Api::AddAgentRoutes() {
  router_.Add("POST", "/agents", [this](RouteContext& c) { return CreateAgent(c); });
  router_.Add("GET", "/agents", [this](RouteContext& c) { return ListAgents(c); });
  router_.Add("GET", "/agents/{agent_id}", [this](RouteContext& c) { return GetAgent(c); });
  router_.Add("PATCH", "/agents/{agent_id}", [this](RouteContext& c) { return PatchAgent(c); });
  router_.Add("DELETE", "/agents/{agent_id}", [this](RouteContext& c) { return DeleteAgent(c); });
}

Result<HttpResponse> Api::CreateAgent(RouteContext& ctx) {
  auto body = api_internal::JsonBody(ctx.request);
  if (!body.ok()) return body.status();
  Agent agent;
  agent.id = NewUuid();
  agent.account_id = ctx.account_id;
  agent.created_at = agent.updated_at = clock_.Now();
  BC_RETURN_IF_ERROR(ApplyAgentJson(*body, /*partial=*/false, &agent, options_.outbound, kinds_, packs_));
  BC_RETURN_IF_ERROR(store_.CreateAgent(agent));
  return JsonResponse(201, AgentView(agent).dump());
}

Result<HttpResponse> Api::ListAgents(RouteContext& ctx) {
  auto agents = store_.ListAgents(ctx.account_id);
  if (!agents.ok()) return agents.status();
  OrderedJson out = OrderedJson::array();
  for (const Agent& a : *agents) out.push_back(AgentView(a));
  return JsonResponse(200, out.dump());
}

Result<HttpResponse> Api::GetAgent(RouteContext& ctx) {
  auto id = AgentIdParam(ctx);
  if (!id.ok()) return id.status();
  auto agent = store_.GetAgent(ctx.account_id, *id);
  if (!agent.ok()) return agent.status();
  return JsonResponse(200, AgentView(*agent).dump());
}

Result<HttpResponse> Api::PatchAgent(RouteContext& ctx) {
  auto id = AgentIdParam(ctx);
  if (!id.ok()) return id.status();
  auto body = api_internal::JsonBody(ctx.request);
  if (!body.ok()) return body.status();
  auto agent = store_.GetAgent(ctx.account_id, *id);
  if (!agent.ok()) return agent.status();
  BC_RETURN_IF_ERROR(ApplyAgentJson(*body, /*partial=*/true, &*agent, options_.outbound, kinds_, packs_));
  agent->updated_at = clock_.Now();
  BC_RETURN_IF_ERROR(store_.UpdateAgent(*agent));
  return JsonResponse(200, AgentView(*agent).dump());
}

Result<HttpResponse> Api::DeleteAgent(RouteContext& ctx) {
  auto id = AgentIdParam(ctx);
  if (!id.ok()) return id.status();
  BC_RETURN_IF_ERROR(store_.DeleteAgent(ctx.account_id, *id));
  return JsonResponse(200, R"({"message":"success","state":"deleted"})");
}

}  // namespace batchcall
