#include "csv/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace batchcall {
namespace {

struct Row {
  int64_t line;
  std::vector<std::string> fields;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  os << r.line << ":";
  for (const auto& f : r.fields) os << "[" << f << "]";
  return os;
}

// Feeds `input` in pieces split at `cuts` (ascending offsets), reading
// records between pieces. Returns the rows, or the error message.
Result<std::vector<Row>> ReadChunked(std::string_view input, const std::vector<size_t>& cuts,
                                     CsvReaderOptions options = {}) {
  CsvReader reader(options);
  std::vector<Row> rows;
  CsvRecord rec;
  const auto drain = [&]() -> Status {
    for (;;) {
      Result<bool> r = reader.Next(&rec);
      if (!r.ok()) return r.status();
      if (!*r) return Status::Ok();
      Row row{rec.line, {}};
      for (auto f : rec.fields) row.fields.emplace_back(f);
      rows.push_back(std::move(row));
    }
  };
  size_t start = 0;
  for (size_t cut : cuts) {
    reader.Feed(input.substr(start, cut - start));
    start = cut;
    if (Status s = drain(); !s.ok()) return s;
  }
  reader.Feed(input.substr(start));
  reader.Close();
  if (Status s = drain(); !s.ok()) return s;
  EXPECT_TRUE(reader.done());
  return rows;
}

Result<std::vector<Row>> Read(std::string_view input, CsvReaderOptions options = {}) {
  return ReadChunked(input, {}, options);
}

std::string ErrorOf(std::string_view input, CsvReaderOptions options = {}) {
  auto r = Read(input, options);
  return r.ok() ? "no error" : r.status().message();
}

TEST(CsvReader, SimpleLfAndCrlf) {
  const std::vector<Row> want = {{1, {"a", "b"}}, {2, {"1", "2"}}, {3, {"3", ""}}};
  EXPECT_EQ(*Read("a,b\n1,2\n3,\n"), want);
  EXPECT_EQ(*Read("a,b\r\n1,2\r\n3,\r\n"), want);
  EXPECT_EQ(*Read("a,b\r1,2\r3,"), want);  // old Mac line ends, no final newline
}

TEST(CsvReader, HeaderTrimmedAndFlagged) {
  CsvReader reader;
  reader.Feed("  contact_number ,\tname\t\n x , y \n");
  reader.Close();
  CsvRecord rec;
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_TRUE(rec.header);
  EXPECT_EQ(rec.fields, (std::vector<std::string_view>{"contact_number", "name"}));
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_FALSE(rec.header);
  EXPECT_EQ(rec.fields, (std::vector<std::string_view>{" x ", " y "}));  // data kept as is
  EXPECT_FALSE(*reader.Next(&rec));
}

TEST(CsvReader, QuotedFields) {
  const auto rows = *Read("h1,h2,h3\n\"a,b\",\"say \"\"hi\"\"\",\"\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"a,b", "say \"hi\"", ""}));
}

TEST(CsvReader, EmbeddedNewlinesKeepPhysicalLineNumbers) {
  const std::string in =
      "h1,h2\n"            // 1
      "\"multi\nline\",x\n"  // 2-3
      "y,\"a\r\nb\r\nc\"\n"  // 4-6
      "\n"                 // 7 blank
      "z,w\n";             // 8
  const std::vector<Row> want = {{1, {"h1", "h2"}},
                                 {2, {"multi\nline", "x"}},
                                 {4, {"y", "a\r\nb\r\nc"}},
                                 {8, {"z", "w"}}};
  EXPECT_EQ(*Read(in), want);
}

TEST(CsvReader, BlankLinesSkipped) {
  const std::vector<Row> want = {{2, {"a"}}, {5, {"b"}}};
  EXPECT_EQ(*Read("\na\n\r\n\nb\n\n"), want);
  EXPECT_TRUE(Read("").value().empty());
  EXPECT_TRUE(Read("\n\r\n").value().empty());
}

TEST(CsvReader, BomStripped) {
  const std::vector<Row> want = {{1, {"contact_number"}}, {2, {"x"}}};
  EXPECT_EQ(*Read("\xEF\xBB\xBF" "contact_number\nx\n"), want);
  EXPECT_EQ(*Read("\xEF\xBB\xBF\"contact_number\"\nx\n"), want);
  EXPECT_EQ(*ReadChunked("\xEF\xBB\xBF" "contact_number\nx\n", {1, 2, 3}), want);
  // A BOM-like character later in the file is data.
  EXPECT_EQ(Read("a\n\xEF\xBB\xBF\n")->at(1).fields[0], "\xEF\xBB\xBF");
}

TEST(CsvReader, LenientQuotes) {
  const auto rows = *Read("a,b\nab\"c,\"x\"y\n");
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"ab\"c", "xy"}));
}

