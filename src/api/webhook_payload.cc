#include "api/webhook_payload.h"

#include "api/views.h"
#include "base/time.h"

namespace batchcall {

WebhookRenderer WebhookPayloadRenderer(Store& store, const Clock& clock) {
  return [&store, &clock](const WebhookChange& change) -> Result<RenderedPayload> {
    RenderedPayload out;
    if (change.kind == "execution") {
      auto e = store.GetExecution(change.account_id, change.object_id);
      if (!e.ok()) return e.status();
      auto batch = store.GetBatch(change.account_id, e->batch_id);
      if (!batch.ok()) return batch.status();
      OrderedJson body = ExecutionView(*e, batch->columns);
      body["status"] = change.status;  // the status this event is about
      body["event"] = "execution.status_changed";
      body["sequence"] = change.seq;
      body["event_at"] = FormatRfc3339(change.at);
      out.event_type = "execution.status_changed";
      out.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return out;
    }
    auto batch = store.GetBatch(change.account_id, change.object_id);
    if (!batch.ok()) return batch.status();
    auto counts = store.CountExecutions(batch->id);
    if (!counts.ok()) return counts.status();
    OrderedJson body = BatchView(*batch, *counts, clock.Now());
    out.event_type = change.status == "stopped" ? "batch.stopped" : "batch.completed";
    body["event"] = out.event_type;
    body["sequence"] = change.seq;
    body["event_at"] = FormatRfc3339(change.at);
    out.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return out;
  };
}

}  // namespace batchcall
