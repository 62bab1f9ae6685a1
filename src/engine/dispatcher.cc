#include "engine/dispatcher.h"

#include <algorithm>
#include <unordered_set>

#include "base/ids.h"
#include "base/log.h"
#include "engine/calling_window.h"
#include "engine/retry_policy.h"
#include "metrics/app_metrics.h"

namespace batchcall {
Dispatcher::Dispatcher(Store& store, ProviderRegistry& providers, DispatcherOptions options)
    : store_(store), providers_(providers), options_(std::move(options)) {
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

void Dispatcher::SetWakeCallback(std::function<void()> wake) {
  std::lock_guard lock(inbox_mu_);
  wake_ = std::move(wake);
}

void Dispatcher::Push(InboxItem item) {
  std::lock_guard lock(inbox_mu_);
  inbox_.push_back(std::move(item));
  if (wake_) wake_();  // under the lock, so a concurrent SetWakeCallback(nullptr) is safe
}

void Dispatcher::OnCallEvent(CallEvent event) { Push(InboxItem{std::move(event), false}); }

Dispatcher::InboxItem Dispatcher::UncertainDial(CallEvent event) {
  event.status = ExecutionStatus::kInitiated;
  InboxItem item{std::move(event), false};
  item.recheck = true;
  item.uncertain_dial = true;
  return item;
}

Dispatcher::InboxItem Dispatcher::DialFailure(const Status& status, CallEvent event) const {
  if (status.code() == StatusCode::kUnknownOutcome) {
    // The call may exist: never dial it again blindly. Wait for its events and
    // ask the provider (recheck) until the outcome deadline.
    event.error_message = status.message();
    return UncertainDial(std::move(event));
  }
  event.status = ExecutionStatus::kError;
  if (draining_ && status.code() == StatusCode::kUnavailable) {
    // Stopped before or while trying, and nothing was placed: dial it again.
    event.error_message = "not dialled: the server stopped first (" + status.message() + "); requeued";
    return InboxItem{std::move(event), true};
  }
  if (status.code() == StatusCode::kInvalidArgument) event.status = ExecutionStatus::kFailed;
  event.error_message = "the provider refused the call: " + status.message();
  return InboxItem{std::move(event), false};
}

void Dispatcher::PushUnknownOutcome(CallEvent closing) {
  InboxItem item{std::move(closing), false};
  item.no_retry = true;
  Push(std::move(item));
}

int64_t Dispatcher::InFlight() const { return static_cast<int64_t>(live_.size()); }

int64_t Dispatcher::InFlightForAgent(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? 0 : it->second.in_flight;
}

void Dispatcher::Track(const std::string& attempt_id, Live live) {
  agents_[live.agent_id].in_flight++;
  if (live.provider) {
    if (auto timeout = live.provider->outcome_timeout())
      deadlines_.emplace(live.lookup.started_at + *timeout, attempt_id);
  }
  live_.emplace(attempt_id, std::move(live));
  metrics::App().calls_in_flight.Set(static_cast<double>(live_.size()));
}

void Dispatcher::Untrack(const std::string& attempt_id) {
  auto it = live_.find(attempt_id);
  if (it == live_.end()) return;
  agents_[it->second.agent_id].in_flight--;
  live_.erase(it);
  metrics::App().calls_in_flight.Set(static_cast<double>(live_.size()));
}

namespace {

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

void Dispatcher::FinishCheck(const std::string& attempt_id, const Live& live, CheckReason reason,
                             const Result<CallEvent>& found, TimePoint now) {
  CallEvent closing;
  closing.attempt_id = attempt_id;
  closing.idempotency_key = live.lookup.idempotency_key;
  closing.provider_call_id = live.lookup.provider_call_id;
  closing.at = now;
  closing.status = ExecutionStatus::kError;
  std::string waited;
  if (live.provider) {
    if (auto t = live.provider->outcome_timeout()) waited = Seconds(*t);
  }
  if (found.ok()) {
    CallEvent e = *found;
    e.attempt_id = attempt_id;
    if (e.idempotency_key.empty()) e.idempotency_key = live.lookup.idempotency_key;
    if (IsOutcome(e)) {
      Push(InboxItem{std::move(e), false});
    } else if (reason == CheckReason::kTimeout) {
      closing.error_message = "no result within " + waited +
                              " of dialling (the provider last reported " +
                              std::string(ToString(e.status)) + ")";
      PushUnknownOutcome(std::move(closing));
    } else {
      InboxItem item{std::move(e), false};
      item.recheck = true;  // still going: record how far it got, look again later
      Push(std::move(item));
    }
    return;
  }
  // A local provider (the simulator) only knows its own process's calls
  // unless its record is shared: for another node's attempt, NotFound is no
  // evidence that nobody was called.
  const bool local_blind = live.foreign && live.provider && !live.provider->remote();
  if (found.status().code() == StatusCode::kNotFound && local_blind) {
    closing.error_message =
        "outcome unknown: the node that placed this call stopped and its provider "
        "record is not shared with this node; not redialled";
    PushUnknownOutcome(std::move(closing));
    return;
  }
  if (found.status().code() == StatusCode::kNotFound) {
    if (live.lookup.provider_call_id.empty()) {
      closing.error_message = "call was never placed (interrupted before dialling); requeued";
      Push(InboxItem{std::move(closing), true});
    } else {
      closing.error_message = "the provider has no record of call " + live.lookup.provider_call_id;
      PushUnknownOutcome(std::move(closing));
    }
    return;
  }
  if (reason == CheckReason::kTimeout) {
    closing.error_message = "no result within " + waited +
                            " of dialling, and the provider could not be asked (" +
                            found.status().message() + ")";
    PushUnknownOutcome(std::move(closing));
  } else if (reason == CheckReason::kUncertainDial) {
    // The dial's answer was lost and the provider cannot tell yet: keep
    // waiting for its events, ask again later (the outcome deadline still applies).
    CallEvent still;
    still.attempt_id = attempt_id;
    still.idempotency_key = live.lookup.idempotency_key;
    still.at = now;
    Push(UncertainDial(std::move(still)));
  } else if (live.lookup.provider_call_id.empty()) {
    closing.error_message =
        "outcome unknown: the process stopped while dialling and the provider "
        "could not say what happened; not redialled";
    PushUnknownOutcome(std::move(closing));
  }
  // Recovery of a placed call the provider cannot describe: keep waiting for
  // its events (the outcome deadline still applies).
}

void Dispatcher::Check(const std::string& attempt_id, CheckReason reason, TimePoint now) {
  auto it = live_.find(attempt_id);
  if (it == live_.end()) return;
  Live live = it->second;
  if (!live.provider) {
    FinishCheck(attempt_id, live, reason, Unavailable("the agent's provider cannot be built"), now);
    return;
  }
  if (live.provider->remote() && pool_) {
    bool queued = pool_->Submit([this, attempt_id, live, reason, now] {
      FinishCheck(attempt_id, live, reason, live.provider->Lookup(live.lookup), now);
    });
    if (queued) return;
  }
  FinishCheck(attempt_id, live, reason, live.provider->Lookup(live.lookup), now);
}

std::optional<TimePoint> Dispatcher::CheckDeadlines(TimePoint now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::string id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = live_.find(id);
    if (it == live_.end() || it->second.checking) continue;
    it->second.checking = true;
    stats_.timed_out++;
    Check(id, CheckReason::kTimeout, now);
  }
  while (!rechecks_.empty() && rechecks_.begin()->first <= now) {
    std::string id = rechecks_.begin()->second;
    rechecks_.erase(rechecks_.begin());
    auto it = live_.find(id);
    if (it == live_.end() || it->second.checking) continue;
    Check(id, it->second.uncertain_dial ? CheckReason::kUncertainDial : CheckReason::kRecovery, now);
  }
  std::optional<TimePoint> next;
  if (!deadlines_.empty()) next = deadlines_.begin()->first;
  if (!rechecks_.empty() && (!next || rechecks_.begin()->first < *next))
    next = rechecks_.begin()->first;
  return next;
}

void Dispatcher::TrackAdopted(const std::vector<OpenAttempt>& open, TimePoint now, bool foreign) {
  for (const OpenAttempt& o : open) {
    if (live_.count(o.attempt.id)) continue;
    Live live;
    live.execution_id = o.attempt.execution_id;
    live.agent_id = o.attempt.agent_id;
    live.account_id = o.account_id;
    live.batch_id = o.batch_id;
    live.retry_count = o.retry_count;
    live.foreign = foreign;
    live.lookup =
        CallLookup{o.attempt.id,     o.attempt.idempotency_key, o.attempt.provider_call_id,
                   o.contact_number, o.attempt.from_number,     o.attempt.started_at};
    auto agent = store_.GetAgent(o.account_id, o.attempt.agent_id);
    if (agent.ok()) {
      auto p = providers_.ForAgent(*agent);
      if (p.ok()) live.provider = *p;
    }
    Track(o.attempt.id, live);
    Check(o.attempt.id, CheckReason::kRecovery, now);
  }
}

Status Dispatcher::Recover(TimePoint now) {
  BC_RETURN_IF_ERROR(store_.Heartbeat(options_.worker_id, now));
  auto open = store_.AdoptOrphanAttempts(options_.worker_id, now - options_.node_stale_after,
                                         /*include_own=*/true);
  if (!open.ok()) return open.status();
  stats_.reconciled += static_cast<int64_t>(open->size());
  TrackAdopted(*open, now, /*foreign=*/false);
  next_housekeeping_ = now + options_.heartbeat_interval;
  BC_RETURN_IF_ERROR(RecordEvents(now));
  if (!open->empty())
    LogInfo("recovered open attempts", {{"attempts", open->size()}, {"in_flight", live_.size()}});
  return Status::Ok();
}

Status Dispatcher::Housekeeping(TimePoint now) {
  BC_RETURN_IF_ERROR(store_.Heartbeat(options_.worker_id, now));
  auto adopted =
      store_.AdoptOrphanAttempts(options_.worker_id, now - options_.node_stale_after, false);
  if (!adopted.ok()) return adopted.status();
  if (!adopted->empty()) {
    LogWarn("adopted open attempts of a node that stopped", {{"attempts", adopted->size()}});
    stats_.adopted += static_cast<int64_t>(adopted->size());
    TrackAdopted(*adopted, now, /*foreign=*/true);
  }
  if (options_.shared_store && !live_.empty()) {
    std::vector<std::string> ids;
    ids.reserve(live_.size());
    for (const auto& [id, _] : live_) ids.push_back(id);
    auto closed = store_.FilterClosedAttempts(ids);
    if (!closed.ok()) return closed.status();
    for (const std::string& id : *closed) {
      Untrack(id);
      stats_.outcomes++;
    }
  }
  return Status::Ok();
}

Result<std::optional<CallUpdate>> Dispatcher::ForeignUpdate(CallEvent event, bool requeue_now, bool no_retry,
                                                            TimePoint now) {
  auto found = store_.FindAttempt(event.attempt_id);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return std::optional<CallUpdate>();
    return found.status();
  }
  if (found->closed) return std::optional<CallUpdate>();
  CallUpdate u;
  if (requeue_now) {
    u.retry = true;
    u.next_attempt_at = now;
  } else if (IsOutcome(event) && !no_retry) {
    Live live;
    live.account_id = found->account_id;
    live.batch_id = found->batch_id;
    live.agent_id = found->attempt.agent_id;
    auto d = DecideRetry(RetryConfigFor(live), event.status, event.answered_by_voice_mail,
                         found->retry_count, now);
    u.retry = d.retry;
    u.next_attempt_at = d.next_attempt_at;
  }
  u.event = std::move(event);
  stats_.foreign_events++;
  return std::optional<CallUpdate>(std::move(u));
}

std::optional<RetryConfig> Dispatcher::RetryConfigFor(const Live& live) {
  auto it = batches_.find(live.batch_id);
  if (it != batches_.end()) return EffectiveRetryConfig(it->second.batch, it->second.agent);
  auto batch = store_.GetBatch(live.account_id, live.batch_id);
  auto agent = store_.GetAgent(live.account_id, live.agent_id);
  if (!batch.ok() || !agent.ok()) return std::nullopt;
  return EffectiveRetryConfig(*batch, *agent);
}

namespace {

// batchcall_calls_total{status} per closed attempt, and batchcall_retries_total{reason}
// when its execution was scheduled again.
void CountOutcomes(const std::vector<CallUpdate>& updates, const std::vector<AppliedOutcome>& applied) {
  std::unordered_map<std::string_view, ExecutionStatus> outcome_of;
  for (const CallUpdate& u : updates)
    if (IsOutcome(u.event)) outcome_of[u.event.attempt_id] = u.event.status;
  for (const AppliedOutcome& a : applied) {
    auto it = outcome_of.find(a.attempt_id);
    std::string_view status = it == outcome_of.end() ? std::string_view("unknown") : ToString(it->second);
    metrics::App().calls.With({status}).Inc();
    if (a.execution_status == ExecutionStatus::kScheduled) metrics::App().retries.With({status}).Inc();
  }
}

}  // namespace

Status Dispatcher::RecordEvents(TimePoint now) {
  std::vector<InboxItem> items;
  std::vector<std::pair<std::string, std::string>> call_ids;
  {
    std::lock_guard lock(inbox_mu_);
    items.swap(inbox_);
    call_ids.swap(dialed_ids_);
  }
  if (!call_ids.empty()) {
    Status stored = store_.SetProviderCallIds(call_ids);
    if (!stored.ok()) {
      std::lock_guard lock(inbox_mu_);
      dialed_ids_.insert(dialed_ids_.end(), call_ids.begin(), call_ids.end());
      inbox_.insert(inbox_.end(), std::make_move_iterator(items.begin()),
                    std::make_move_iterator(items.end()));
      return stored;
    }
    for (const auto& [attempt_id, call_id] : call_ids) {
      auto it = live_.find(attempt_id);
      if (it != live_.end()) it->second.lookup.provider_call_id = call_id;
    }
  }
  if (items.empty()) return Status::Ok();
  std::vector<CallUpdate> updates;
  updates.reserve(items.size());
  for (InboxItem& item : items) {
    CallEvent& e = item.event;
    auto it = live_.find(e.attempt_id);
    if (it == live_.end()) {
      // One process: closed already (a duplicate or late event). Many nodes:
      // the attempt may be another node's (the callback reached this one).
      if (!options_.shared_store) continue;
      auto foreign = ForeignUpdate(std::move(e), item.requeue_now, item.no_retry, now);
      if (!foreign.ok()) return foreign.status();
      if (*foreign) updates.push_back(std::move(**foreign));
      continue;
    }
    CallUpdate u;
    if (item.requeue_now) {
      u.retry = true;
      u.next_attempt_at = std::max(now, item.requeue_at.value_or(now));
    } else if (IsOutcome(e) && !item.no_retry) {
      auto d = DecideRetry(RetryConfigFor(it->second), e.status, e.answered_by_voice_mail,
                           it->second.retry_count, now);
      u.retry = d.retry;
      u.next_attempt_at = d.next_attempt_at;
    }
    if (!e.provider_call_id.empty() && it->second.lookup.provider_call_id.empty())
      it->second.lookup.provider_call_id = e.provider_call_id;
    if (item.uncertain_dial) it->second.uncertain_dial = true;
    if (item.recheck && it->second.provider &&
        (it->second.provider->remote() || it->second.foreign))
      rechecks_.emplace(now + options_.recheck_interval, e.attempt_id);
    u.event = std::move(e);
    updates.push_back(std::move(u));
  }
  if (updates.empty()) return Status::Ok();
  auto applied = store_.ApplyCallUpdates(updates, now);
  if (!applied.ok()) {
    // Keep the events for the next step: nothing may be lost.
    std::lock_guard lock(inbox_mu_);
    for (auto& u : updates) {
      InboxItem again{std::move(u.event), u.retry && u.next_attempt_at == now};
      again.no_retry = !u.retry;  // decided already: re-deciding could only add a retry
      inbox_.push_back(std::move(again));
    }
    return applied.status();
  }
  for (const AppliedOutcome& a : *applied) {
    Untrack(a.attempt_id);
    stats_.outcomes++;
    if (a.execution_status == ExecutionStatus::kScheduled) stats_.retries_scheduled++;
  }
  CountOutcomes(updates, *applied);
  return Status::Ok();
}

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
      } else if (work_left && st.in_flight < batches.front()->agent.max_concurrency && !limited_this_step_) {
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
  {
    std::lock_guard lock(inbox_mu_);
    if (!inbox_.empty()) consider(now);
  }
  return next;
}

