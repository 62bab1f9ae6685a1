#include "webhook/webhook_service.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <unordered_set>
#include <utility>

#include "base/ids.h"
#include "base/log.h"
#include "metrics/app_metrics.h"
#include "webhook/signature.h"

namespace batchcall {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kIdleWait{250};
constexpr int kMaxRedirects = 3;
constexpr size_t kMaxErrorLength = 300;
constexpr std::string_view kUserAgent = "batchcall-webhooks/0.1";

std::string Truncate(std::string s) {
  if (s.size() > kMaxErrorLength) s.resize(kMaxErrorLength);
  return s;
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The absolute URL a Location header points to from `base`; nullopt when it
// cannot be understood.
std::optional<std::string> ResolveLocation(const UrlParts& base, const std::string& location) {
  if (location.empty()) return std::nullopt;
  if (location.rfind("//", 0) == 0) return base.scheme + ":" + location;
  if (location.front() == '/') return base.scheme + "://" + base.authority + location;
  if (ParseUrl(location).has_value()) return location;
  return std::nullopt;  // relative paths without '/' are not supported: refuse rather than guess
}

}  // namespace

struct WebhookService::Impl {
  Impl(Store& s, HttpTransport& t, const Clock& c, WebhookRenderer r, WebhookOptions o, const metrics::AppMetrics& m)
      : store(s), transport(t), clock(c), metrics(m), renderer(std::move(r)), options(std::move(o)),
        rng(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}()) {}

  Store& store;
  HttpTransport& transport;
  const Clock& clock;
  const metrics::AppMetrics& metrics;
  WebhookRenderer renderer;
  const WebhookOptions options;

  std::mutex rng_mu;
  std::mt19937_64 rng;

  std::atomic<int64_t> rendered{0};
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed_attempts{0};
  std::atomic<int64_t> dead{0};

  // Thread coordination (guarded by mu).
  std::mutex mu;
  std::condition_variable render_cv;
  std::condition_variable deliver_cv;
  bool stopping = false;
  bool render_requested = false;
  uint64_t deliver_generation = 0;
  std::thread render_thread;
  std::vector<std::thread> workers;

  double Jitter() {
    std::lock_guard<std::mutex> lock(rng_mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  void WakeDelivery() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++deliver_generation;
    }
    deliver_cv.notify_all();
  }

  Result<int64_t> RenderAll(TimePoint now);
  Result<int64_t> RenderPage(TimePoint now, bool* more);
  void DeliverOne(const WebhookDelivery& d, std::optional<TimePoint> fixed_now);
  // Now, or the fixed time of a Pump round.
  TimePoint Now(std::optional<TimePoint> fixed_now) const { return fixed_now.has_value() ? *fixed_now : clock.Now(); }
  Result<OutboundResponse> Post(const WebhookDelivery& d, const std::vector<std::string>& secrets,
                                std::optional<TimePoint> fixed_now, std::string* error);
  void RenderLoop();
  void WorkerLoop(int index);
  milliseconds Backoff(int attempts, double jitter01) const;
};

milliseconds WebhookService::Impl::Backoff(int attempts, double jitter01) const {
  const int64_t cap = std::max<int64_t>(options.backoff_max.count(), 0);
  int64_t base = std::min<int64_t>(std::max<int64_t>(options.backoff_initial.count(), 0), cap);
  for (int i = 1; i < attempts && base < cap; ++i) base = std::min<int64_t>(base * 2, cap);
  const double factor = 0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0);
  return milliseconds(static_cast<int64_t>(std::llround(static_cast<double>(base) * factor)));
}

// One page of the journal. A change whose rendering fails (other than
// NotFound) stays in the journal, and so do later changes of the same
// object, so that per-object order is kept; other objects proceed.
Result<int64_t> WebhookService::Impl::RenderPage(TimePoint now, bool* more) {
  *more = false;
  auto changes = store.ReadWebhookChanges(options.batch_size);
  if (!changes.ok()) return changes.status();
  if (changes->empty()) return int64_t{0};
  std::vector<Store::RenderedChange> out;
  std::unordered_set<std::string> blocked;
  for (const WebhookChange& change : *changes) {
    if (blocked.count(change.object_id) > 0) continue;
    Store::RenderedChange rc;
    rc.seq = change.seq;
    auto payload = renderer(change);
    if (!payload.ok()) {
      if (payload.status().code() != StatusCode::kNotFound) {
        LogWarn("webhook render failed, retrying later",
                {{change.kind == "batch" ? "batch_id" : "execution_id", change.object_id},
                 {"seq", change.seq},
                 {"error", payload.status().ToString()}});
        blocked.insert(change.object_id);
        continue;
      }
      out.push_back(std::move(rc));  // the object is gone: drop the change
      continue;
    }
    if (change.url.empty()) {
      out.push_back(std::move(rc));  // the webhook_url was removed meanwhile: nothing to send
      continue;
    }
    WebhookDelivery d;
    d.event_id = NewUuid();
    d.account_id = change.account_id;
    d.url = change.url;
    d.event_type = std::move(payload->event_type);
    d.order_key = change.object_id;
    d.body = std::move(payload->body);
    d.created_at = now;
    d.next_attempt_at = now;
    rc.delivery = std::move(d);
    out.push_back(std::move(rc));
  }
  if (out.empty()) return int64_t{0};
  auto added = store.EnqueueWebhooks(out);
  if (!added.ok()) return added.status();
  rendered += *added;
  *more = blocked.empty() && static_cast<int64_t>(changes->size()) >= options.batch_size;
  return *added;
}

