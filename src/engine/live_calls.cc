#include "engine/live_calls.h"

namespace batchcall {

void LiveCalls::Track(const std::string& attempt_id, LiveCall call) {
  per_agent_[call.agent_id]++;
  if (call.provider) {
    if (auto timeout = call.provider->outcome_timeout())
      deadlines_.emplace(call.lookup.started_at + *timeout, attempt_id);
  }
  calls_.emplace(attempt_id, std::move(call));
}

bool LiveCalls::Untrack(const std::string& attempt_id) {
  auto it = calls_.find(attempt_id);
  if (it == calls_.end()) return false;
  per_agent_[it->second.agent_id]--;
  calls_.erase(it);
  return true;
}

LiveCall* LiveCalls::Find(const std::string& attempt_id) {
  auto it = calls_.find(attempt_id);
  return it == calls_.end() ? nullptr : &it->second;
}

int64_t LiveCalls::InFlightFor(const std::string& agent_id) const {
  auto it = per_agent_.find(agent_id);
  return it == per_agent_.end() ? 0 : it->second;
}

std::vector<std::string> LiveCalls::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(calls_.size());
  for (const auto& [id, _] : calls_) ids.push_back(id);
  return ids;
}

void LiveCalls::ScheduleRecheck(TimePoint at, const std::string& attempt_id) { rechecks_.emplace(at, attempt_id); }

std::vector<LiveCalls::DueCheck> LiveCalls::TakeDue(TimePoint now) {
  std::vector<DueCheck> due;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::string id = std::move(deadlines_.begin()->second);
    deadlines_.erase(deadlines_.begin());
    auto it = calls_.find(id);
    if (it == calls_.end() || it->second.checking) continue;
    it->second.checking = true;
    due.push_back({std::move(id), CheckReason::kTimeout});
  }
  while (!rechecks_.empty() && rechecks_.begin()->first <= now) {
    std::string id = std::move(rechecks_.begin()->second);
    rechecks_.erase(rechecks_.begin());
    auto it = calls_.find(id);
    if (it == calls_.end() || it->second.checking) continue;
    due.push_back({std::move(id), it->second.uncertain_dial ? CheckReason::kUncertainDial : CheckReason::kRecovery});
  }
  return due;
}

std::optional<TimePoint> LiveCalls::NextDue() const {
  std::optional<TimePoint> next;
  if (!deadlines_.empty()) next = deadlines_.begin()->first;
  if (!rechecks_.empty() && (!next || rechecks_.begin()->first < *next)) next = rechecks_.begin()->first;
  return next;
}

}  // namespace batchcall