Status Dispatcher::DispatchAgent(const Agent& agent,
                                 const std::vector<const RunningBatch*>& batches, TimePoint now,
                                 bool* blocked_by_pace, bool* work_left) {
  AgentState& st = agents_[agent.id];
  if (st.backoff_until && now < *st.backoff_until) return Status::Ok();
  if (st.pacer.rate() != agent.calls_per_second) st.pacer.SetRate(agent.calls_per_second);
  int64_t budget =
      std::min<int64_t>(agent.max_concurrency - st.in_flight, options_.max_claim_per_step);
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

Status Dispatcher::Dial(const RunningBatch& rb, std::vector<Execution>& claimed, TimePoint now,
                        int64_t* dialed) {
  const Batch& batch = rb.batch;
  const Agent& agent = rb.agent;
  AgentState& st = agents_[agent.id];

  std::vector<std::string> numbers;
  numbers.reserve(claimed.size());
  for (const auto& e : claimed) numbers.push_back(e.contact_number);
  auto listed = store_.FilterDoNotCall(batch.account_id, numbers);
  if (!listed.ok()) return listed.status();
  std::unordered_set<std::string> dnc(listed->begin(), listed->end());

  std::vector<std::pair<std::string, std::string>> cancels;
  std::vector<std::pair<std::string, TimePoint>> reschedules;
  std::vector<AttemptStart> starts;
  std::unordered_map<std::string, const Execution*> by_id;
  const auto& from_pool =
      batch.from_phone_numbers.empty() ? agent.from_phone_numbers : batch.from_phone_numbers;
  for (const Execution& e : claimed) {
    if (dnc.count(e.contact_number)) {
      cancels.emplace_back(e.id, "not called: " + e.contact_number + " is on the do-not-call list");
      continue;
    }
    if (agent.calling_guardrails && !batch.bypass_call_guardrails) {
      WindowDecision w = EvaluateCallingWindow(*agent.calling_guardrails, e.contact_number, now);
      if (!w.open) {
        reschedules.emplace_back(e.id, w.next_open);
        continue;
      }
    }
    AttemptStart s;
    s.attempt_id = NewUuid();
    s.execution_id = e.id;
    s.idempotency_key = s.attempt_id;
    s.from_number = from_pool.empty() ? "" : from_pool[st.from_rr++ % from_pool.size()];
    s.attempt_number = e.retry_count + 1;
    starts.push_back(s);
    by_id[e.id] = &e;
  }
  if (!cancels.empty()) {
    BC_RETURN_IF_ERROR(store_.CancelExecutions(cancels, options_.worker_id, now));
    stats_.canceled_dnc += static_cast<int64_t>(cancels.size());
  }
  if (!reschedules.empty()) {
    BC_RETURN_IF_ERROR(store_.RescheduleExecutions(reschedules, options_.worker_id, now));
    stats_.rescheduled_outside_hours += static_cast<int64_t>(reschedules.size());
    metrics::App().rescheduled.Inc(static_cast<double>(reschedules.size()));
  }
  if (starts.empty()) return Status::Ok();

  auto begun = options_.shared_store
                   ? store_.BeginAttemptsLimited(
                         starts, options_.worker_id, now,
                         DialLimits{agent.id, agent.max_concurrency, agent.calls_per_second})
                   : store_.BeginAttempts(starts, options_.worker_id, now);
  if (!begun.ok()) return begun.status();
  if (begun->size() < starts.size()) {
    // Refused: the batch was stopped or paused meanwhile, or (many nodes) the
    // agent's limits are used up by other nodes.
    if (options_.shared_store) {
      limited_this_step_ = true;
      stats_.limited += static_cast<int64_t>(starts.size() - begun->size());
    }
  }
  std::unordered_set<std::string> ok(begun->begin(), begun->end());
  auto provider = providers_.ForAgent(agent);
  metrics::Counter& dials_metric = metrics::App().DialsFor(agent.name);
  // A local provider that cannot place calls: this and every later start of
  // the step end "not placed" and are requeued.
  std::optional<Status> not_placed;
  if (!provider.ok() && provider.status().code() == StatusCode::kUnavailable) not_placed = provider.status();
  bool placed_any = false;

  std::vector<std::pair<std::string, std::string>> call_ids;
  std::vector<InboxItem> failures;
  for (const AttemptStart& s : starts) {
    if (!ok.count(s.attempt_id)) continue;  // batch stopped or paused meanwhile
    const Execution& e = *by_id[s.execution_id];
    Live live;
    live.execution_id = e.id;
    live.agent_id = agent.id;
    live.account_id = batch.account_id;
    live.batch_id = batch.id;
    live.retry_count = e.retry_count;
    live.provider = provider.ok() ? *provider : nullptr;
    live.lookup =
        CallLookup{s.attempt_id, s.idempotency_key, "", e.contact_number, s.from_number, now};
    Track(s.attempt_id, std::move(live));
    ++*dialed;
    stats_.dials++;
    dials_metric.Inc();
    CallUpdate failure;
    failure.event.attempt_id = s.attempt_id;
    failure.event.idempotency_key = s.idempotency_key;
    failure.event.at = now;
    if (not_placed) {
      failure.event.status = ExecutionStatus::kError;
      failure.event.error_message = "not placed: " + not_placed->message() + "; requeued";
      InboxItem item{std::move(failure.event), true};
      item.requeue_at = now + options_.not_placed_backoff;
      failures.push_back(std::move(item));
      stats_.not_placed++;
      continue;
    }
    if (!provider.ok()) {
      failure.event.status = ExecutionStatus::kFailed;
      failure.event.error_message = "provider misconfigured: " + provider.status().message();
      failures.push_back(InboxItem{std::move(failure.event), false});
      continue;
    }
    CallRequest req;
    req.agent_id = agent.id;
    req.execution_id = e.id;
    req.attempt_id = s.attempt_id;
    req.idempotency_key = s.idempotency_key;
    req.to = e.contact_number;
    req.from = s.from_number;
    req.welcome_message = agent.welcome_message;
    for (size_t i = 0; i < batch.columns.size(); ++i)
      req.variables.emplace_back(batch.columns[i], i < e.variables.size() ? e.variables[i] : "");
    req.callback_base = options_.callback_base_url;
    Provider* p = *provider;
    if (p->remote() && pool_) {
      bool queued = pool_->Submit([this, p, req = std::move(req), failure]() mutable {
        // Stopping before this dial was sent: nobody was called; dial it again.
        auto call_id = draining_ ? Result<std::string>(Unavailable("never sent")) : p->StartCall(req);
        if (call_id.ok()) {
          std::lock_guard lock(inbox_mu_);
          dialed_ids_.emplace_back(req.attempt_id, *call_id);
          if (wake_) wake_();
          return;
        }
        Push(DialFailure(call_id.status(), std::move(failure.event)));
      });
      if (queued) continue;
      // The pool is stopping: the attempt stays `initiated` and is reconciled at the next start.
      continue;
    }
    auto call_id = p->StartCall(req);
    if (call_id.ok()) {
      call_ids.emplace_back(s.attempt_id, *call_id);
      placed_any = true;
    } else if (call_id.status().code() == StatusCode::kUnavailable) {
      not_placed = call_id.status();
      failure.event.status = ExecutionStatus::kError;
      failure.event.error_message = "not placed: " + not_placed->message() + "; requeued";
      InboxItem item{std::move(failure.event), true};
      item.requeue_at = now + options_.not_placed_backoff;
      failures.push_back(std::move(item));
      stats_.not_placed++;
    } else {
      failures.push_back(DialFailure(call_id.status(), std::move(failure.event)));
    }
  }
  if (not_placed) {
    st.backoff_until = now + options_.not_placed_backoff;
    if (!st.outage) {
      st.outage = true;
      LogError("dials not placed: the agent's provider cannot place calls; its executions are requeued and it "
               "dials again later",
               {{"agent_id", agent.id},
                {"error", not_placed->message()},
                {"retry_in_s", static_cast<int64_t>(options_.not_placed_backoff.count() / 1000)}});
    }
  } else if (placed_any && st.outage) {
    st.outage = false;
    LogInfo("dials placed again", {{"agent_id", agent.id}});
  }
  if (!call_ids.empty()) BC_RETURN_IF_ERROR(store_.SetProviderCallIds(call_ids));
  if (!failures.empty()) {
    std::lock_guard lock(inbox_mu_);
    for (auto& f : failures) inbox_.push_back(std::move(f));
  }
  return Status::Ok();
}

}  // namespace batchcall
