#include "engine/dispatcher.h"

#include <algorithm>
#include <unordered_map>

#include "engine/retry_policy.h"

namespace batchcall {

void Dispatcher::Track(const std::string& attempt_id, LiveCall live) {
  live_.Track(attempt_id, std::move(live));
  metrics_.SetCallsInFlight(static_cast<int64_t>(live_.size()));
}

void Dispatcher::Untrack(const std::string& attempt_id) {
  if (!live_.Untrack(attempt_id)) return;
  metrics_.SetCallsInFlight(static_cast<int64_t>(live_.size()));
}

void Dispatcher::Check(const std::string& attempt_id, CheckReason reason, TimePoint now) {
  const LiveCall* found = live_.Find(attempt_id);
  if (!found) return;
  LiveCall live = *found;
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
  for (const LiveCalls::DueCheck& due : live_.TakeDue(now)) {
    if (due.reason == CheckReason::kTimeout) stats_.timed_out++;
    Check(due.attempt_id, due.reason, now);
  }
  return live_.NextDue();
}

std::optional<RetryConfig> Dispatcher::RetryConfigFor(const LiveCall& live) {
  auto it = batches_.find(live.batch_id);
  if (it != batches_.end()) return EffectiveRetryConfig(it->second.batch, it->second.agent);
  auto batch = store_.GetBatch(live.account_id, live.batch_id);
  auto agent = store_.GetAgent(live.account_id, live.agent_id);
  if (!batch.ok() || !agent.ok()) return std::nullopt;
  return EffectiveRetryConfig(*batch, *agent);
}

namespace {

// Reports every closed attempt with its final status.
void CountOutcomes(const std::vector<CallUpdate>& updates, const std::vector<AppliedOutcome>& applied,
                   EngineMetrics& metrics) {
  std::unordered_map<std::string_view, ExecutionStatus> outcome_of;
  for (const CallUpdate& u : updates)
    if (IsOutcome(u.event)) outcome_of[u.event.attempt_id] = u.event.status;
  for (const AppliedOutcome& a : applied) {
    auto it = outcome_of.find(a.attempt_id);
    std::string_view status = it == outcome_of.end() ? std::string_view("unknown") : ToString(it->second);
    metrics.CallEnded(status, a.execution_status == ExecutionStatus::kScheduled);
  }
}

}  // namespace

Status Dispatcher::RecordEvents(TimePoint now) {
  std::vector<InboxItem> items;
  std::vector<DialedCallId> call_ids;
  inbox_.TakeAll(&items, &call_ids);
  if (!call_ids.empty()) {
    Status stored = store_.SetProviderCallIds(call_ids);
    if (!stored.ok()) {
      inbox_.PutBack(std::move(call_ids), std::move(items));
      return stored;
    }
    for (const auto& [attempt_id, call_id] : call_ids) {
      if (LiveCall* live = live_.Find(attempt_id)) live->lookup.provider_call_id = call_id;
    }
  }
  if (items.empty()) return Status::Ok();
  std::vector<CallUpdate> updates;
  updates.reserve(items.size());
  for (InboxItem& item : items) {
    CallEvent& e = item.event;
    LiveCall* live = live_.Find(e.attempt_id);
    if (!live) {
      // One process: closed already (a duplicate or late event). Many nodes:
      // the attempt may be another node's (the callback reached this one).
      if (!options_.shared_store) continue;
      auto foreign = ForeignUpdate(std::move(e), item.disposition, now);
      if (!foreign.ok()) return foreign.status();
      if (*foreign) updates.push_back(std::move(**foreign));
      continue;
    }
    CallUpdate u;
    const InboxDisposition d = item.disposition;
    if (d == InboxDisposition::kRequeue) {
      u.retry = true;
      u.next_attempt_at = std::max(now, item.requeue_at.value_or(now));
    } else if (IsOutcome(e) && d != InboxDisposition::kCloseNoRetry) {
      auto d = DecideRetry(RetryConfigFor(*live), e.status, e.answered_by_voice_mail,
                           live->retry_count, now);
      u.retry = d.retry;
      u.next_attempt_at = d.next_attempt_at;
    }
    if (!e.provider_call_id.empty() && live->lookup.provider_call_id.empty())
      live->lookup.provider_call_id = e.provider_call_id;
    if (d == InboxDisposition::kRecheckUncertain) live->uncertain_dial = true;
    const bool recheck = d == InboxDisposition::kRecheck || d == InboxDisposition::kRecheckUncertain;
    if (recheck && live->provider &&
        (live->provider->remote() || live->foreign))
      live_.ScheduleRecheck(now + options_.recheck_interval, e.attempt_id);
    u.never_placed = item.never_placed && IsOutcome(e);
    u.event = std::move(e);
    updates.push_back(std::move(u));
  }
  if (updates.empty()) return Status::Ok();
  auto applied = store_.ApplyCallUpdates(updates, now);
  if (!applied.ok()) {
    // Keep the events for the next step: nothing may be lost.
    std::vector<InboxItem> again;
    again.reserve(updates.size());
    for (auto& u : updates) {
      // Decided already: re-deciding could only add a retry.
      InboxDisposition d = !u.retry                     ? InboxDisposition::kCloseNoRetry
                           : u.next_attempt_at == now ? InboxDisposition::kRequeue
                                                      : InboxDisposition::kRecord;
      InboxItem item{std::move(u.event), d};
      item.never_placed = u.never_placed;
      again.push_back(std::move(item));
    }
    inbox_.PutBack({}, std::move(again));
    return applied.status();
  }
  for (const AppliedOutcome& a : *applied) {
    Untrack(a.attempt_id);
    stats_.outcomes++;
    if (a.execution_status == ExecutionStatus::kScheduled) stats_.retries_scheduled++;
  }
  CountOutcomes(updates, *applied, metrics_);
  return Status::Ok();
}

}  // namespace batchcall
