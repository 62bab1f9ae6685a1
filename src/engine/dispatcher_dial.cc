#include "engine/dispatcher.h"

#include <map>
#include <unordered_set>

#include "base/ids.h"
#include "base/log.h"
#include "compliance/decider.h"

namespace batchcall {

InboxItem Dispatcher::UncertainDial(CallEvent event) {
  event.status = ExecutionStatus::kInitiated;
  return InboxItem{std::move(event), InboxDisposition::kRecheckUncertain};
}

InboxItem Dispatcher::DialFailure(const Status& status, CallEvent event) const {
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
    InboxItem item{std::move(event), InboxDisposition::kRequeue};
    item.never_placed = true;
    return item;
  }
  if (status.code() == StatusCode::kInvalidArgument) event.status = ExecutionStatus::kFailed;
  event.error_message = "the provider refused the call: " + status.message();
  InboxItem item{std::move(event)};
  item.never_placed = true;
  return item;
}

InboxItem Dispatcher::NotPlaced(const Status& status, CallEvent event, TimePoint now) {
  event.status = ExecutionStatus::kError;
  event.error_message = "not placed: " + status.message() + "; requeued";
  stats_.not_placed++;
  InboxItem item{std::move(event), InboxDisposition::kRequeue, now + options_.not_placed_backoff};
  item.never_placed = true;
  return item;
}

Status Dispatcher::Dial(const RunningBatch& rb, std::vector<Execution>& claimed, TimePoint now,
                        int64_t* dialed) {
  const Batch& batch = rb.batch;
  const Agent& agent = rb.agent;
  AgentState& st = agents_[agent.id];

  std::vector<std::string> numbers;
  numbers.reserve(claimed.size());
  for (const auto& e : claimed) numbers.push_back(e.contact_number);
  // The one decision (compliance/decider.h), shared with the preview.
  BC_ASSIGN_OR_RETURN(auto decisions, decider_.Decide(agent, batch, numbers, now));

  std::vector<ExecutionHold> cancels;
  std::vector<ExecutionHold> reschedules;
  std::vector<AttemptStart> starts;
  std::unordered_map<std::string, const Execution*> by_id;
  const auto& from_pool =
      batch.from_phone_numbers.empty() ? agent.from_phone_numbers : batch.from_phone_numbers;
  for (size_t i = 0; i < claimed.size(); ++i) {
    const Execution& e = claimed[i];
    const Decision& d = decisions[i];
    if (d.verdict == Verdict::kBlocked) {
      cancels.push_back({e.id, d.reason, e.hold_reason, now,
                         "not called: " + e.contact_number + " is on the do-not-call list", e.attempt_count + 1});
      continue;
    }
    if (d.verdict == Verdict::kHeld) {
      reschedules.push_back({e.id, d.reason, e.hold_reason, d.eligible_at, "", e.attempt_count + 1});
      continue;
    }
    AttemptStart s;
    s.attempt_id = NewUuid();
    s.execution_id = e.id;
    s.idempotency_key = s.attempt_id;
    s.from_number = from_pool.empty() ? "" : from_pool[st.from_rr++ % from_pool.size()];
    s.attempt_number = e.retry_count + 1;
    s.limits = d.limits;
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
    metrics_.Rescheduled(static_cast<int64_t>(reschedules.size()));
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
  // A local provider that cannot place calls: this and every later start of
  // the step end "not placed" and are requeued.
  std::optional<Status> not_placed;
  if (!provider.ok() && provider.status().code() == StatusCode::kUnavailable) not_placed = provider.status();
  bool placed_any = false;
  int64_t started = 0;

  std::vector<DialedCallId> call_ids;
  std::vector<InboxItem> failures;
  for (const AttemptStart& s : starts) {
    if (!ok.count(s.attempt_id)) continue;  // batch stopped or paused meanwhile
    const Execution& e = *by_id[s.execution_id];
    LiveCall live;
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
    ++started;
    stats_.dials++;
    CallUpdate failure;
    failure.event.attempt_id = s.attempt_id;
    failure.event.idempotency_key = s.idempotency_key;
    failure.event.at = now;
    if (not_placed) {
      failures.push_back(NotPlaced(*not_placed, std::move(failure.event), now));
      continue;
    }
    if (!provider.ok()) {
      failure.event.status = ExecutionStatus::kFailed;
      failure.event.error_message = "provider misconfigured: " + provider.status().message();
      failures.push_back(InboxItem{std::move(failure.event)});
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
          inbox_.PushCallId(req.attempt_id, *call_id);
          return;
        }
        inbox_.Push(DialFailure(call_id.status(), std::move(failure.event)));
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
      failures.push_back(NotPlaced(*not_placed, std::move(failure.event), now));
    } else {
      failures.push_back(DialFailure(call_id.status(), std::move(failure.event)));
    }
  }
  metrics_.Dialed(agent.name, started);
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
  if (!failures.empty()) inbox_.PushQuietly(std::move(failures));
  return Status::Ok();
}

}  // namespace batchcall
