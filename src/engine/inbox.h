// Inbox: what the engine thread records at its next step, handed over from
// any thread — provider events, the ends of Lookups, dial failures, and the
// call ids of remote dials that were placed.
//
// Thread-safe: every method may be called from any thread. Items come out in
// the order they went in (PutBack appends after what arrived meanwhile).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/thread_annotations.h"
#include "telephony/provider.h"

namespace batchcall {

// What RecordEvents does with an item's event.
enum class InboxDisposition {
  kRecord,            // record it; an outcome goes through the retry policy
  kRequeue,           // an `error` whose call was never placed: the execution is dialled again
  kRecheck,           // record how far the call got and look it up again later (still going)
  kRecheckUncertain,  // as kRecheck, for a dial whose answer was lost (StartCall: UnknownOutcome)
  kCloseNoRetry,      // closed with its outcome unknown (or its retry decided already): never retried
};

// Something for the next RecordEvents: an event, or the end of a check.
struct InboxItem {
  CallEvent event;
  InboxDisposition disposition = InboxDisposition::kRecord;
  std::optional<TimePoint> requeue_at = std::nullopt;  // kRequeue: not before this (the agent backs off)
  bool never_placed = false;  // an outcome of a dial no call came of (leaves the dial history)
};

// (attempt id, provider call id) of a remote dial that was placed.
using DialedCallId = std::pair<std::string, std::string>;

class Inbox {
 public:
  // Queues an item and calls the wake callback.
  void Push(InboxItem item) EXCLUDES(mu_);
  // Queues items without waking anyone (the engine thread queues its own).
  void PushQuietly(std::vector<InboxItem> items) EXCLUDES(mu_);
  // Queues a remote dial's call id and calls the wake callback.
  void PushCallId(std::string attempt_id, std::string call_id) EXCLUDES(mu_);
  // Called on every Push (under the lock, so SetWake(nullptr) from another
  // thread is safe once it returns). May be empty.
  void SetWake(std::function<void()> wake) EXCLUDES(mu_);

  // Moves everything queued out, leaving the inbox empty.
  void TakeAll(std::vector<InboxItem>* items, std::vector<DialedCallId>* call_ids) EXCLUDES(mu_);
  // Queues again what could not be stored, after what arrived meanwhile;
  // wakes nobody.
  void PutBack(std::vector<DialedCallId> call_ids, std::vector<InboxItem> items) EXCLUDES(mu_);
  // True when no item (call ids aside) is queued.
  bool Empty() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::vector<InboxItem> items_ GUARDED_BY(mu_);
  std::vector<DialedCallId> call_ids_ GUARDED_BY(mu_);
  std::function<void()> wake_ GUARDED_BY(mu_);
};

}  // namespace batchcall
