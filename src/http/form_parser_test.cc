#include "http/form_parser.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"

namespace batchcall {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MultipartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    limits_.temp_dir = dir_.string();
  }

  size_t FilesInDir() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  test::TempDir temp_{"bc-form-test-"};
  const fs::path dir_ = temp_.path();
  MultipartLimits limits_;
};

const char kBody[] =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"agent_id\"\r\n"
    "\r\n"
    "agent-1\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"from\"\r\n"
    "\r\n"
    "+15550001\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"from\"\r\n"
    "\r\n"
    "line1\r\nline2 --XyZ not a boundary\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"my \\\"list\\\".csv\"\r\n"
    "Content-Type: text/csv\r\n"
    "\r\n"
    "contact_number,name\r\n+15551234,Ann\r\n\r\n-\r\n--X\r\n"
    "--XyZ--\r\n"
    "epilogue --XyZ\r\n garbage";

const char kFileBytes[] = "contact_number,name\r\n+15551234,Ann\r\n\r\n-\r\n--X";

void CheckForm(const Form& form) {
  EXPECT_EQ(form.Get("agent_id"), "agent-1");
  EXPECT_EQ(form.GetAll("from"), (std::vector<std::string>{"+15550001", "line1\r\nline2 --XyZ not a boundary"}));
  EXPECT_EQ(form.Get("missing"), std::nullopt);
  ASSERT_EQ(form.files.size(), 1u);
  const FormFile* file = form.File("file");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->filename, "my \"list\".csv");
  EXPECT_EQ(file->content_type, "text/csv");
  EXPECT_EQ(file->size, sizeof(kFileBytes) - 1);
  EXPECT_EQ(ReadFile(file->path), kFileBytes);
}

TEST_F(MultipartTest, ParsesWholeBody) {
  MultipartParser parser("XyZ", limits_);
  ASSERT_TRUE(parser.Feed(kBody).ok());
  ASSERT_TRUE(parser.Finish().ok());
  TempFiles files;
  Form form = parser.TakeForm(&files);
  CheckForm(form);
  struct stat st {};
  ASSERT_EQ(::stat(form.files[0].path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(files.paths().size(), 1u);
  files.RemoveAll();
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(MultipartTest, EverySplitPositionGivesTheSameForm) {
  const std::string body = kBody;
  for (size_t split = 0; split <= body.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    MultipartParser parser("XyZ", limits_);
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(0, split)).ok());
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(split)).ok());
    ASSERT_TRUE(parser.Finish().ok());
    TempFiles files;
    CheckForm(parser.TakeForm(&files));
  }
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(MultipartTest, EveryPairOfSplitsGivesTheSameForm) {
  const std::string body = kBody;
  for (size_t a = 0; a <= body.size(); a += 7) {
    for (size_t b = a; b <= body.size(); ++b) {
      MultipartParser parser("XyZ", limits_);
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(0, a)).ok());
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(a, b - a)).ok());
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(b)).ok());
      ASSERT_TRUE(parser.Finish().ok()) << a << "," << b;
      TempFiles files;
      Form form = parser.TakeForm(&files);
      ASSERT_EQ(form.files.size(), 1u);
      ASSERT_EQ(ReadFile(form.files[0].path), kFileBytes) << a << "," << b;
      ASSERT_EQ(form.GetAll("from").size(), 2u);
    }
  }
}

TEST_F(MultipartTest, OneByteAtATime) {
  MultipartParser parser("XyZ", limits_);
  for (char c : std::string(kBody)) ASSERT_TRUE(parser.Feed(std::string_view(&c, 1)).ok());
  ASSERT_TRUE(parser.Finish().ok());
  TempFiles files;
  CheckForm(parser.TakeForm(&files));
}

TEST_F(MultipartTest, BoundaryOnFirstLineAndEmptyPartsAndPadding) {
  // No preamble, transport padding after a boundary, unquoted name, empty
  // value, empty file with an empty filename, no CRLF after the close.
  const std::string body =
      "--b  \t\r\n"
      "Content-Disposition: form-data; name=empty\r\n\r\n"
      "\r\n--b\r\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n"
      "\r\n--b--";
  MultipartParser parser("b", limits_);
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Finish().ok());
  TempFiles files;
  Form form = parser.TakeForm(&files);
  EXPECT_EQ(form.Get("empty"), "");
  ASSERT_NE(form.File("f"), nullptr);
  EXPECT_EQ(form.File("f")->size, 0u);
  EXPECT_EQ(form.File("f")->filename, "");
}

TEST_F(MultipartTest, FilenameStarIsDecoded) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''na%C3%AFve.csv\r\n\r\nx\r\n--b--\r\n";
  MultipartParser parser("b", limits_);
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Finish().ok());
  TempFiles files;
  Form form = parser.TakeForm(&files);
  ASSERT_EQ(form.files.size(), 1u);
  EXPECT_EQ(form.files[0].filename, "na\xC3\xAFve.csv");
}

