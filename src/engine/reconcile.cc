#include "engine/reconcile.h"

namespace batchcall {

CheckDisposition Reconcile(const AttemptFacts& f) {
  using D = CheckDisposition;
  switch (f.answer) {
    case LookupAnswer::kOutcome:
      return D::kRecordOutcome;  // row 1
    case LookupAnswer::kProgress:
      return f.reason == CheckReason::kTimeout ? D::kCloseNoResult : D::kRecordProgress;  // rows 2, 3
    case LookupAnswer::kNotFound:
      if (f.blind) return D::kCloseUnknownBlind;                              // row 4
      return f.has_call_id ? D::kCloseNoRecord : D::kRequeueNeverPlaced;      // rows 6, 5
    case LookupAnswer::kFailed:
      break;
  }
  switch (f.reason) {
    case CheckReason::kTimeout:
      return D::kCloseUnreachable;  // row 7
    case CheckReason::kUncertainDial:
      return D::kKeepUncertain;  // row 8
    case CheckReason::kRecovery:
      break;
  }
  return f.has_call_id ? D::kKeepWaiting : D::kCloseInterrupted;  // rows 10, 9
}

bool DialsAgain(CheckDisposition d) { return d == CheckDisposition::kRequeueNeverPlaced; }

std::string_view ToString(CheckDisposition d) {
  switch (d) {
    case CheckDisposition::kRecordOutcome: return "RecordOutcome";
    case CheckDisposition::kCloseNoResult: return "CloseNoResult";
    case CheckDisposition::kRecordProgress: return "RecordProgress";
    case CheckDisposition::kCloseUnknownBlind: return "CloseUnknownBlind";
    case CheckDisposition::kRequeueNeverPlaced: return "RequeueNeverPlaced";
    case CheckDisposition::kCloseNoRecord: return "CloseNoRecord";
    case CheckDisposition::kCloseUnreachable: return "CloseUnreachable";
    case CheckDisposition::kKeepUncertain: return "KeepUncertain";
    case CheckDisposition::kCloseInterrupted: return "CloseInterrupted";
    case CheckDisposition::kKeepWaiting: return "KeepWaiting";
  }
  return "?";
}

std::string_view ToString(CheckReason r) {
  switch (r) {
    case CheckReason::kRecovery: return "Recovery";
    case CheckReason::kTimeout: return "Timeout";
    case CheckReason::kUncertainDial: return "UncertainDial";
  }
  return "?";
}

std::string_view ToString(LookupAnswer a) {
  switch (a) {
    case LookupAnswer::kOutcome: return "Outcome";
    case LookupAnswer::kProgress: return "Progress";
    case LookupAnswer::kNotFound: return "NotFound";
    case LookupAnswer::kFailed: return "Failed";
  }
  return "?";
}

}  // namespace batchcall
