#include "base/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <vector>

namespace batchcall {
namespace {

using std::chrono::milliseconds;

// 2026-11-29T03:00:00.123Z
const TimePoint kWhen = FromUnixMillis(1795921200123);

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class LogCapture : public ::testing::Test {
 protected:
  void Init(LogFormat format, LogLevel level) { InitLogging(LogOptions{format, level}, out_); }
  void TearDown() override { InitLogging(LogOptions{}); }
  std::ostringstream out_;
};

TEST(LogFormatTest, ParsesNames) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
  EXPECT_FALSE(ParseLogLevel("").ok());
}

TEST(LogFormatTest, TextLine) {
  EXPECT_EQ(FormatLogEvent(LogFormat::kText, LogLevel::kInfo, kWhen, "batch started",
                           {{"batch_id", "b1"}, {"contacts", 5}, {"paused", false}}),
            "2026-11-29T03:00:00.123Z INFO batch started batch_id=b1 contacts=5 paused=false");
}

TEST(LogFormatTest, TextQuotesAndEscapesValues) {
  EXPECT_EQ(FormatLogEvent(LogFormat::kText, LogLevel::kWarn, kWhen, "line\nbreak",
                           {{"error", "not found: \"x\""}, {"empty", ""}, {"a", "k=v"}}),
            "2026-11-29T03:00:00.123Z WARN line\\nbreak error=\"not found: \\\"x\\\"\" empty=\"\" a=\"k=v\"");
}

TEST(LogFormatTest, JsonLine) {
  std::string line = FormatLogEvent(LogFormat::kJson, LogLevel::kError, kWhen, "say \"hi\"\n\\",
                                    {{"batch_id", "b1"}, {"n", int64_t{7}}, {"ratio", 0.5}, {"ok", true}, {"ctl", "\x01"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-11-29T03:00:00.123Z");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "say \"hi\"\n\\");
  EXPECT_EQ(j["batch_id"], "b1");
  EXPECT_EQ(j["n"], 7);
  EXPECT_EQ(j["ratio"], 0.5);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["ctl"], "\x01");
  // Key order: time, level, msg, then the fields.
  EXPECT_EQ(line.rfind("{\"time\":", 0), 0u);
  EXPECT_LT(line.find("\"msg\""), line.find("\"batch_id\""));
}

TEST(LogFormatTest, JsonSurvivesInvalidUtf8AndReservedKeys) {
  std::string line = FormatLogEvent(LogFormat::kJson, LogLevel::kInfo, kWhen, "bad \xff byte", {{"msg", "x"}});
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"].get<std::string>().substr(0, 4), "bad ");
  EXPECT_EQ(j["field_msg"], "x");
}

TEST_F(LogCapture, JsonModeWritesOneObjectPerLine) {
  Init(LogFormat::kJson, LogLevel::kInfo);
  LogInfo("batch started", {{"batch_id", "abc"}, {"contacts", 5}});
  LogWarn("second");
  auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["msg"], "batch started");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["batch_id"], "abc");
  EXPECT_EQ(j["contacts"], 5);
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(nlohmann::json::parse(lines[1])["level"], "warn");
}

TEST_F(LogCapture, TextModeWritesReadableLines) {
  Init(LogFormat::kText, LogLevel::kInfo);
  LogInfo("batch started", {{"batch_id", "abc"}, {"contacts", 5}});
  auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(
      lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO batch started batch_id=abc contacts=5)")))
      << lines[0];
}

TEST_F(LogCapture, LevelFilter) {
  Init(LogFormat::kJson, LogLevel::kWarn);
  LogDebug("d");
  LogInfo("i");
  LogWarn("w");
  LogError("e");
  auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["msg"], "w");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["msg"], "e");

  std::ostringstream all;
  InitLogging(LogOptions{LogFormat::kText, LogLevel::kDebug}, all);
  LogDebug("d");
  EXPECT_NE(all.str().find("DEBUG d"), std::string::npos);
  EXPECT_EQ(CurrentLogOptions().level, LogLevel::kDebug);
}