Result<int64_t> WebhookService::Impl::RenderAll(TimePoint now) {
  int64_t total = 0;
  bool more = true;
  while (more) {
    auto added = RenderPage(now, &more);
    if (!added.ok()) return added.status();
    total += *added;
  }
  return total;
}

Result<OutboundResponse> WebhookService::Impl::Post(const WebhookDelivery& d, const std::vector<std::string>& secrets,
                                                    std::optional<TimePoint> fixed_now, std::string* error) {
  std::string url = d.url;
  const TimePoint deadline = Now(fixed_now) + options.request_timeout;
  for (int hop = 0;; ++hop) {
    const auto base = ParseUrl(url);
    if (!base.has_value()) {
      *error = "invalid webhook URL";
      return Status(StatusCode::kInvalidArgument, *error);
    }
    OutboundRequest req;
    req.method = "POST";
    req.url = url;
    req.body = d.body;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", std::string(kUserAgent)},
                   {std::string(kEventIdHeader), d.event_id},
                   {std::string(kEventTypeHeader), d.event_type},
                   {std::string(kSignatureHeader), SignPayload(secrets, Now(fixed_now), d.body)}};
    // One delivery (redirects included) has request_timeout in all.
    const auto left = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - Now(fixed_now)));
    req.timeout = std::min(options.request_timeout, left);
    req.connect_timeout = std::min(req.connect_timeout, req.timeout);
    auto resp = transport.Send(req);
    if (!resp.ok()) {
      *error = resp.status().message();
      return resp;
    }
    if (!IsRedirect(resp->status)) {
      if (!resp->ok()) *error = "HTTP " + std::to_string(resp->status);
      return resp;
    }
    const auto location = resp->Header("Location");
    if (!location.has_value()) {
      *error = "HTTP " + std::to_string(resp->status) + " without Location";
      return resp;
    }
    const auto next = ResolveLocation(*base, *location);
    const auto next_parts = next.has_value() ? ParseUrl(*next) : std::nullopt;
    if (!next_parts.has_value()) {
      *error = "HTTP " + std::to_string(resp->status) + " redirect to an unsupported Location";
      return resp;
    }
    if (next_parts->scheme != base->scheme || next_parts->authority != base->authority) {
      *error = "redirect to another host not followed: " + next_parts->scheme + "://" + next_parts->authority;
      return resp;
    }
    if (hop + 1 > kMaxRedirects) {
      *error = "too many redirects (more than " + std::to_string(kMaxRedirects) + ")";
      return resp;
    }
    url = *next;
  }
}

void WebhookService::Impl::DeliverOne(const WebhookDelivery& d, std::optional<TimePoint> fixed_now) {
  std::string error;
  auto secrets = store.GetWebhookSecrets(d.account_id);
  if (!secrets.ok()) {
    error = "webhook secret unavailable: " + secrets.status().message();
  } else if (secrets->current.empty()) {
    error = "account has no webhook secret";
  } else {
    std::vector<std::string> keys = {secrets->current};
    const TimePoint at = Now(fixed_now);
    if (!secrets->previous.empty() && secrets->previous_until.has_value() && *secrets->previous_until > at) {
      keys.push_back(secrets->previous);
    }
    auto resp = Post(d, keys, fixed_now, &error);
    if (resp.ok() && resp->ok()) {
      Status s = store.MarkWebhookDelivered(d.id, Now(fixed_now));
      if (!s.ok()) LogWarn("webhook delivered but not marked", {{"event_id", d.event_id}, {"error", s.ToString()}});
      ++delivered;
      metrics.webhook_delivered.Inc();
      return;
    }
    if (error.empty()) error = resp.ok() ? "HTTP " + std::to_string(resp->status) : resp.status().message();
  }
  ++failed_attempts;
  const TimePoint now = Now(fixed_now);
  std::optional<TimePoint> next;
  // An unusable URL (empty, not http(s)) will never work: give up at once.
  const bool hopeless = !ParseUrl(d.url).has_value();
  if (!hopeless && now - d.created_at < options.max_age) {
    next = now + std::max(milliseconds(1), Backoff(d.attempts + 1, Jitter()));
    metrics.webhook_failed.Inc();
  } else {
    ++dead;
    metrics.webhook_given_up.Inc();
    LogWarn("webhook delivery given up", {{"event_id", d.event_id},
                                          {"event_type", d.event_type},
                                          {"url", RedactUrl(d.url)},
                                          {"attempts", d.attempts + 1},
                                          {"error", error}});
  }
  Status s = store.MarkWebhookFailed(d.id, next, Truncate(error), now);
  if (!s.ok()) LogWarn("webhook failure not recorded", {{"event_id", d.event_id}, {"error", s.ToString()}});
}

