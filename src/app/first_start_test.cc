#include "app/first_start.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

NextStepsInput Input() {
  NextStepsInput in;
  in.listen = "127.0.0.1:8080";
  in.port = 8080;
  in.key = "bc_0123";
  in.binary = "build/release/batchcall";
  in.demo_file = "data/demo_contacts.csv";
  in.demo_agent_id = "a1b2";
  return in;
}

TEST(NextStepsTest, ThreeLinesWithThePrintedKey) {
  auto lines = NextSteps(Input());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "Dashboard: http://127.0.0.1:8080/ (sign in with the API key)");
  EXPECT_EQ(lines[1], "API key:   bc_0123 (printed above; keep it safe)");
  EXPECT_EQ(lines[2],
            "Demo:      BATCHCALL_API_KEY=bc_0123 build/release/batchcall batch run data/demo_contacts.csv "
            "--agent a1b2 --at now --wait");
}

TEST(NextStepsTest, OtherPortAddsServerAndWildcardHostIsLoopback) {
  auto in = Input();
  in.listen = "0.0.0.0:0";
  in.port = 9000;
  auto lines = NextSteps(in);
  EXPECT_EQ(lines[0], "Dashboard: http://127.0.0.1:9000/ (sign in with the API key)");
  EXPECT_NE(lines[2].find(" --server http://127.0.0.1:9000"), std::string::npos) << lines[2];
}

TEST(NextStepsTest, KeyInAFileOrTheEnvironment) {
  auto in = Input();
  in.key_source = KeySource::kFile;
  in.key_file = "/var/lib/batch call/first-api-key";
  auto lines = NextSteps(in);
  EXPECT_EQ(lines[1], "API key:   in /var/lib/batch call/first-api-key (mode 0600)");
  EXPECT_EQ(lines[2].rfind("Demo:      BATCHCALL_API_KEY=$(cat '/var/lib/batch call/first-api-key') ", 0), 0u)
      << lines[2];
  in.key_source = KeySource::kEnvironment;
  lines = NextSteps(in);
  EXPECT_EQ(lines[1].rfind("API key:   the one in BATCHCALL_API_KEY", 0), 0u);
  EXPECT_EQ(lines[2].rfind("Demo:      build/release/batchcall batch run", 0), 0u) << lines[2];
  EXPECT_EQ(lines[2].find("bc_0123"), std::string::npos);
}

TEST(NextStepsTest, Ipv6ListenAddress) {
  EXPECT_EQ(DashboardUrl("[::1]:8080", 8080), "http://[::1]:8080/");
  EXPECT_EQ(DashboardUrl("[::]:8080", 8080), "http://127.0.0.1:8080/");
}

TEST(ShortPathTest, RelativeOnlyUnderTheWorkingDirectory) {
  EXPECT_EQ(ShortPath("/work/main/build/release/batchcall", "/work/main"), "build/release/batchcall");
  EXPECT_EQ(ShortPath("/usr/bin/batchcall", "/work/main"), "/usr/bin/batchcall");
  EXPECT_EQ(ShortPath("/work/mainline/x", "/work/main"), "/work/mainline/x");
  EXPECT_EQ(ShortPath("data/x.csv", "/work/main"), "data/x.csv");
}

TEST(DemoContactsTest, EmbeddedFileHasTheHeaderAndEightRows) {
  std::string_view csv = DemoContactsCsv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "contact_number,first_name,last_name,appointment_day");
  size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, 9u);
}

}  // namespace
}  // namespace batchcall
