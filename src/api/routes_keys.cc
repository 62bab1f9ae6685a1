// API key routes: GET /keys (the caller's account's active keys) and
// DELETE /keys/{key_id} (revoke one of them). Keys themselves and their
// hashes are never shown; creating keys is the operator's `batchcall keys
// create`.
//
// A key may revoke itself; the account's last active key may not be revoked
// here (409: that would lock the account out of the API) — the operator's
// `batchcall keys revoke` can.
#include <algorithm>

#include "api/api.h"
#include "api/views.h"

namespace batchcall {

void Api::AddKeyRoutes() {
  router_.Add("GET", "/keys", [this](RouteContext& c) { return ListKeys(c); });
  router_.Add("DELETE", "/keys/{key_id}", [this](RouteContext& c) { return RevokeKey(c); });
}

Result<HttpResponse> Api::ListKeys(RouteContext& ctx) {
  auto keys = store_.ListApiKeys(ctx.account_id);
  if (!keys.ok()) return keys.status();
  OrderedJson out = OrderedJson::array();
  for (const ApiKey& k : *keys) out.push_back(ApiKeyView(k));
  return JsonResponse(200, out.dump());
}

Result<HttpResponse> Api::RevokeKey(RouteContext& ctx) {
  const std::string& id = ctx.Param("key_id");
  auto keys = store_.ListApiKeys(ctx.account_id);
  if (!keys.ok()) return keys.status();
  auto it = std::find_if(keys->begin(), keys->end(), [&](const ApiKey& k) { return k.id == id; });
  if (it == keys->end()) return NotFound("API key " + id.substr(0, 64) + " not found.");
  if (keys->size() == 1)
    return Conflict(
        "This is the account's last active API key; revoking it would lock the account out. Create another key "
        "first (batchcall keys create), or revoke it with batchcall keys revoke on the server.");
  BC_RETURN_IF_ERROR(store_.RevokeApiKey(ctx.account_id, id, clock_.Now()));
  auth_->Invalidate();
  OrderedJson body = {{"message", "success"}, {"id", id}, {"state", "revoked"}};
  return JsonResponse(200, body.dump());
}

}  // namespace batchcall