TEST_F(LogCapture, MasksMessageAndFieldsAtEveryLevel) {
  Init(LogFormat::kJson, LogLevel::kDebug);
  LogDebug("calling +14155550123", {{"to", "+14155550123"}, {"key", "bc_0123456789abcdef0123456789abcdef"}});
  LogError("calling +14155550123", {{"to", "+14155550123"}});
  EXPECT_EQ(out_.str().find("4155550123"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("0123456789abcdef0123456789ab"), std::string::npos) << out_.str();
  auto j = nlohmann::json::parse(Lines(out_.str())[0]);
  EXPECT_EQ(j["msg"], "calling +*******0123");
  EXPECT_EQ(j["to"], "+*******0123");
  EXPECT_EQ(j["key"], "bc_****cdef");
}

TEST_F(LogCapture, ScopedRequestIdAddsAFieldOnThisThread) {
  Init(LogFormat::kJson, LogLevel::kInfo);
  {
    ScopedRequestId outer("req-1");
    LogInfo("inside");
    {
      ScopedRequestId inner("req-2");
      LogInfo("nested");
    }
    LogInfo("own", {{"request_id", "explicit"}});
  }
  LogInfo("outside");
  auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["request_id"], "req-1");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["request_id"], "req-2");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["request_id"], "explicit");
  EXPECT_EQ(lines[2].find("req-1"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(lines[3]).contains("request_id"));
}

TEST(MaskTest, MaskPhone) {
  EXPECT_EQ(MaskPhone("+14155550123"), "+*******0123");
  EXPECT_EQ(MaskPhone("+442071838750"), "+********8750");
  EXPECT_EQ(MaskPhone("123"), "***");
}

TEST(MaskTest, PhoneNumbersInText) {
  EXPECT_EQ(MaskSensitive("dial +14155550123 now"), "dial +*******0123 now");
  EXPECT_EQ(MaskSensitive("to=+4930123456"), "to=+******3456");  // 7-15 digits after '+'
  EXPECT_EQ(MaskSensitive("+1234567"), "+***4567");
  EXPECT_EQ(MaskSensitive("+123456 is short"), "+123456 is short");
  EXPECT_EQ(MaskSensitive("{\"phone\":\"+14155550123\"}"), "{\"phone\":\"+*******0123\"}");
  EXPECT_EQ(MaskSensitive("+1 415-555-0123"), "+* ***-***-0123");
  EXPECT_EQ(MaskSensitive("+1 (415) 555-0123"), "+* (***) ***-0123");
  EXPECT_EQ(MaskSensitive("bare 4155550123 and 14155550123"), "bare ******0123 and *******0123");
  EXPECT_EQ(MaskSensitive("phone:4155550123"), "phone:******0123");
}

TEST(MaskTest, LeavesIdsTimesAndSmallNumbersAlone) {
  for (std::string_view s :
       {"1b4e28ba-2fa1-4d2b-883f-001612345678", "550e8400-e29b-41d4-a716-446655440000",
        "1b4e28ba2fa14d2b883f001612345678", "2026-11-29T03:00:00.123Z", "2026-06-01T10:00:00+05:30",
        "year 2026", "contacts=5 attempts=123456789", "1+1=2", "version 1.2.3", "whsec-agent-secret",
        "bc_dashboard_test_1", "http://localhost:8080/v1/batches"}) {
    EXPECT_EQ(MaskSensitive(s), s);
  }
}

TEST(MaskTest, Secrets) {
  EXPECT_EQ(MaskSensitive("key bc_0123456789abcdef0123456789abcdef0123456789abcdef"), "key bc_****cdef");
  EXPECT_EQ(MaskSensitive("secret=whsec_0a1b2c3d4e5f"), "secret=whsec_****");
  EXPECT_EQ(MaskSensitive("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer ****");
  EXPECT_EQ(MaskSensitive("authorization: bearer abc, next"), "authorization: bearer ****, next");
  EXPECT_EQ(MaskSensitive("Basic dXNlcjpwYXNz"), "Basic ****");
  EXPECT_EQ(MaskSensitive("https://AC123:token456@api.twilio.com/2010-04-01"),
            "https://AC123:****@api.twilio.com/2010-04-01");
  EXPECT_EQ(MaskSensitive("postgresql://bc:s3cret@db:5432/bc"), "postgresql://bc:****@db:5432/bc");
  EXPECT_EQ(MaskSensitive("http://user@host/x"), "http://user@host/x");
}

}  // namespace
}  // namespace batchcall
