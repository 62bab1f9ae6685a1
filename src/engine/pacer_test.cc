#include "engine/pacer.h"

#include <gtest/gtest.h>

#include <deque>

namespace batchcall {
namespace {

using std::chrono::milliseconds;

// Dials greedily for `duration` on a simulated clock that jumps to each
// NextAvailable(); returns every dial instant.
std::vector<TimePoint> Drive(Pacer& p, TimePoint start, milliseconds duration) {
  std::vector<TimePoint> dials;
  TimePoint now = start;
  while (now < start + duration) {
    int n = p.Available(now);
    p.Consume(now, n);
    for (int i = 0; i < n; ++i) dials.push_back(now);
    auto next = p.NextAvailable(now);
    now = next ? *next : now + milliseconds(1);
  }
  return dials;
}

// Largest number of dials in any half-open window [t, t + 1 s).
size_t MaxInAnySecond(const std::vector<TimePoint>& dials) {
  size_t best = 0, lo = 0;
  for (size_t hi = 0; hi < dials.size(); ++hi) {
    while (dials[hi] - dials[lo] >= milliseconds(1000)) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

TEST(Pacer, NeverMoreThanRateInAnySecondAndFullyUsed) {
  for (double rate : {1.0, 2.0, 5.0, 10.0, 50.0, 200.0}) {
    Pacer p(rate);
    TimePoint t0 = FromUnixMillis(1'000'000);
    auto dials = Drive(p, t0, milliseconds(60'000));
    EXPECT_LE(MaxInAnySecond(dials), static_cast<size_t>(rate)) << rate;
    double achieved = dials.size() / 60.0;
    EXPECT_NEAR(achieved, rate, rate * 0.01 + 1.0 / 60) << rate;
  }
}

TEST(Pacer, FractionalRatesAreSpaced) {
  Pacer p(0.5);
  TimePoint t0 = FromUnixMillis(0);
  auto dials = Drive(p, t0, milliseconds(20'000));
  ASSERT_GE(dials.size(), 10u);
  for (size_t i = 1; i < dials.size(); ++i) EXPECT_GE(dials[i] - dials[i - 1], milliseconds(2000));
  Pacer q(2.5);
  auto more = Drive(q, t0, milliseconds(60'000));
  EXPECT_LE(MaxInAnySecond(more), 2u);
}

TEST(Pacer, SmoothNotBursty) {
  Pacer p(100);
  auto dials = Drive(p, FromUnixMillis(0), milliseconds(10'000));
  // 5 tokens of bucket: never more than 5 dials at one instant.
  size_t run = 1, worst = 1;
  for (size_t i = 1; i < dials.size(); ++i) {
    run = dials[i] == dials[i - 1] ? run + 1 : 1;
    worst = std::max(worst, run);
  }
  EXPECT_LE(worst, 5u);
}

TEST(Pacer, UnpacedIsUnlimited) {
  Pacer p(0);
  TimePoint t = FromUnixMillis(0);
  EXPECT_GT(p.Available(t), 1'000'000);
  p.Consume(t, 1000);
  EXPECT_FALSE(p.NextAvailable(t).has_value());
}

TEST(Pacer, IdleTimeDoesNotBankABurst) {
  Pacer p(10);
  TimePoint t = FromUnixMillis(0);
  EXPECT_EQ(p.Available(t), 1);
  // After an hour idle, still at most the bucket (1 dial for 10/s), not 36,000.
  t += milliseconds(3'600'000);
  EXPECT_EQ(p.Available(t), 1);
}

TEST(Pacer, RateChangeTakesEffect) {
  Pacer p(1);
  TimePoint t = FromUnixMillis(0);
  p.Consume(t, p.Available(t));
  EXPECT_EQ(p.Available(t + milliseconds(500)), 0);
  p.SetRate(100);
  auto next = p.NextAvailable(t + milliseconds(500));
  EXPECT_TRUE(!next || *next <= t + milliseconds(1000));
}

}  // namespace
}  // namespace batchcall
