// Streaming RFC 4180 CSV reader with UTF-8 validation and size limits.
//
// Accepts UTF-8 with or without a BOM, CRLF, LF or lone CR line ends, quoted
// fields with commas, doubled quotes and embedded line breaks. Physically
// empty lines are skipped. Each record reports the 1-based physical line on
// which it starts. Lenient where Excel is: a quote inside an unquoted field,
// and text after a closing quote, are kept as literal characters.
//
// Not thread-safe: one thread drives a reader. Memory is bounded by the
// limits in CsvReaderOptions plus one input block, never by the file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace batchcall {

struct CsvReaderOptions {
  // A field longer than this (bytes, after unquoting) is an InvalidArgument error.
  size_t max_field_bytes = 64 * 1024;
  // A record longer than this (bytes of field content) is an InvalidArgument error.
  size_t max_record_bytes = 1024 * 1024;
  // A record with more fields than this is an InvalidArgument error.
  size_t max_fields = 10'000;
  // When true the first record is the header: its fields are trimmed of ASCII
  // whitespace and CsvRecord::header is set.
  bool header = true;
};

// One record. The views point into the reader and stay valid until the next
// call of Next() on it.
struct CsvRecord {
  int64_t line = 0;    // 1-based physical line where the record starts
  bool header = false;  // the first record, when CsvReaderOptions::header
  std::vector<std::string_view> fields;
};

// Push-style reader: Feed() bytes as they arrive, Close() at the end, and
// call Next() until it returns false.
class CsvReader {
 public:
  explicit CsvReader(CsvReaderOptions options = {});

  // Appends input (copied). Precondition: Close() not yet called.
  void Feed(std::string_view bytes);
  // Declares the end of the input.
  void Close();

  // true: *record holds the next record. false: no complete record is
  // available yet (feed more) or, once closed, the input is exhausted (see
  // done()). Errors (InvalidArgument, message names the line): bytes that
  // are not UTF-8, a field, record or field count over the limits, a quoted
  // field still open at the end of the input. Errors are final: every later
  // call returns the same error.
  Result<bool> Next(CsvRecord* record);

  // True once closed and every record has been returned.
  bool done() const { return done_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  // Consumes input bytes until a record completes (true) or input runs out.
  Result<bool> Parse();
  Status AppendByte(char c);
  Status EndField();
  void EmitRecord(CsvRecord* record);
  Status Fail(std::string message);
  Status CheckUtf8(unsigned char b);

  CsvReaderOptions options_;
  std::string input_;  // fed bytes; [pos_, size) not yet parsed
  size_t pos_ = 0;
  bool closed_ = false;
  bool done_ = false;
  bool bom_checked_ = false;
  bool header_pending_ = true;
  Status error_;

  // Parser state, kept across Feed() calls.
  State state_ = State::kFieldStart;
  int64_t line_ = 1;          // physical line of the next byte
  bool after_cr_ = false;     // previous byte was CR (a following LF is the same line end)
  bool record_open_ = false;  // the current record has at least one byte
  int64_t record_line_ = 1;
  int64_t quote_line_ = 1;    // line where the open quoted field started
  std::string record_;        // field contents of the current record, back to back
  std::vector<size_t> ends_;  // end offset in record_ of each finished field
  size_t field_start_ = 0;
  bool record_ready_ = false;

  // UTF-8 decoder state: continuation bytes still expected and the allowed
  // range of the next one (narrowed after E0, ED, F0 and F4 leads).
  int utf8_need_ = 0;
  unsigned char utf8_lo_ = 0x80;
  unsigned char utf8_hi_ = 0xBF;
};

// Pull-style reader over an istream, reading it in blocks.
class CsvStreamReader {
 public:
  explicit CsvStreamReader(std::istream& in, CsvReaderOptions options = {},
                           size_t block_bytes = 64 * 1024);
  // true with a record; false at the end of the stream; or CsvReader's errors
  // (and InvalidArgument when the stream fails to read).
  Result<bool> Next(CsvRecord* record);

 private:
  std::istream& in_;
  CsvReader reader_;
  std::string block_;
};

}  // namespace batchcall
