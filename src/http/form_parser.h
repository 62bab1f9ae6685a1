// Form body parsing for the HTTP transport: an incremental multipart/form-data
// parser that spools file parts to temporary files, plus url-encoded and
// percent-decoding helpers.
//
// Thread-safety: MultipartParser is a single-owner object (not thread-safe);
// the free functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_server.h"
#include "base/status.h"

namespace batchcall {

// Percent-decodes text. With plus_as_space, '+' becomes ' ' (form/query
// encoding). InvalidArgument for a '%' not followed by two hex digits, and for
// "%00" when reject_nul is set.
Result<std::string> PercentDecode(std::string_view text, bool plus_as_space, bool reject_nul = false);

// Parses "a=1&b=x+y&a=%2B" into {a:1, b:"x y", a:"+"} (repeated keys keep every
// value in order; "k" without '=' gives an empty value; empty pieces are
// skipped). InvalidArgument on a bad escape.
Result<std::multimap<std::string, std::string>> ParseUrlEncoded(std::string_view text);

// The boundary parameter of a multipart/form-data Content-Type (quoted or
// not). InvalidArgument when it is missing, empty, longer than 70 characters,
// or the media type is not multipart/form-data.
Result<std::string> MultipartBoundary(std::string_view content_type);

// True when the media type of content_type equals type (case-insensitive,
// parameters ignored), e.g. IsMediaType("Text/Plain; charset=x", "text/plain").
bool IsMediaType(std::string_view content_type, std::string_view type);

// Deletes a set of files when destroyed (temporary upload parts). Movable.
class TempFiles {
 public:
  TempFiles() = default;
  ~TempFiles() { RemoveAll(); }
  TempFiles(TempFiles&& other) noexcept : paths_(std::move(other.paths_)) { other.paths_.clear(); }
  TempFiles& operator=(TempFiles&& other) noexcept;
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;

  void Add(std::string path) { paths_.push_back(std::move(path)); }
  // Forgets the files without deleting them; the caller now owns them.
  std::vector<std::string> Release() { return std::exchange(paths_, {}); }
  // Unlinks every file now (missing files are ignored).
  void RemoveAll();
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
};

struct MultipartLimits {
  uint64_t max_field_bytes = 64 * 1024;  // one non-file part; more is PayloadTooLarge
  int max_parts = 64;                    // more parts is PayloadTooLarge
  size_t max_part_header_bytes = 8 * 1024;  // one part's header block; more is InvalidArgument
  std::string temp_dir = "/tmp";         // file parts go here, O_EXCL and mode 0600
};

// Streaming multipart/form-data parser (RFC 7578 / RFC 2046). Feed the body in
// chunks of any size; file parts (those whose Content-Disposition carries a
// filename) are written straight to temporary files, other parts are kept in
// memory. The parser owns its temporary files and deletes them on
// destruction unless TakeForm() handed them over.
//
// Failures are sticky: after a non-OK status every later call returns it.
// Codes: InvalidArgument for malformed input (the message says what),
// PayloadTooLarge for limit breaches, Unavailable when a temporary file cannot
// be created, written or closed (temp_dir missing, read-only or full).
class MultipartParser {
 public:
  MultipartParser(std::string boundary, MultipartLimits limits);
  ~MultipartParser();
  MultipartParser(const MultipartParser&) = delete;
  MultipartParser& operator=(const MultipartParser&) = delete;

  // Consumes the next piece of the body.
  Status Feed(std::string_view data);
  // Declares the end of the body; InvalidArgument when the closing boundary
  // has not been seen.
  Status Finish();
  // Precondition: Finish() returned OK. Moves the form out; ownership of the
  // temporary files goes to *files (deleted when it is destroyed).
  Form TakeForm(TempFiles* files);

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kEpilogue };
  struct Part {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type;
    int fd = -1;
    std::string path;
    uint64_t size = 0;
    std::string value;  // non-file part
  };

  Status Fail(Status status);
  Status Step(bool* progressed);
  Status StepPreamble(bool* progressed);
  Status StepAfterBoundary(bool* progressed);
  Status StepHeaders(bool* progressed);
  Status StepBody(bool* progressed);
  Status BeginPart(std::string_view header_block);
  Status AppendPartData(std::string_view data);
  Status EndPart();
  void ClosePartFile();

  const std::string delimiter_;  // "\r\n--" + boundary
  const MultipartLimits limits_;
  State state_ = State::kPreamble;
  std::string buf_;  // unconsumed input, bounded by a delimiter or a header block
  Status status_;
  int parts_ = 0;
  std::optional<Part> part_;
  Form form_;
  TempFiles files_;
};

}  // namespace batchcall
