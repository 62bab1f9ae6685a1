#include "engine/inbox.h"

#include <iterator>

namespace batchcall {

void Inbox::Push(InboxItem item) {
  MutexLock lock(mu_);
  items_.push_back(std::move(item));
  if (wake_) wake_();
}

void Inbox::PushQuietly(std::vector<InboxItem> items) {
  MutexLock lock(mu_);
  for (auto& item : items) items_.push_back(std::move(item));
}

void Inbox::PushCallId(std::string attempt_id, std::string call_id) {
  MutexLock lock(mu_);
  call_ids_.emplace_back(std::move(attempt_id), std::move(call_id));
  if (wake_) wake_();
}

void Inbox::SetWake(std::function<void()> wake) {
  MutexLock lock(mu_);
  wake_ = std::move(wake);
}

void Inbox::TakeAll(std::vector<InboxItem>* items, std::vector<DialedCallId>* call_ids) {
  MutexLock lock(mu_);
  items->swap(items_);
  call_ids->swap(call_ids_);
}

void Inbox::PutBack(std::vector<DialedCallId> call_ids, std::vector<InboxItem> items) {
  MutexLock lock(mu_);
  call_ids_.insert(call_ids_.end(), std::make_move_iterator(call_ids.begin()),
                   std::make_move_iterator(call_ids.end()));
  items_.insert(items_.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
}

bool Inbox::Empty() const {
  MutexLock lock(mu_);
  return items_.empty();
}

}  // namespace batchcall
