// The payload a webhook receiver gets for a journaled change: the execution
// (or batch) object exactly as the API shows it (views.h), plus "event",
// "sequence" and "event_at". WebhookService (webhook/) delivers what this
// renders; it lives here, next to the views, so the API and the webhooks can
// never show an object differently.
//
// The renderer reads the store and the clock it was given; both must outlive
// it. Thread-safe when the store is (it keeps no state of its own).
#pragma once

#include "base/clock.h"
#include "store/store.h"
#include "webhook/webhook_service.h"

namespace batchcall {

// "execution" changes render ExecutionView with the status the change is
// about; batch changes render BatchView with the batch's current counts as
// "batch.completed" or "batch.stopped". NotFound when the object is gone.
WebhookRenderer WebhookPayloadRenderer(Store& store, const Clock& clock);

}  // namespace batchcall
