// CsvReader (src/csv/csv_reader.h) on arbitrary bytes, fed in chunks whose
// sizes come from the first byte: records and errors must not depend on how
// the input was split, and no record may hold more fields than allowed.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv_reader.h"
#include "fuzz_support.h"

namespace {

using batchcall::CsvReader;
using batchcall::CsvReaderOptions;
using batchcall::CsvRecord;

// Every record as one string (fields joined by \x1f, records by \x1e), then
// the error message or "ok".
std::string ReadAll(std::string_view input, size_t chunk, const CsvReaderOptions& options) {
  CsvReader reader(options);
  std::string out;
  size_t fed = 0;
  bool closed = false;
  while (true) {
    CsvRecord record;
    auto next = reader.Next(&record);
    if (!next.ok()) return out + "error: " + next.status().message();
    if (*next) {
      batchcall::fuzz::Check(record.fields.size() <= options.max_fields, "more fields than max_fields");
      for (const auto& f : record.fields) {
        batchcall::fuzz::Check(f.size() <= options.max_field_bytes, "field longer than max_field_bytes");
        out.append(f).push_back('\x1f');
      }
      out.push_back('\x1e');
      continue;
    }
    if (closed) break;
    if (fed < input.size()) {
      size_t n = std::min(chunk, input.size() - fed);
      reader.Feed(input.substr(fed, n));
      fed += n;
    } else {
      reader.Close();
      closed = true;
    }
  }
  batchcall::fuzz::Check(reader.done(), "closed reader not done after Next() returned false");
  return out + "ok";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  CsvReaderOptions options;
  options.max_field_bytes = 256;  // small limits so the fuzzer reaches them
  options.max_record_bytes = 4096;
  options.max_fields = 64;
  options.header = (data[0] & 0x80) != 0;
  const std::string whole = ReadAll(input, input.size() + 1, options);
  const std::string pieces = ReadAll(input, chunk, options);
  batchcall::fuzz::Check(whole == pieces, "result depends on how the input was split");
  return 0;
}
