// CallEventSinks for tests: RecordingSink keeps every event a provider
// reports; ForwardSink passes them to another sink that can be replaced (a
// test "restarting" the dispatcher under live providers).
//
// RecordingSink is thread-safe (providers report from their own threads).
// ForwardSink's target is set by the test while no provider reports.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "telephony/provider.h"

namespace batchcall::test {

class RecordingSink final : public CallEventSink {
 public:
  void OnCallEvent(CallEvent e) override;
  // Every event so far, in arrival order.
  std::vector<CallEvent> Events() const;
  // The events whose idempotency_key is `key`, in arrival order.
  std::vector<CallEvent> ForKey(const std::string& key) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<CallEvent> events_;
};

struct ForwardSink final : CallEventSink {
  void OnCallEvent(CallEvent e) override {
    if (target != nullptr) target->OnCallEvent(std::move(e));
  }
  CallEventSink* target = nullptr;  // events are dropped while unset
};

}  // namespace batchcall::test