struct BadCase {
  const char* body;
  StatusCode code;
  const char* message_part;
};

TEST_F(MultipartTest, MalformedBodiesAreRejectedAndLeaveNoFiles) {
  const BadCase cases[] = {
      {"no boundary at all", StatusCode::kInvalidArgument, "no boundary line"},
      {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", StatusCode::kInvalidArgument,
       "closing boundary"},
      {"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nhalf a fi",
       StatusCode::kInvalidArgument, "closing boundary"},
      {"--b\r\nno colon here\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument, "malformed multipart part header"},
      {"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument, "no Content-Disposition"},
      {"--b\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument,
       "no field name"},
      {"--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument,
       "not form-data"},
      {"--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument,
       "unterminated"},
      {"--bX\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nx\r\n--b--", StatusCode::kInvalidArgument,
       "malformed multipart boundary line"},
      {"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n", StatusCode::kInvalidArgument, "closing boundary"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    MultipartParser parser("b", limits_);
    Status s = parser.Feed(c.body);
    if (s.ok()) s = parser.Finish();
    EXPECT_EQ(s.code(), c.code);
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << s.message();
    EXPECT_EQ(parser.Feed("more").code(), c.code);  // sticky
  }
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(MultipartTest, LimitsOnFieldsAndParts) {
  limits_.max_field_bytes = 10;
  limits_.max_parts = 2;
  {
    MultipartParser parser("b", limits_);
    Status s = parser.Feed("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n0123456789AB\r\n--b--");
    EXPECT_EQ(s.code(), StatusCode::kPayloadTooLarge);
  }
  {
    MultipartParser parser("b", limits_);
    std::string part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b\r\n";
    Status s = parser.Feed("--b\r\n" + part + part + part);
    EXPECT_EQ(s.code(), StatusCode::kPayloadTooLarge);
    EXPECT_NE(s.message().find("more than 2 parts"), std::string::npos);
  }
  {
    // Files are not bound by the field limit.
    MultipartParser parser("b", limits_);
    std::string big(1000, 'z');
    ASSERT_TRUE(
        parser.Feed("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"z\"\r\n\r\n" + big + "\r\n--b--")
            .ok());
    ASSERT_TRUE(parser.Finish().ok());
  }
  EXPECT_EQ(FilesInDir(), 0u);  // parser destroyed without TakeForm deletes its files
}

// Issue 13: a missing or unwritable temp dir is the server's condition, not
// the client's fault and not a bug: Unavailable (503), not Internal (500).
TEST_F(MultipartTest, UnwritableTempDirIsUnavailable) {
  limits_.temp_dir = (dir_ / "does-not-exist").string();
  MultipartParser parser("b", limits_);
  Status s = parser.Feed("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"z\"\r\n\r\nx\r\n--b--");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("does-not-exist"), std::string::npos) << s.message();
}

TEST(MultipartBoundaryTest, ExtractsQuotedAndPlain) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\""), "a b;c");
  EXPECT_FALSE(MultipartBoundary("multipart/form-data").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=").ok());
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')).ok());
  EXPECT_FALSE(MultipartBoundary("text/plain; boundary=abc").ok());
}

TEST(UrlEncodedTest, DecodesPlusPercentAndRepeatedKeys) {
  auto r = ParseUrlEncoded("a=1&b=x+y&a=%2B&&c&d=&e%20f=%e2%82%AC");
  ASSERT_TRUE(r.ok());
  std::vector<std::pair<std::string, std::string>> got(r->begin(), r->end());
  std::vector<std::pair<std::string, std::string>> want{
      {"a", "1"}, {"a", "+"}, {"b", "x y"}, {"c", ""}, {"d", ""}, {"e f", "\xE2\x82\xAC"}};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(ParseUrlEncoded("").ok());
}

TEST(UrlEncodedTest, BadEscapesFail) {
  EXPECT_FALSE(ParseUrlEncoded("a=%").ok());
  EXPECT_FALSE(ParseUrlEncoded("a=%2").ok());
  EXPECT_FALSE(ParseUrlEncoded("a=%zz").ok());
  EXPECT_FALSE(ParseUrlEncoded("%g0=1").ok());
}

TEST(PercentDecodeTest, PathRules) {
  EXPECT_EQ(*PercentDecode("/a%20b+c", false), "/a b+c");
  EXPECT_EQ(*PercentDecode("/a%00b", false), std::string("/a\0b", 4));
  EXPECT_FALSE(PercentDecode("/a%00b", false, true).ok());
  EXPECT_FALSE(PercentDecode("/a%4", false).ok());
}

TEST(MediaTypeTest, IgnoresCaseAndParameters) {
  EXPECT_TRUE(IsMediaType(" Application/X-WWW-Form-Urlencoded ; charset=UTF-8", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsMediaType("application/json", "application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsMediaType("", "text/plain"));
}

}  // namespace
}  // namespace batchcall
