#include "engine/dispatcher.h"

namespace batchcall {

namespace {

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

void Dispatcher::PushUnknownOutcome(CallEvent closing) {
  InboxItem item{std::move(closing), false};
  item.no_retry = true;
  inbox_.Push(std::move(item));
}

void Dispatcher::FinishCheck(const std::string& attempt_id, const LiveCall& live, CheckReason reason,
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
      inbox_.Push(InboxItem{std::move(e), false});
    } else if (reason == CheckReason::kTimeout) {
      closing.error_message = "no result within " + waited +
                              " of dialling (the provider last reported " +
                              std::string(ToString(e.status)) + ")";
      PushUnknownOutcome(std::move(closing));
    } else {
      InboxItem item{std::move(e), false};
      item.recheck = true;  // still going: record how far it got, look again later
      inbox_.Push(std::move(item));
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
      inbox_.Push(InboxItem{std::move(closing), true});
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
    inbox_.Push(UncertainDial(std::move(still)));
  } else if (live.lookup.provider_call_id.empty()) {
    closing.error_message =
        "outcome unknown: the process stopped while dialling and the provider "
        "could not say what happened; not redialled";
    PushUnknownOutcome(std::move(closing));
  }
  // Recovery of a placed call the provider cannot describe: keep waiting for
  // its events (the outcome deadline still applies).
}

}  // namespace batchcall
