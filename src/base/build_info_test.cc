#include "base/build_info.h"

#include <gtest/gtest.h>

#include <regex>

namespace batchcall {
namespace {

TEST(BuildInfoTest, VersionIsSemver) {
  EXPECT_TRUE(std::regex_match(std::string(BuildVersion()), std::regex(R"(\d+\.\d+\.\d+)"))) << BuildVersion();
}

TEST(BuildInfoTest, CommitIsAbbreviatedHashOrUnknown) {
  EXPECT_TRUE(std::regex_match(std::string(BuildCommit()), std::regex(R"([0-9a-f]{12}(-dirty)?|unknown)")))
      << BuildCommit();
}

TEST(BuildInfoTest, VersionLineNamesBoth) {
  EXPECT_EQ(BuildVersionLine(),
            "batchcall " + std::string(BuildVersion()) + " (commit " + std::string(BuildCommit()) + ")");
}

}  // namespace
}  // namespace batchcall
