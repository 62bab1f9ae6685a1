#include "cli/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace batchcall::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

ProgressSnapshot Running() {
  ProgressSnapshot s;
  s.batch_status = "running";
  s.total = 10;
  s.done = 4;
  s.in_flight = 2;
  s.pending = 4;
  s.by_status = {{"busy", 1}, {"queued", 4}, {"completed", 3}, {"ringing", 2}};
  s.elapsed = std::chrono::milliseconds(72'500);
  return s;
}

std::string BarOf(const std::string& line) {
  auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos) return "";
  return line.substr(open + 1, close - open - 1);
}

TEST(ProgressBar, ProportionsAreFlooredPerSegment) {
  EXPECT_EQ(RenderProgressBar(4, 2, 10, 10), "####>>----");
  EXPECT_EQ(RenderProgressBar(1, 1, 3, 10), "###>>>----");  // 3.33 -> 3, 6.66 -> 6
  EXPECT_EQ(RenderProgressBar(0, 0, 10, 5), "-----");
}

TEST(ProgressBar, FullOnlyWhenAllDone) {
  EXPECT_EQ(RenderProgressBar(10, 0, 10, 8), "########");
  // 999 of 1000 never rounds up to a full bar.
  EXPECT_EQ(RenderProgressBar(999, 0, 1000, 10), "#########-");
  EXPECT_EQ(RenderProgressBar(999, 1, 1000, 10), "#########>");
}

TEST(ProgressBar, ZeroTotalNegativeAndOverflowCountsAreClamped) {
  EXPECT_EQ(RenderProgressBar(0, 0, 0, 6), "------");
  EXPECT_EQ(RenderProgressBar(5, 5, 0, 6), "------");
  EXPECT_EQ(RenderProgressBar(12, 3, 10, 10), "##########");  // done > total (racy counts)
  EXPECT_EQ(RenderProgressBar(-3, 20, 10, 10), ">>>>>>>>>>");
  EXPECT_EQ(RenderProgressBar(1, 1, 2, 0), "");
  EXPECT_EQ(RenderProgressBar(1, 1, 2, -4), "");
}

TEST(ProgressLine, WideLineHasEveryPart) {
  std::string line = RenderProgressLine(Running(), 200);
  EXPECT_EQ(line.rfind("running [", 0), 0u) << line;
  EXPECT_THAT(line, HasSubstr("] 40% 4/10 done, 2 in flight, 4 pending"));
  // Per-status counts in lifecycle order, not input order.
  EXPECT_THAT(line, HasSubstr("| queued 4, ringing 2, completed 3, busy 1 |"));
  EXPECT_THAT(line, HasSubstr("| 1:12"));
  std::string bar = BarOf(line);
  EXPECT_EQ(bar.size(), 40u);  // capped
  EXPECT_EQ(std::count(bar.begin(), bar.end(), '#'), 16);
  EXPECT_EQ(std::count(bar.begin(), bar.end(), '>'), 8);
}

TEST(ProgressLine, NeverWiderThanWidthAndDropsPartsInOrder) {
  ProgressSnapshot s = Running();
  const std::string full = RenderProgressLine(s, 500);
  for (int width = 1; width <= 160; ++width) {
    std::string line = RenderProgressLine(s, width);
    EXPECT_LE(static_cast<int>(line.size()), width) << width << ": " << line;
    EXPECT_FALSE(line.empty()) << width;
  }
  // 80 columns: the per-status part goes first; the status and clock stay.
  std::string at80 = RenderProgressLine(s, 80);
  EXPECT_THAT(at80, Not(HasSubstr("ringing")));
  EXPECT_THAT(at80, HasSubstr("running ["));
  EXPECT_THAT(at80, HasSubstr("| 1:12"));
  // Narrower: the batch status goes next.
  std::string at60 = RenderProgressLine(s, 60);
  EXPECT_EQ(at60.rfind("[", 0), 0u) << at60;
  EXPECT_THAT(at60, HasSubstr("4/10 done"));
  // Too narrow for a bar: the counts, cut.
  std::string at20 = RenderProgressLine(s, 20);
  EXPECT_EQ(at20, std::string("40% 4/10 done, 2 in flight, 4 pending").substr(0, 20));
  EXPECT_EQ(RenderProgressLine(s, 0), "");
  EXPECT_EQ(RenderProgressLine(s, -5), "");
}

