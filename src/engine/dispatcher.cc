#include "engine/dispatcher.h"

#include <algorithm>
#include <map>

#include "base/log.h"

namespace batchcall {

Dispatcher::Dispatcher(Store& store, ProviderRegistry& providers, DispatcherOptions options, EngineMetrics& metrics)
    : store_(store),
      decider_(store, options.rule_packs ? *options.rule_packs : RulePackSet::BuiltIn()),
      providers_(providers),
      options_(std::move(options)),
      metrics_(metrics) {
  while (!options_.callback_base_url.empty() && options_.callback_base_url.back() == '/')
    options_.callback_base_url.pop_back();
  if (options_.dial_threads > 0) pool_ = std::make_unique<WorkPool>(options_.dial_threads);
}

Dispatcher::~Dispatcher() { StopPool(); }

Status Dispatcher::Drain(TimePoint now, std::chrono::milliseconds timeout, const std::function<void()>& interrupt) {
  draining_ = true;
  dialing_ = false;
  if (interrupt) interrupt();
  if (pool_ && !pool_->WaitIdle(timeout))
    LogWarn("shutdown: provider requests still running; reconciled at the next start",
            {{"pending", pool_->Pending()}});
  return RecordEvents(now);
}

void Dispatcher::StopPool() {
  if (!pool_) return;
  size_t dropped = pool_->Stop();
  if (dropped > 0)
    LogInfo("remote dials/checks not sent; reconciled at the next start", {{"dropped", dropped}});
}

void Dispatcher::SetWakeCallback(std::function<void()> wake) { inbox_.SetWake(std::move(wake)); }

void Dispatcher::OnCallEvent(CallEvent event) { inbox_.Push(InboxItem{std::move(event)}); }

int64_t Dispatcher::InFlight() const { return static_cast<int64_t>(live_.size()); }

int64_t Dispatcher::InFlightForAgent(const std::string& agent_id) const { return live_.InFlightFor(agent_id); }

Result<std::optional<TimePoint>> Dispatcher::Step(TimePoint now) {
  stats_.steps++;
  BC_RETURN_IF_ERROR(RecordEvents(now));
  if (!next_housekeeping_ || *next_housekeeping_ <= now) {
    BC_RETURN_IF_ERROR(Housekeeping(now));
    next_housekeeping_ = now + options_.heartbeat_interval;
  }
  // Housekeeping needs no wake-up of its own: the engine steps at least every
  // idle_wake (2 s) anyway.
  std::optional<TimePoint> next = CheckDeadlines(now);
  limited_this_step_ = false;
  auto started = store_.StartDueBatches(now);
  if (!started.ok()) return started.status();
  for (const auto& id : *started) LogInfo("batch started", {{"batch_id", id}});

  auto running = store_.ListRunningBatches();
  if (!running.ok()) return running.status();
  batches_.clear();
  std::map<std::string, std::vector<const RunningBatch*>> by_agent;
  for (RunningBatch& rb : *running) {
    auto [it, _] = batches_.emplace(rb.batch.id, std::move(rb));
    by_agent[it->second.agent.id].push_back(&it->second);
  }

  auto consider = [&next](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (dialing_) {
    for (auto& [agent_id, batches] : by_agent) {
      std::sort(batches.begin(), batches.end(), [](const RunningBatch* a, const RunningBatch* b) {
        return a->batch.created_at < b->batch.created_at;
      });
      bool blocked_by_pace = false, work_left = false;
      BC_RETURN_IF_ERROR(
          DispatchAgent(batches.front()->agent, batches, now, &blocked_by_pace, &work_left));
      AgentState& st = agents_[agent_id];
      if (st.backoff_until && *st.backoff_until > now) {
        consider(*st.backoff_until);
      } else if (blocked_by_pace) {
        if (auto t = st.pacer.NextAvailable(now)) consider(*t);
      } else if (work_left && live_.InFlightFor(agent_id) < batches.front()->agent.max_concurrency && !limited_this_step_) {
        consider(now);  // claimed executions were rescheduled or canceled: look again at once
      }
    }
  }
  if (limited_this_step_)
    consider(now + std::chrono::milliseconds(100));  // slots free up on other nodes
  auto completed = store_.CompleteFinishedBatches(now);
  if (!completed.ok()) return completed.status();
  for (const auto& id : *completed) LogInfo("batch completed", {{"batch_id", id}});

  auto due = store_.NextDueTime();
  if (!due.ok()) return due.status();
  if (*due) consider(std::max(**due, now));
  if (!inbox_.Empty()) consider(now);
  return next;
}

Status Dispatcher::DispatchAgent(const Agent& agent,
                                 const std::vector<const RunningBatch*>& batches, TimePoint now,
                                 bool* blocked_by_pace, bool* work_left) {
  AgentState& st = agents_[agent.id];
  if (st.backoff_until && now < *st.backoff_until) return Status::Ok();
  if (st.pacer.rate() != agent.calls_per_second) st.pacer.SetRate(agent.calls_per_second);
  int64_t budget =
      std::min<int64_t>(agent.max_concurrency - live_.InFlightFor(agent.id), options_.max_claim_per_step);
  if (budget <= 0) return Status::Ok();
  int64_t paced = st.pacer.Available(now);
  if (paced <= 0) {
    *blocked_by_pace = true;
    return Status::Ok();
  }
  budget = std::min(budget, paced);

  // Round-robin: each pass offers every batch an equal share of what is
  // left, starting one batch further each step.
  size_t n = batches.size();
  size_t start = st.cursor++ % n;
  std::vector<bool> exhausted(n, false);
  int64_t claimed_total = 0;
  while (budget > 0) {
    size_t open_batches = std::count(exhausted.begin(), exhausted.end(), false);
    if (open_batches == 0) break;
    int64_t share = std::max<int64_t>(1, budget / static_cast<int64_t>(open_batches));
    bool progress = false;
    for (size_t k = 0; k < n && budget > 0; ++k) {
      size_t i = (start + k) % n;
      if (exhausted[i]) continue;
      const RunningBatch& rb = *batches[i];
      int64_t want = std::min(share, budget);
      auto claimed =
          store_.ClaimExecutions(rb.batch.id, want, options_.worker_id, now, now + options_.lease);
      if (!claimed.ok()) return claimed.status();
      if (static_cast<int64_t>(claimed->size()) < want) exhausted[i] = true;
      if (claimed->empty()) continue;
      claimed_total += static_cast<int64_t>(claimed->size());
      int64_t dialed = 0;
      BC_RETURN_IF_ERROR(Dial(rb, *claimed, now, &dialed));
      if (dialed < static_cast<int64_t>(claimed->size())) *work_left = true;
      budget -= dialed;
      st.pacer.Consume(now, static_cast<int>(dialed));
      if (dialed > 0) progress = true;
      if (st.backoff_until && now < *st.backoff_until) return Status::Ok();  // not placed: back off
    }
    if (!progress) break;
  }
  // Everything offered was taken: more may be waiting for the next token.
  if (budget <= 0 && claimed_total > 0 && !st.pacer.unpaced()) *blocked_by_pace = true;
  if (budget <= 0 && std::count(exhausted.begin(), exhausted.end(), false) > 0) *work_left = true;
  return Status::Ok();
}

}  // namespace batchcall
