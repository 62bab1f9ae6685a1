// SpoolDir: stale upload files of dead servers are removed at start, live
// ones of servers sharing the directory are not (issue 13, finding 7).
#include "http/spool_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace batchcall {
namespace {
namespace fs = std::filesystem;

class SpoolDirTest : public ::testing::Test {
 protected:
  static void Write(const fs::path& file, const std::string& text = "x,y\n") { std::ofstream(file) << text; }
  // Every batchcall-upload-* file under the parent.
  int UploadFiles() const {
    int n = 0;
    for (const auto& e : fs::recursive_directory_iterator(parent_)) {
      n += e.path().filename().string().rfind("batchcall-upload-", 0) == 0;
    }
    return n;
  }

  test::TempDir temp_{"bc-spool-test-"};
  const fs::path parent_ = temp_.path() / "data";  // not created: the tests do
};

TEST_F(SpoolDirTest, CreatesALockedDirectoryAndRemovesItWhenDone) {
  std::string path;
  {
    auto spool = SpoolDir::Claim(parent_.string());
    ASSERT_TRUE(spool.ok()) << spool.status().ToString();
    path = (*spool)->path();
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_EQ(fs::path(path).parent_path(), parent_);
    EXPECT_TRUE(fs::exists(path + ".lock"));
    EXPECT_EQ((*spool)->swept().files, 0);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".lock"));
}

// What kill -9 leaves: a directory whose lock nobody holds any more.
TEST_F(SpoolDirTest, RemovesWhatADeadServerLeft) {
  fs::create_directories(parent_ / "spool-dead");
  Write(parent_ / "spool-dead.lock", "");
  Write(parent_ / "spool-dead" / "batchcall-upload-aaaa.part", std::string(1000, 'z'));
  Write(parent_ / "spool-dead" / "batchcall-upload-bbbb.part");
  fs::create_directories(parent_ / "spool-nolock");  // its lock file went first
  Write(parent_ / "spool-nolock" / "batchcall-upload-cccc.part");
  Write(parent_ / "unrelated.txt");
  auto spool = SpoolDir::Claim(parent_.string());
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->swept().files, 3);
  EXPECT_EQ((*spool)->swept().directories, 2);
  EXPECT_GE((*spool)->swept().bytes, 1000u);
  EXPECT_FALSE(fs::exists(parent_ / "spool-dead"));
  EXPECT_FALSE(fs::exists(parent_ / "spool-dead.lock"));
  EXPECT_FALSE(fs::exists(parent_ / "spool-nolock"));
  EXPECT_TRUE(fs::exists(parent_ / "unrelated.txt"));
  EXPECT_EQ(UploadFiles(), 0);
}

// Two servers sharing the parent: the second one's start leaves the first
// one's live upload alone, and after the first dies (its lock released
// without cleanup) the next start removes it.
TEST_F(SpoolDirTest, LiveServersKeepTheirFiles) {
  auto first = SpoolDir::Claim(parent_.string());
  ASSERT_TRUE(first.ok());
  Write(fs::path((*first)->path()) / "batchcall-upload-live.part");
  auto second = SpoolDir::Claim(parent_.string());
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*first)->path(), (*second)->path());
  EXPECT_EQ((*second)->swept().files, 0);
  EXPECT_TRUE(fs::exists(fs::path((*first)->path()) / "batchcall-upload-live.part"));

  // Simulate the first server's death: a copy of its files and an unheld lock.
  const std::string dead = (parent_ / "spool-0123456789abcdef").string();
  fs::create_directories(dead);
  Write(fs::path(dead) / "batchcall-upload-x.part");
  {
    int fd = ::open((dead + ".lock").c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    auto third = SpoolDir::Claim(parent_.string());  // held: left alone
    ASSERT_TRUE(third.ok());
    EXPECT_TRUE(fs::exists(dead));
    ::close(fd);  // the process is gone
  }
  auto fourth = SpoolDir::Claim(parent_.string());
  ASSERT_TRUE(fourth.ok());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_EQ((*fourth)->swept().files, 1);
  EXPECT_TRUE(fs::exists(fs::path((*first)->path()) / "batchcall-upload-live.part"));
}

// Versions before the lock spooled straight into the parent.
TEST_F(SpoolDirTest, LooseFilesOfOlderVersionsGoWhenOld) {
  fs::create_directories(parent_);
  Write(parent_ / "batchcall-upload-old.part");
  Write(parent_ / "batchcall-upload-new.part");
  fs::last_write_time(parent_ / "batchcall-upload-old.part",
                      fs::file_time_type::clock::now() - std::chrono::hours(2));
  auto spool = SpoolDir::Claim(parent_.string());
  ASSERT_TRUE(spool.ok());
  EXPECT_FALSE(fs::exists(parent_ / "batchcall-upload-old.part"));
  EXPECT_TRUE(fs::exists(parent_ / "batchcall-upload-new.part"));
  EXPECT_EQ((*spool)->swept().files, 1);
}

TEST_F(SpoolDirTest, UncreatableParentIsInvalidArgument) {
  fs::create_directories(parent_);
  Write(parent_ / "file");
  auto spool = SpoolDir::Claim((parent_ / "file" / "tmp").string());
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spool.status().message().find("file/tmp"), std::string::npos) << spool.status().message();
}

}  // namespace
}  // namespace batchcall