TEST(CsvReader, EveryChunkBoundaryGivesTheSameRecords) {
  const std::string in =
      "\xEF\xBB\xBF contact_number , name \r\n"
      "\"+1 415,\"\"x\"\"\",\"Jos\xC3\xA9\r\nline\"\r\n"
      "\r\n"
      "+44\xE2\x82\xAC,\xF0\x9F\x98\x80\r"
      "last,\"\"";
  const auto whole = Read(in);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  ASSERT_EQ(whole->size(), 4u);
  EXPECT_EQ(whole->at(0), (Row{1, {"contact_number", "name"}}));
  EXPECT_EQ(whole->at(1), (Row{2, {"+1 415,\"x\"", "Jos\xC3\xA9\r\nline"}}));
  EXPECT_EQ(whole->at(2), (Row{5, {"+44\xE2\x82\xAC", "\xF0\x9F\x98\x80"}}));
  EXPECT_EQ(whole->at(3), (Row{6, {"last", ""}}));
  for (size_t i = 0; i <= in.size(); ++i) {
    for (size_t j = i; j <= in.size(); j += 7) {
      auto split = ReadChunked(in, {i, j});
      ASSERT_TRUE(split.ok()) << i << "," << j << ": " << split.status().message();
      EXPECT_EQ(*split, *whole) << "cut at " << i << "," << j;
    }
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < in.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(*ReadChunked(in, every_byte), *whole);
}

TEST(CsvReader, RejectsBadUtf8NamingTheLine) {
  const std::string want_prefix = "the file is not UTF-8: invalid byte sequence on line ";
  const struct {
    const char* name;
    std::string bytes;
    int line;
  } cases[] = {
      {"latin-1 e-acute", "a\nJos\xE9\n", 2},
      {"lone continuation", "a\nb\n\x80\n", 3},
      {"overlong slash", "\xC0\xAF\n", 1},
      {"overlong 3-byte", "x\n\xE0\x80\xAF\n", 2},
      {"overlong 4-byte", "x\n\xF0\x80\x80\xAF\n", 2},
      {"surrogate", "x\ny\nz\n\xED\xA0\x80\n", 4},
      {"above U+10FFFF", "\xF4\x90\x80\x80\n", 1},
      {"F5 lead", "\xF5\x80\x80\x80\n", 1},
      {"FF byte", "a,\xFF\n", 1},
      {"truncated then newline", "a\n\xC3\nb\n", 2},
      {"truncated at end of file", "a\nb\xE2\x82", 2},
      {"truncated 4-byte in quotes", "a\n\"x\n\xF0\x9F\x98\"\n", 3},
      {"partial BOM", "\xEF\xBB", 1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ErrorOf(c.bytes), want_prefix + std::to_string(c.line) + "; save it as CSV UTF-8")
        << c.name;
  }
  // Valid edge characters pass.
  EXPECT_TRUE(Read("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,"
                   "\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF\n")
                  .ok());
}

TEST(CsvReader, ErrorsAreFinal) {
  CsvReader reader;
  reader.Feed("a\n\xFF\nb\n");
  reader.Close();
  CsvRecord rec;
  ASSERT_TRUE(*reader.Next(&rec));
  EXPECT_FALSE(reader.Next(&rec).ok());
  EXPECT_FALSE(reader.Next(&rec).ok());
}

TEST(CsvReader, UnterminatedQuote) {
  EXPECT_EQ(ErrorOf("a,b\n1,\"open\n\n2,3\n"),
            "the quoted field starting on line 2 is not closed before the end of the file");
}

TEST(CsvReader, SizeLimits) {
  CsvReaderOptions small;
  small.max_field_bytes = 8;
  small.max_record_bytes = 20;
  small.max_fields = 4;
  EXPECT_TRUE(Read("12345678,x\n", small).ok());
  EXPECT_EQ(ErrorOf("a\n123456789\n", small), "a field on line 2 is longer than 8 bytes");
  EXPECT_EQ(ErrorOf("a\n\"1234\n56789\"\n", small), "a field on line 3 is longer than 8 bytes");
  EXPECT_EQ(ErrorOf("a\n1234567,1234567,1234567\n", small),
            "the row starting on line 2 is longer than 20 bytes");
  EXPECT_EQ(ErrorOf("a\n,,,,\n", small), "the row starting on line 2 has more than 4 fields");
  // Default limits: a 1 MiB field of a hostile file stops at 64 KiB.
  EXPECT_EQ(ErrorOf(std::string(1 << 20, 'x')), "a field on line 1 is longer than 65536 bytes");
}

TEST(CsvStreamReader, ReadsInBlocks) {
  std::string in = "contact_number,name\n";
  for (int i = 0; i < 1000; ++i) in += "+1415555" + std::to_string(1000 + i) + ",\"n\n" + std::to_string(i) + "\"\n";
  std::istringstream stream(in);
  CsvStreamReader reader(stream, {}, 7);
  CsvRecord rec;
  int64_t count = 0;
  int64_t last_line = 0;
  for (;;) {
    Result<bool> r = reader.Next(&rec);
    ASSERT_TRUE(r.ok()) << r.status().message();
    if (!*r) break;
    if (count > 0) {
      EXPECT_EQ(rec.line, 2 + (count - 1) * 2);
      EXPECT_EQ(rec.fields[1], "n\n" + std::to_string(count - 1));
    }
    last_line = rec.line;
    ++count;
  }
  EXPECT_EQ(count, 1001);
  EXPECT_EQ(last_line, 2000);
  EXPECT_FALSE(*reader.Next(&rec));
}

}  // namespace
}  // namespace batchcall
