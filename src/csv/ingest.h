// Contacts ingest: CSV bytes -> validated contacts and a rejected-row report.
//
// Streams: memory use is bounded by the dedupe set (a few bytes per valid
// row), never by the file size. Thread-safety: one IngestContacts call per
// sink; the sink is called from one thread at a time, in CSV order.
#pragma once

#include <istream>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

struct IngestOptions {
  PhoneValidationMode mode = PhoneValidationMode::kStrict;
  std::string default_country;  // ISO region for numbers without '+'; empty = reject them
  bool allow_duplicates = false;
  int64_t max_rows = 1'000'000;  // data rows (valid + rejected); more is PayloadTooLarge
  // Threads running libphonenumber beside the calling thread (which reads the
  // CSV and calls the sink). 0 checks everything on the calling thread.
  // Files of fewer than 1024 data rows never start a thread.
  int check_threads = 1;
};

// Receives the result of an ingest as it is produced.
class ContactSink {
 public:
  virtual ~ContactSink() = default;
  // Called once, before any row: the variable column names in file order
  // (every header name except contact_number, trimmed).
  virtual Status OnHeader(const std::vector<std::string>& variable_columns) = 0;
  virtual Status OnContact(const ContactRow& row) = 0;
  virtual Status OnReject(const RejectedRow& row) = 0;
};

struct IngestSummary {
  int64_t total_rows = 0;  // data rows, blank lines excluded
  int64_t valid = 0;
  int64_t rejected = 0;
  std::map<std::string, int64_t> rejected_by_code;
};

// Reads the whole stream. File-level failures (InvalidArgument unless noted):
// not UTF-8 (message names the line), empty file / no header row, no
// contact_number column, duplicate or empty column names, a malformed file
// (unclosed quote, oversized field or row; see csv_reader.h), an unknown
// default_country, more than max_rows data rows (PayloadTooLarge). A sink
// error stops the ingest and is returned. Zero valid rows is NOT a failure
// here (the caller decides). Rows whose fields are all blank are skipped like
// blank lines. docs/csv_format.md describes the format and the reject codes.
Result<IngestSummary> IngestContacts(std::istream& in, const IngestOptions& options,
                                     ContactSink& sink);

}  // namespace batchcall
