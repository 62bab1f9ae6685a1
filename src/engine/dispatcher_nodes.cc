#include "engine/dispatcher.h"

#include "base/log.h"
#include "engine/retry_policy.h"

namespace batchcall {

void Dispatcher::TrackAdopted(const std::vector<OpenAttempt>& open, TimePoint now, bool foreign) {
  for (const OpenAttempt& o : open) {
    if (live_.Contains(o.attempt.id)) continue;
    LiveCall live;
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
    auto closed = store_.FilterClosedAttempts(live_.Ids());
    if (!closed.ok()) return closed.status();
    for (const std::string& id : *closed) {
      Untrack(id);
      stats_.outcomes++;
    }
  }
  return Status::Ok();
}

Result<std::optional<CallUpdate>> Dispatcher::ForeignUpdate(CallEvent event, InboxDisposition disposition,
                                                            TimePoint now) {
  auto found = store_.FindAttempt(event.attempt_id);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return std::optional<CallUpdate>();
    return found.status();
  }
  if (found->closed) return std::optional<CallUpdate>();
  CallUpdate u;
  if (disposition == InboxDisposition::kRequeue) {
    u.retry = true;
    u.next_attempt_at = now;
    u.never_placed = IsOutcome(event);
  } else if (IsOutcome(event) && disposition != InboxDisposition::kCloseNoRetry) {
    LiveCall live;
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

}  // namespace batchcall
