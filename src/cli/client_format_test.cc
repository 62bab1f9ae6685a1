#include "cli/client_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/http_client.h"

namespace batchcall::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RenderTable, AlignsColumnsAndTrimsTheLastOne) {
  std::string t = RenderTable({{"line", Align::kRight, 0}, {"number", Align::kLeft, 0}, {"code", Align::kLeft, 0}},
                              {{"9", "+14155552671", "duplicate"}, {"12", "x", "too_short"}});
  EXPECT_EQ(t,
            "line  number        code\n"
            "   9  +14155552671  duplicate\n"
            "  12  x             too_short\n");
}

TEST(RenderTable, MinWidthsShortRowsAndNoHeader) {
  std::vector<TableColumn> cols = {{"a", Align::kLeft, 5}, {"b", Align::kRight, 4}, {"c", Align::kLeft, 0}};
  EXPECT_EQ(RenderTable(cols, {{"x"}}, /*with_header=*/false), "x\n");
  EXPECT_EQ(RenderTable(cols, {{"x", "1", "z", "ignored"}}, /*with_header=*/false), "x         1  z\n");
  EXPECT_EQ(RenderTable({}, {{"x"}}), "");
}

TEST(RenderTable, CountsUtf8CodePoints) {
  std::string t = RenderTable({{"name", Align::kLeft, 0}, {"n", Align::kLeft, 0}}, {{"Émile", "1"}, {"Bo", "2"}});
  EXPECT_EQ(t,
            "name   n\n"
            "Émile  1\n"
            "Bo     2\n");
}

TEST(RenderApiError, MessageAndDetailsTable) {
  std::string body = R"({"error": 400, "message": "No valid contacts: all 2 rows were rejected (see details).",
    "details": [{"line": 2, "contact_number": "12", "code": "too_short", "message": "Too short."},
                {"line": 3, "contact_number": "", "code": "empty_number", "message": "Empty."}]})";
  EXPECT_EQ(RenderApiError(400, body),
            "error 400: No valid contacts: all 2 rows were rejected (see details).\n"
            "line  contact_number  code          message\n"
            "   2  12              too_short     Too short.\n"
            "   3                  empty_number  Empty.\n");
}

TEST(RenderApiError, KnownDetailKeysComeFirstWhateverTheJsonOrder) {
  std::string body = R"({"error": 400, "message": "Bad.",
    "details": [{"code": "too_short", "extra": 1, "message": "Too short.", "line": 2, "contact_number": "12"}]})";
  EXPECT_EQ(RenderApiError(400, body),
            "error 400: Bad.\n"
            "line  contact_number  code       message     extra\n"
            "   2  12              too_short  Too short.  1\n");
}

TEST(RenderApiError, LimitsDetailsAndSaysHowManyMore) {
  nlohmann::ordered_json j = {{"error", 400}, {"message", "Bad."}, {"details", nlohmann::ordered_json::array()}};
  for (int i = 0; i < 25; ++i) j["details"].push_back({{"line", i + 2}, {"code", "x"}});
  std::string out = RenderApiError(400, j.dump(), 20);
  EXPECT_THAT(out, HasSubstr("\n  21  x\n"));
  EXPECT_THAT(out, testing::Not(HasSubstr("  22  x\n")));
  EXPECT_THAT(out, HasSubstr("... and 5 more\n"));
}

TEST(RenderApiError, NonJsonBodies) {
  EXPECT_EQ(RenderApiError(404, R"({"error": 404, "message": "Batch abc not found."})"),
            "error 404: Batch abc not found.\n");
  EXPECT_EQ(RenderApiError(502, "<html>\nBad gateway</html>"), "error 502: <html> Bad gateway</html>\n");
  EXPECT_EQ(RenderApiError(500, ""), "error 500: (no message from the server)\n");
  EXPECT_EQ(RenderApiError(500, std::string(300, 'a')), "error 500: " + std::string(200, 'a') + "\n");
}

TEST(FormatDuration, Ranges) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(-3), "0s");
  EXPECT_EQ(FormatDuration(42.4), "42s");
  EXPECT_EQ(FormatDuration(65), "1m05s");
  EXPECT_EQ(FormatDuration(7380), "2h03m");
}

TEST(FormatClock, Ranges) {
  EXPECT_EQ(FormatClock(0), "0:00");
  EXPECT_EQ(FormatClock(-10), "0:00");
  EXPECT_EQ(FormatClock(7'999), "0:07");
  EXPECT_EQ(FormatClock(754'000), "12:34");
  EXPECT_EQ(FormatClock(3'723'000), "1:02:03");
}

TEST(SplitCsvRecords, QuotesNewlinesAndLimits) {
  std::string text = "line,message\r\n9,\"Duplicate of line 2, \"\"Ada\"\"\"\r\n10,\"two\nlines\"\n11,x";
  auto all = SplitCsvRecords(text, 100, /*text_is_complete=*/true);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_THAT(all[0], ElementsAre("line", "message"));
  EXPECT_THAT(all[1], ElementsAre("9", "Duplicate of line 2, \"Ada\""));
  EXPECT_THAT(all[2], ElementsAre("10", "two\nlines"));
  EXPECT_THAT(all[3], ElementsAre("11", "x"));
  // A cut-off download: the unterminated last record is dropped.
  EXPECT_EQ(SplitCsvRecords(text, 100, /*text_is_complete=*/false).size(), 3u);
  EXPECT_EQ(SplitCsvRecords(text, 2, true).size(), 2u);
  EXPECT_TRUE(SplitCsvRecords("", 5, true).empty());
}

TEST(UrlEncode, KeepsUnreservedEscapesTheRest) {
  EXPECT_EQ(UrlEncode("2026-06-01T10:00:00+05:30"), "2026-06-01T10%3A00%3A00%2B05%3A30");
  EXPECT_EQ(UrlEncode("a b/c~_."), "a%20b%2Fc~_.");
  EXPECT_EQ(UrlEncode(""), "");
}

TEST(ClientResponse, HeaderLookupIsCaseInsensitive) {
  ClientResponse r;
  r.headers = {{"Content-Type", "text/csv"}, {"Link", "<x>; rel=\"next\""}};
  EXPECT_EQ(r.Header("content-type").value_or(""), "text/csv");
  EXPECT_EQ(r.Header("LINK").value_or(""), "<x>; rel=\"next\"");
  EXPECT_FALSE(r.Header("Allow").has_value());
}

}  // namespace
}  // namespace batchcall::cli

namespace batchcall::cli {
namespace {

TEST(HttpClient, ConnectionRefusedNamesTheServerAndTheFix) {
  // Port 1 on loopback: nothing listens there.
  HttpClientOptions o;
  o.base_url = "http://127.0.0.1:1/";
  HttpClient http(o);
  auto r = http.Get("/healthz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "cannot reach batchcall at http://127.0.0.1:1: is `batchcall serve` running?");
}

TEST(HttpClient, MissingUploadFileIsAnInvalidArgument) {
  HttpClientOptions o;
  o.base_url = "http://127.0.0.1:1";
  HttpClient http(o);
  auto r = http.PostMultipart("/batches", {{"agent_id", "x"}}, {{"file", "/nonexistent/contacts.csv", "", "text/csv"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/contacts.csv"));
}

}  // namespace
}  // namespace batchcall::cli

namespace batchcall::cli {
namespace {

TEST(StrCat, JoinsParts) {
  EXPECT_EQ(StrCat({}), "");
  EXPECT_EQ(StrCat({"/batches/", std::string("abc"), "/report"}), "/batches/abc/report");
}

}  // namespace
}  // namespace batchcall::cli
