#include "engine/dispatcher.h"

#include "engine/reconcile.h"

namespace batchcall {

namespace {

std::string WholeSeconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

LookupAnswer AnswerOf(const Result<CallEvent>& found) {
  if (found.ok()) return IsOutcome(*found) ? LookupAnswer::kOutcome : LookupAnswer::kProgress;
  return found.status().code() == StatusCode::kNotFound ? LookupAnswer::kNotFound : LookupAnswer::kFailed;
}

}  // namespace

void Dispatcher::PushUnknownOutcome(CallEvent closing) {
  inbox_.Push(InboxItem{std::move(closing), InboxDisposition::kCloseNoRetry});
}

void Dispatcher::FinishCheck(const std::string& attempt_id, const LiveCall& live, CheckReason reason,
                             const Result<CallEvent>& found, TimePoint now) {
  AttemptFacts facts;
  facts.reason = reason;
  facts.answer = AnswerOf(found);
  facts.has_call_id = !live.lookup.provider_call_id.empty();
  // A local provider (the simulator) only knows its own process's calls
  // unless its record is shared: for another node's attempt, NotFound is no
  // evidence that nobody was called.
  facts.blind = live.foreign && live.provider && !live.provider->remote();
  const CheckDisposition disposition = Reconcile(facts);

  // What the provider reported, for the dispositions that record it.
  auto reported = [&] {
    CallEvent e = *found;
    e.attempt_id = attempt_id;
    if (e.idempotency_key.empty()) e.idempotency_key = live.lookup.idempotency_key;
    return e;
  };
  CallEvent closing;
  closing.attempt_id = attempt_id;
  closing.idempotency_key = live.lookup.idempotency_key;
  closing.provider_call_id = live.lookup.provider_call_id;
  closing.at = now;
  closing.status = ExecutionStatus::kError;
  std::string waited;
  if (live.provider) {
    if (auto t = live.provider->outcome_timeout()) waited = WholeSeconds(*t);
  }
  switch (disposition) {
    case CheckDisposition::kRecordOutcome:
      inbox_.Push(InboxItem{reported()});
      return;
    case CheckDisposition::kCloseNoResult:
      closing.error_message = "no result within " + waited + " of dialling (the provider last reported " +
                              std::string(ToString(found->status)) + ")";
      PushUnknownOutcome(std::move(closing));
      return;
    case CheckDisposition::kRecordProgress:
      inbox_.Push(InboxItem{reported(), InboxDisposition::kRecheck});
      return;
    case CheckDisposition::kCloseUnknownBlind:
      closing.error_message =
          "outcome unknown: the node that placed this call stopped and its provider "
          "record is not shared with this node; not redialled";
      PushUnknownOutcome(std::move(closing));
      return;
    case CheckDisposition::kRequeueNeverPlaced: {
      closing.error_message = "call was never placed (interrupted before dialling); requeued";
      InboxItem item{std::move(closing), InboxDisposition::kRequeue};
      item.never_placed = true;  // the provider has no such call
      inbox_.Push(std::move(item));
      return;
    }
    case CheckDisposition::kCloseNoRecord:
      closing.error_message = "the provider has no record of call " + live.lookup.provider_call_id;
      PushUnknownOutcome(std::move(closing));
      return;
    case CheckDisposition::kCloseUnreachable:
      closing.error_message = "no result within " + waited +
                              " of dialling, and the provider could not be asked (" + found.status().message() +
                              ")";
      PushUnknownOutcome(std::move(closing));
      return;
    case CheckDisposition::kKeepUncertain: {
      // The dial's answer was lost and the provider cannot tell yet: keep
      // waiting for its events, ask again later (the outcome deadline still applies).
      CallEvent still;
      still.attempt_id = attempt_id;
      still.idempotency_key = live.lookup.idempotency_key;
      still.at = now;
      inbox_.Push(UncertainDial(std::move(still)));
      return;
    }
    case CheckDisposition::kCloseInterrupted:
      closing.error_message =
          "outcome unknown: the process stopped while dialling and the provider "
          "could not say what happened; not redialled";
      PushUnknownOutcome(std::move(closing));
      return;
    case CheckDisposition::kKeepWaiting:
      // A placed call the provider cannot describe: keep waiting for its
      // events (the outcome deadline still applies).
      return;
  }
}

}  // namespace batchcall
