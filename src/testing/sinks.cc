#include "testing/sinks.h"

namespace batchcall::test {

void RecordingSink::OnCallEvent(CallEvent e) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(e));
}

std::vector<CallEvent> RecordingSink::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<CallEvent> RecordingSink::ForKey(const std::string& key) const {
  std::lock_guard lock(mu_);
  std::vector<CallEvent> out;
  for (const CallEvent& e : events_)
    if (e.idempotency_key == key) out.push_back(e);
  return out;
}

size_t RecordingSink::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace batchcall::test
