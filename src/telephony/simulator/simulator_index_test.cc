// RecordIndex: catching up with a record, replaced records and indexes.
#include "telephony/simulator/simulator_index.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "telephony/simulator/simulator_plan.h"
#include "telephony/simulator/simulator_record.h"

namespace batchcall::sim {
namespace {

std::string TempRecord(const std::string& name) {
  std::string p = testing::TempDir() + "/simidx_" + name + "_" + std::to_string(::getpid()) + ".jsonl";
  for (const char* suffix : {"", ".index", ".index-wal", ".index-shm"}) std::remove((p + suffix).c_str());
  return p;
}

std::string Placed(std::string_view provider, std::string_view key, int64_t at_ms) {
  Plan plan = MakePlan(SimulatorConfig{}, key);
  std::string id = SimulatorProvider::CallIdFor(key);
  return FormatPlacedLine({provider, key, "att", id, "+15550000001", "+15550000002", "Hi", at_ms, &plan});
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

TEST(RecordIndexTest, CatchUpReadsCompleteLinesOnlyAndWhatWasAppended) {
  const std::string path = TempRecord("catchup");
  Append(path, Placed("a", "k1", 1000) + Placed("b", "k2", 1001) + "not json\n");
  auto index = RecordIndex::Open(path);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  auto upto = (*index)->CatchUp();
  ASSERT_TRUE(upto.ok());
  const int64_t first = *upto;
  EXPECT_GT(first, 0);

  auto k1 = (*index)->Find("k1", "a");
  ASSERT_TRUE(k1.ok() && k1->has_value());
  EXPECT_FALSE((*k1)->ended_ms);
  auto line = (*index)->ReadPlaced(**k1);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->key, "k1");
  EXPECT_EQ(line->at_ms, 1000);
  EXPECT_FALSE((*index)->Find("k1", "b")->has_value());  // another provider's
  EXPECT_TRUE((*index)->Find("k2", "")->has_value());    // no provider: every line

  // A torn line waits until it is whole.
  std::string ended = FormatEndedLine("a", "k1", ExecutionStatus::kCompleted, 5000);
  Append(path, ended.substr(0, 10));
  EXPECT_EQ(*(*index)->CatchUp(), first);
  EXPECT_FALSE((*(*index)->Find("k1", "a"))->ended_ms);
  Append(path, ended.substr(10));
  EXPECT_EQ(*(*index)->CatchUp(), first + static_cast<int64_t>(ended.size()));
  EXPECT_EQ((*(*index)->Find("k1", "a"))->ended_ms, 5000);

  auto open = (*index)->Unfinished("b");
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*index)->ReadPlaced((*open)[0])->key, "k2");
  EXPECT_TRUE((*index)->Unfinished("a")->empty());

  // Reopened (a restart), it goes on from where it stopped.
  index->reset();
  Append(path, Placed("a", "k3", 1002));
  index = RecordIndex::Open(path);
  ASSERT_TRUE(index.ok());
  EXPECT_TRUE((*(*index)->Find("k1", "a"))->ended_ms);  // kept, not read again
  ASSERT_TRUE((*index)->CatchUp().ok());
  EXPECT_TRUE((*index)->Find("k3", "a")->has_value());
}

TEST(RecordIndexTest, AReplacedRecordIsIndexedAgainFromTheStart) {
  const std::string path = TempRecord("replaced");
  Append(path, Placed("a", "old-1", 1) + Placed("a", "old-2", 2));
  {
    auto index = RecordIndex::Open(path);
    ASSERT_TRUE(index.ok() && (*index)->CatchUp().ok());
  }
  std::remove(path.c_str());
  Append(path, Placed("a", "new", 3));
  auto index = RecordIndex::Open(path);
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE((*index)->CatchUp().ok());
  EXPECT_FALSE((*index)->Find("old-1", "a")->has_value());
  auto found = (*index)->Find("new", "a");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*index)->ReadPlaced(**found)->key, "new");
}

TEST(RecordIndexTest, AnIndexThatIsNotADatabaseIsBuiltAgain) {
  const std::string path = TempRecord("garbage");
  Append(path, Placed("a", "k", 1));
  std::ofstream(RecordIndex::PathFor(path)) << std::string(8192, 'x');
  auto index = RecordIndex::Open(path);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  ASSERT_TRUE((*index)->CatchUp().ok());
  EXPECT_TRUE((*index)->Find("k", "a")->has_value());
}

TEST(RecordIndexTest, AnUnopenableIndexIsUnavailableNamingIt) {
  const std::string path = TempRecord("dir");
  Append(path, Placed("a", "k", 1));
  ::mkdir(RecordIndex::PathFor(path).c_str(), 0700);  // a directory where the file should be
  auto index = RecordIndex::Open(path);
  ::rmdir(RecordIndex::PathFor(path).c_str());
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(index.status().message().find(RecordIndex::PathFor(path)), std::string::npos);
}

}  // namespace
}  // namespace batchcall::sim
