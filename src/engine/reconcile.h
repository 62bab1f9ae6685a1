// Reconcile: the never-dial-twice decision, as a pure function.
//
// The engine looks a live attempt up at its provider after a restart (or an
// adoption from a stopped node), when its outcome deadline passes, and again
// and again after a dial whose answer was lost. What is known then — why it
// looked, what the provider answered, whether a provider call id is stored,
// and whether the provider's record can see the call at all — decides what
// becomes of the attempt. Rows are tried in order; the first match wins:
//
// | # | reason         | provider answered        | call id | blind | disposition           |
// |---|----------------|--------------------------|---------|-------|-----------------------|
// | 1 | any            | an outcome               | any     | any   | kRecordOutcome        |
// | 2 | timeout        | progress (still going)   | any     | any   | kCloseNoResult        |
// | 3 | any            | progress                 | any     | any   | kRecordProgress       |
// | 4 | any            | not found                | any     | yes   | kCloseUnknownBlind    |
// | 5 | any            | not found                | no      | no    | kRequeueNeverPlaced   |
// | 6 | any            | not found                | yes     | no    | kCloseNoRecord        |
// | 7 | timeout        | could not be asked       | any     | any   | kCloseUnreachable     |
// | 8 | uncertain dial | could not be asked       | any     | any   | kKeepUncertain        |
// | 9 | recovery       | could not be asked       | no      | any   | kCloseInterrupted     |
// |10 | recovery       | could not be asked       | yes     | any   | kKeepWaiting          |
//
// "blind": the attempt was adopted from another node and its provider is
// local (the simulator, whose record may not be shared): "not found" there
// is no evidence that nobody was called. "could not be asked" is any Lookup
// failure other than NotFound, and also a provider that cannot be built.
//
// Only row 5 ever dials the execution again: the provider that could see the
// call has no record of it and no call id was stored. Every closing whose
// outcome is unknown (rows 2, 4, 6, 7, 9) bypasses the retry policy, so an
// `error` in retry_on_statuses cannot turn it into a second call. The rows
// are tested one by one in reconcile_test.cc; docs/state_machine.md links here.
//
// Pure and thread-safe.
#pragma once

#include <string_view>

namespace batchcall {

// Why a live attempt is looked up.
// kUncertainDial: a recheck of a dial whose answer was lost; a provider that
// cannot answer yet is asked again later (until the outcome deadline).
enum class CheckReason { kRecovery, kTimeout, kUncertainDial };

// What the provider's Lookup answered.
enum class LookupAnswer {
  kOutcome,   // an event with a final status
  kProgress,  // an event with a status short of final: the call is still going
  kNotFound,  // Lookup returned NotFound
  kFailed,    // any other error, or no provider to ask
};

// What is known about an attempt when its lookup ends.
struct AttemptFacts {
  CheckReason reason = CheckReason::kRecovery;
  LookupAnswer answer = LookupAnswer::kFailed;
  bool has_call_id = false;  // a provider call id is stored for the attempt
  bool blind = false;        // adopted from another node, local provider: NotFound proves nothing
};

enum class CheckDisposition {
  kRecordOutcome,        // record the provider's outcome; the retry policy decides
  kCloseNoResult,        // `error` "no result within ... (last reported X)", never retried
  kRecordProgress,       // record how far it got; look it up again later
  kCloseUnknownBlind,    // `error` "outcome unknown: the node that placed this call stopped ...", never retried
  kRequeueNeverPlaced,   // `error` "call was never placed"; execution requeued now
  kCloseNoRecord,        // `error` "the provider has no record of call ...", never retried
  kCloseUnreachable,     // `error` "no result within ..., the provider could not be asked", never retried
  kKeepUncertain,        // stays open: ask again later (the outcome deadline still applies)
  kCloseInterrupted,     // `error` "outcome unknown: the process stopped while dialling", never retried
  kKeepWaiting,          // stays open, waiting for its events (the outcome deadline still applies)
};

// The first row of the table above that matches `facts`.
CheckDisposition Reconcile(const AttemptFacts& facts);

// True only for the disposition that dials the execution again.
bool DialsAgain(CheckDisposition d);

// The enumerator's name without the k ("RecordOutcome"), for logs and tests.
std::string_view ToString(CheckDisposition d);
std::string_view ToString(CheckReason r);
std::string_view ToString(LookupAnswer a);

}  // namespace batchcall
