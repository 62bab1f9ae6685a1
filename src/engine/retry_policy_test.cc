#include "engine/retry_policy.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

using E = ExecutionStatus;
using std::chrono::minutes;

RetryConfig Config() {
  RetryConfig c;
  c.enabled = true;
  c.max_retries = 3;
  c.retry_on_statuses = {E::kNoAnswer, E::kBusy};
  c.retry_intervals_minutes = {30, 60};
  return c;
}

TEST(RetryPolicy, RetriesListedStatusesWithIntervalsLastRepeating) {
  TimePoint now = FromUnixMillis(0);
  auto d = DecideRetry(Config(), E::kNoAnswer, false, 0, now);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.next_attempt_at, now + minutes(30));
  EXPECT_EQ(DecideRetry(Config(), E::kBusy, false, 1, now).next_attempt_at, now + minutes(60));
  EXPECT_EQ(DecideRetry(Config(), E::kBusy, false, 2, now).next_attempt_at, now + minutes(60));
  EXPECT_FALSE(DecideRetry(Config(), E::kBusy, false, 3, now).retry);  // max_retries reached
}

TEST(RetryPolicy, OtherOutcomesAreFinal) {
  TimePoint now = FromUnixMillis(0);
  EXPECT_FALSE(DecideRetry(Config(), E::kFailed, false, 0, now).retry);
  EXPECT_FALSE(DecideRetry(Config(), E::kCompleted, false, 0, now).retry);
  EXPECT_FALSE(DecideRetry(Config(), E::kCanceled, false, 0, now).retry);
}

TEST(RetryPolicy, VoicemailOnlyWhenAsked) {
  TimePoint now = FromUnixMillis(0);
  EXPECT_FALSE(DecideRetry(Config(), E::kCompleted, true, 0, now).retry);
  RetryConfig c = Config();
  c.retry_on_voicemail = true;
  EXPECT_TRUE(DecideRetry(c, E::kCompleted, true, 0, now).retry);
}

TEST(RetryPolicy, DisabledOrMissingNeverRetries) {
  TimePoint now = FromUnixMillis(0);
  RetryConfig c = Config();
  c.enabled = false;
  EXPECT_FALSE(DecideRetry(c, E::kNoAnswer, false, 0, now).retry);
  EXPECT_FALSE(DecideRetry(std::nullopt, E::kNoAnswer, false, 0, now).retry);
  c = Config();
  c.max_retries = 0;
  EXPECT_FALSE(DecideRetry(c, E::kNoAnswer, false, 0, now).retry);
}

TEST(RetryPolicy, BatchConfigWinsOverAgent) {
  Batch b;
  Agent a;
  a.retry_config = Config();
  EXPECT_EQ(EffectiveRetryConfig(b, a)->max_retries, 3);
  RetryConfig mine = Config();
  mine.max_retries = 1;
  b.retry_config = mine;
  EXPECT_EQ(EffectiveRetryConfig(b, a)->max_retries, 1);
}

}  // namespace
}  // namespace batchcall
