// Inbox: what the engine thread records at its next step, handed over from
// any thread — provider events, the ends of Lookups, dial failures, and the
// call ids of remote dials that were placed.
//
// Thread-safe: every method may be called from any thread. Items come out in
// the order they went in (PutBack appends after what arrived meanwhile).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "telephony/provider.h"

namespace batchcall {

// Something for the next RecordEvents: an event, or the end of a check.
struct InboxItem {
  CallEvent event;
  bool requeue_now = false;  // outcome `error` that must be dialled again now (never placed)
  std::optional<TimePoint> requeue_at = std::nullopt;  // with requeue_now: not before this (the agent backs off)
  bool recheck = false;      // recovered call still going: look it up again later
  bool no_retry = false;     // closed with its outcome unknown: never dialled again
  bool uncertain_dial = false;  // StartCall answered UnknownOutcome: keep it open, recheck
};

// (attempt id, provider call id) of a remote dial that was placed.
using DialedCallId = std::pair<std::string, std::string>;

class Inbox {
 public:
  // Queues an item and calls the wake callback.
  void Push(InboxItem item);
  // Queues items without waking anyone (the engine thread queues its own).
  void PushQuietly(std::vector<InboxItem> items);
  // Queues a remote dial's call id and calls the wake callback.
  void PushCallId(std::string attempt_id, std::string call_id);
  // Called on every Push (under the lock, so SetWake(nullptr) from another
  // thread is safe once it returns). May be empty.
  void SetWake(std::function<void()> wake);

  // Moves everything queued out, leaving the inbox empty.
  void TakeAll(std::vector<InboxItem>* items, std::vector<DialedCallId>* call_ids);
  // Queues again what could not be stored, after what arrived meanwhile;
  // wakes nobody.
  void PutBack(std::vector<DialedCallId> call_ids, std::vector<InboxItem> items);
  // True when no item (call ids aside) is queued.
  bool Empty() const;

 private:
  mutable std::mutex mu_;
  std::vector<InboxItem> items_;        // guarded by mu_
  std::vector<DialedCallId> call_ids_;  // guarded by mu_
  std::function<void()> wake_;          // guarded by mu_
};

}  // namespace batchcall
