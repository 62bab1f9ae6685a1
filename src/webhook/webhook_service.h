// WebhookService: turns journaled status changes into signed deliveries in
// the durable outbox, and delivers them.
//
// Two loops, both driven by Pump(now) (tests call it with a FakeClock; the
// server runs it on its own threads via Start()):
//  1. Render: reads the store's change journal, renders each change's payload
//     (through the Renderer given by the composition root) and moves it into
//     the outbox, in one transaction per page.
//  2. Deliver: claims due deliveries (one at a time per order_key, so one
//     execution's events arrive in order), POSTs them with
//     X-Batchcall-Event-Id, X-Batchcall-Event and X-Batchcall-Signature, and
//     marks them delivered (2xx) or failed with exponential backoff and
//     jitter; past max_age a delivery is given up (dead). 3xx to the same
//     host is followed (at most 3 hops); to another host it is a failure.
//
// Deliveries run on `delivery_threads` worker threads, never on the engine's
// thread: a slow receiver delays only its own deliveries.
//
// Delivery results are counted in the AppMetrics it is given (not a global).
//
// Thread-safety: Start/Stop from one thread; Notify from any thread.
// Pump is for tests and must not run concurrently with Start().
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "metrics/app_metrics.h"
#include "net/http_transport.h"
#include "store/store.h"

namespace batchcall {

struct WebhookOptions {
  std::string worker_id = "node-1";
  int delivery_threads = 4;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds backoff_initial{1'000};   // first retry after ~this
  std::chrono::milliseconds backoff_max{600'000};     // cap of one wait
  std::chrono::milliseconds max_age{72LL * 3600 * 1000};  // then the delivery is dead
  std::chrono::milliseconds lease{60'000};            // claim lease (> request_timeout)
  int64_t batch_size = 100;                           // changes / deliveries per round
  uint64_t jitter_seed = 0;                           // 0: random
};

// Renders the JSON body for a change (the execution or batch object, plus
// "event" and "sequence"). NotFound when the object is gone: the change is
// dropped. Called from the service's threads.
struct RenderedPayload {
  std::string event_type;  // "execution.status_changed", "batch.completed", "batch.stopped"
  std::string body;
};
using WebhookRenderer = std::function<Result<RenderedPayload>(const WebhookChange&)>;

struct WebhookStats {
  int64_t rendered = 0;
  int64_t delivered = 0;
  int64_t failed_attempts = 0;
  int64_t dead = 0;
};

class WebhookService {
 public:
  // Delivery results are counted in `metrics` (batchcall_webhook_deliveries_total).
  // Every reference must outlive the service.
  WebhookService(Store& store, HttpTransport& transport, const Clock& clock, WebhookRenderer renderer,
                 WebhookOptions options, const metrics::AppMetrics& metrics);
  ~WebhookService();  // Stop()

  // Starts the render thread and the delivery threads.
  Status Start();
  // Stops the threads; deliveries in flight finish or time out (their
  // lease expires, so nothing is lost). Idempotent.
  void Stop();
  // Something was journaled: wake the render loop (cheap; from any thread).
  void Notify();

  // One synchronous round at `now`: renders every journaled change, then
  // delivers every due delivery on the calling thread. Returns how many
  // deliveries were attempted. For tests.
  Result<int64_t> Pump(TimePoint now);

  WebhookStats stats() const;

  // The wait before retry number `attempts` (1-based): backoff_initial *
  // 2^(attempts-1), capped at backoff_max, times a jitter factor in
  // [0.5, 1.0]. Exposed for tests.
  std::chrono::milliseconds Backoff(int attempts, double jitter01) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace batchcall