void WebhookService::Impl::RenderLoop() {
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    render_requested = false;
    lock.unlock();
    auto added = RenderAll(clock.Now());
    if (!added.ok()) {
      LogWarn("webhook render round failed", {{"error", added.status().ToString()}});
    } else if (*added > 0) {
      WakeDelivery();
    }
    lock.lock();
    render_cv.wait_for(lock, kIdleWait, [&] { return stopping || render_requested; });
  }
}

void WebhookService::Impl::WorkerLoop(int index) {
  const std::string worker = options.worker_id + "/" + std::to_string(index);
  while (true) {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) return;
      generation = deliver_generation;
    }
    // One delivery per claim: a worker waiting on a slow receiver holds no
    // other receiver's delivery, so a slow receiver delays only its own.
    const TimePoint now = clock.Now();
    auto batch = store.ClaimWebhookDeliveries(now, 1, worker, now + options.lease);
    milliseconds wait = kIdleWait;
    if (!batch.ok()) {
      LogWarn("webhook claim failed", {{"error", batch.status().ToString()}});
    } else if (!batch->empty()) {
      for (const WebhookDelivery& d : *batch) DeliverOne(d, std::nullopt);
      continue;
    } else {
      auto backlog = store.GetWebhookBacklog();
      // A due delivery that could not be claimed waits behind an earlier
      // one of its order_key in flight elsewhere: that worker claims it next.
      const TimePoint after = clock.Now();
      if (backlog.ok() && backlog->next_due.has_value() && *backlog->next_due > after) {
        wait = std::min(kIdleWait, std::chrono::ceil<milliseconds>(*backlog->next_due - after));
      }
    }
    std::unique_lock<std::mutex> lock(mu);
    deliver_cv.wait_for(lock, wait, [&] { return stopping || deliver_generation != generation; });
  }
}

WebhookService::WebhookService(Store& store, HttpTransport& transport, const Clock& clock, WebhookRenderer renderer,
                               WebhookOptions options, const metrics::AppMetrics& metrics)
    : impl_(std::make_unique<Impl>(store, transport, clock, std::move(renderer), std::move(options), metrics)) {}

WebhookService::~WebhookService() { Stop(); }

Status WebhookService::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->render_thread.joinable()) return Conflict("webhook service already started");
  if (impl_->options.delivery_threads < 1) return InvalidArgument("webhooks: delivery_threads must be at least 1");
  if (impl_->options.batch_size < 1) return InvalidArgument("webhooks: batch_size must be at least 1");
  if (impl_->options.lease <= impl_->options.request_timeout) {
    return InvalidArgument("webhooks: lease must be longer than request_timeout");
  }
  impl_->stopping = false;
  impl_->render_thread = std::thread([this] { impl_->RenderLoop(); });
  for (int i = 0; i < impl_->options.delivery_threads; ++i) {
    impl_->workers.emplace_back([this, i] { impl_->WorkerLoop(i); });
  }
  return Status::Ok();
}

void WebhookService::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->render_thread.joinable()) return;
    impl_->stopping = true;
  }
  impl_->render_cv.notify_all();
  impl_->deliver_cv.notify_all();
  impl_->render_thread.join();
  for (std::thread& t : impl_->workers) t.join();
  impl_->workers.clear();
}

void WebhookService::Notify() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->render_requested = true;
  }
  impl_->render_cv.notify_one();
}

Result<int64_t> WebhookService::Pump(TimePoint now) {
  auto rendered = impl_->RenderAll(now);
  if (!rendered.ok()) return rendered.status();
  int64_t attempted = 0;
  while (true) {
    auto batch = impl_->store.ClaimWebhookDeliveries(now, impl_->options.batch_size, impl_->options.worker_id,
                                                     now + impl_->options.lease);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return attempted;
    for (const WebhookDelivery& d : *batch) {
      impl_->DeliverOne(d, now);
      ++attempted;
    }
  }
}

WebhookStats WebhookService::stats() const {
  return WebhookStats{impl_->rendered.load(), impl_->delivered.load(), impl_->failed_attempts.load(),
                      impl_->dead.load()};
}

std::chrono::milliseconds WebhookService::Backoff(int attempts, double jitter01) const {
  return impl_->Backoff(attempts, jitter01);
}

}  // namespace batchcall
