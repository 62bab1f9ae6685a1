#include "store/sqlite/sqlite_db.h"

#include <algorithm>

namespace batchcall::sqlite {

bool WriteGate::Enter(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!busy_ && waiters_.empty()) {
    busy_ = true;
    return true;
  }
  Waiter me;
  waiters_.push_back(&me);
  if (me.cv.wait_for(lock, timeout, [&] { return me.admitted; })) return true;
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
  return false;
}

void WriteGate::Leave() {
  std::lock_guard lock(mu_);
  if (waiters_.empty()) {
    busy_ = false;
    return;
  }
  Waiter* next = waiters_.front();  // busy_ passes to it
  waiters_.pop_front();
  next->admitted = true;
  next->cv.notify_one();
}

}  // namespace batchcall::sqlite