TEST(ProgressLine, HundredPercentAndZeroTotal) {
  ProgressSnapshot s;
  s.batch_status = "completed";
  s.total = s.done = 7;
  s.by_status = {{"completed", 7}};
  std::string line = RenderProgressLine(s, 100);
  EXPECT_THAT(line, HasSubstr("100% 7/7 done"));
  std::string bar = BarOf(line);
  EXPECT_EQ(bar, std::string(bar.size(), '#'));

  ProgressSnapshot empty;
  std::string zero = RenderProgressLine(empty, 100);
  EXPECT_THAT(zero, HasSubstr("0% 0/0 done, 0 in flight, 0 pending"));
  bar = BarOf(zero);
  EXPECT_EQ(bar, std::string(bar.size(), '-'));
  EXPECT_EQ(zero.rfind("[", 0), 0u);  // no status to show
}

TEST(ProgressPlain, OneSelfContainedLine) {
  EXPECT_EQ(RenderProgressPlain(Running()),
            "[1:12] running: 4/10 done, 2 in flight, 4 pending (queued 4, ringing 2, completed 3, busy 1)");
  ProgressSnapshot s;
  EXPECT_EQ(RenderProgressPlain(s), "[0:00] unknown: 0/0 done, 0 in flight, 0 pending");
}

TEST(OrderStatusCounts, LifecycleOrderUnknownLastZeroDropped) {
  auto ordered = OrderStatusCounts(
      {{"error", 1}, {"zeta", 2}, {"no-answer", 3}, {"prepared", 0}, {"alpha", 1}, {"prepared", 5}, {"busy", 2}});
  std::vector<std::string> names;
  for (const auto& c : ordered) names.push_back(c.status);
  EXPECT_THAT(names, ElementsAre("prepared", "busy", "no-answer", "error", "alpha", "zeta"));
  EXPECT_EQ(ordered[0].count, 5);
}

TEST(SummaryTable, CountsTotalAndElapsed) {
  ProgressSnapshot s;
  s.batch_status = "completed";
  s.total = 7;
  s.done = 7;
  s.by_status = {{"no-answer", 1}, {"completed", 5}, {"busy", 1}};
  s.elapsed = std::chrono::milliseconds(65'000);
  EXPECT_EQ(RenderSummaryTable(s),
            "status     count\n"
            "completed      5\n"
            "busy           1\n"
            "no-answer      1\n"
            "total          7\n"
            "elapsed     1:05\n");
}

TEST(SnapshotFromBatchJson, ReadsTheApiShape) {
  auto j = nlohmann::json::parse(R"({"batch_id": "b", "status": "running",
      "execution_status": {"queued": 3, "completed": 2, "initiated": 1},
      "progress": {"pending": 3, "in_flight": 1, "done": 2, "total": 6}})");
  ProgressSnapshot s = SnapshotFromBatchJson(j, std::chrono::milliseconds(1500));
  EXPECT_EQ(s.batch_status, "running");
  EXPECT_EQ(s.total, 6);
  EXPECT_EQ(s.done, 2);
  EXPECT_EQ(s.in_flight, 1);
  EXPECT_EQ(s.pending, 3);
  EXPECT_EQ(s.by_status.size(), 3u);
  EXPECT_EQ(s.elapsed.count(), 1500);

  ProgressSnapshot bare = SnapshotFromBatchJson(nlohmann::json::parse(R"({"progress": null})"),
                                                std::chrono::milliseconds(0));
  EXPECT_EQ(bare.total, 0);
  EXPECT_TRUE(bare.batch_status.empty());
  EXPECT_TRUE(SnapshotFromBatchJson(nlohmann::json::array(), {}).by_status.empty());
}

}  // namespace
}  // namespace batchcall::cli
