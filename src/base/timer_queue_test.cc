#include "base/timer_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace batchcall {
namespace {

using std::chrono::milliseconds;

TEST(ManualTimerQueue, RunsDueCallbacksInOrder) {
  ManualTimerQueue q;
  TimePoint t0 = FromUnixMillis(1'000'000);
  std::vector<int> ran;
  q.At(t0 + milliseconds(20), [&] { ran.push_back(2); });
  q.At(t0 + milliseconds(10), [&] { ran.push_back(1); });
  q.At(t0 + milliseconds(20), [&] { ran.push_back(3); });  // tie: scheduling order
  q.At(t0 + milliseconds(30), [&] { ran.push_back(4); });
  EXPECT_EQ(q.NextDue(), t0 + milliseconds(10));
  EXPECT_EQ(q.RunDue(t0), 0);
  EXPECT_EQ(q.RunDue(t0 + milliseconds(20)), 3);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.pending(), 1u);
}

TEST(ManualTimerQueue, CallbacksMayScheduleMore) {
  ManualTimerQueue q;
  TimePoint t0 = FromUnixMillis(0);
  int count = 0;
  std::function<void()> again = [&] {
    if (++count < 3) q.At(t0, again);
  };
  q.At(t0, again);
  EXPECT_EQ(q.RunDue(t0), 3);
}

TEST(ThreadTimerQueue, FiresOnTheRealClock) {
  SystemClock clock;
  std::atomic<int> fired{0};
  {
    ThreadTimerQueue q(clock);
    q.At(clock.Now() + milliseconds(30), [&] { fired += 10; });
    q.At(clock.Now(), [&] { fired += 1; });
    for (int i = 0; i < 200 && fired.load() != 11; ++i) std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(fired.load(), 11);
}

}  // namespace
}  // namespace batchcall
