#include "base/job_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace batchcall {
namespace {

TEST(JobThread, RunsJobsInOrderOneAtATime) {
  std::vector<int> order;
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  {
    JobThread jobs;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(jobs.Start([&, i] {
                        most = std::max(most.load(), ++running);
                        order.push_back(i);  // only the job thread touches it while a job runs
                        --running;
                        return Status::Ok();
                      }).ok());
    }
    EXPECT_TRUE(jobs.Wait().ok());
    ASSERT_EQ(order.size(), 50u);
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
  EXPECT_EQ(most.load(), 1);
}

TEST(JobThread, TheFirstFailureSticksAndLaterJobsDoNotRun) {
  JobThread jobs;
  int ran = 0;
  ASSERT_TRUE(jobs.Start([&] {
                    ++ran;
                    return InvalidArgument("disk full");
                  }).ok());
  const Status next = jobs.Start([&] {
    ++ran;
    return Status::Ok();
  });
  EXPECT_FALSE(next.ok());
  EXPECT_EQ(next.message(), "disk full");
  EXPECT_EQ(jobs.Wait().message(), "disk full");
  EXPECT_EQ(ran, 1);
}

TEST(JobThread, StartIfIdleSkipsWhileAJobRuns) {
  JobThread jobs;
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  ASSERT_TRUE(jobs.StartIfIdle([&] {
    while (!release) std::this_thread::yield();
    ++ran;
    return Status::Ok();
  }));
  EXPECT_FALSE(jobs.StartIfIdle([&] {
    ++ran;
    return Status::Ok();
  }));
  release = true;
  EXPECT_TRUE(jobs.Wait().ok());
  EXPECT_TRUE(jobs.StartIfIdle([&] {
    ++ran;
    return Status::Ok();
  }));
  EXPECT_TRUE(jobs.Wait().ok());
  EXPECT_EQ(ran.load(), 2);
}

TEST(JobThread, DestroyedWithoutJobsOrWhileOneRuns) {
  { JobThread idle; }
  std::atomic<bool> done{false};
  {
    JobThread jobs;
    ASSERT_TRUE(jobs.Start([&] {
                      std::this_thread::yield();
                      done = true;
                      return Status::Ok();
                    }).ok());
  }  // the destructor waits for the job
  EXPECT_TRUE(done.load());
}

}  // namespace
}  // namespace batchcall
