// The whole CSV ingest (src/csv/ingest.h): header detection, every column,
// phone validation, duplicates, row report. Counts must add up; every reject
// and contact must serialise as the API shows it.
#include <cstdint>
#include <sstream>
#include <string>

#include "csv/ingest.h"
#include "fuzz_support.h"

namespace {

using namespace batchcall;

class CountingSink : public ContactSink {
 public:
  Status OnHeader(const std::vector<std::string>& columns) override {
    nlohmann::json j = columns;
    (void)fuzz::StrictDump(j);
    return Status::Ok();
  }
  Status OnContact(const ContactRow& row) override {
    fuzz::Check(row.contact_number.size() > 1 && row.contact_number[0] == '+', "a contact that is not E.164");
    (void)fuzz::StrictDump(nlohmann::json{{"number", row.contact_number}, {"variables", row.variables}});
    ++contacts;
    return Status::Ok();
  }
  Status OnReject(const RejectedRow& row) override {
    (void)fuzz::StrictDump(nlohmann::json{{"number", row.contact_number}, {"code", row.code}, {"message", row.message}});
    ++rejects;
    return Status::Ok();
  }
  int64_t contacts = 0;
  int64_t rejects = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  IngestOptions options;
  static constexpr PhoneValidationMode kModes[] = {PhoneValidationMode::kStrict, PhoneValidationMode::kPossible,
                                                   PhoneValidationMode::kE164};
  options.mode = kModes[data[0] % 3];
  options.default_country = (data[0] & 0x4) ? "US" : ((data[0] & 0x8) ? "IN" : "");
  options.allow_duplicates = (data[0] & 0x10) != 0;
  options.max_rows = 500;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  CountingSink sink;
  auto summary = IngestContacts(in, options, sink);
  if (!summary.ok()) return 0;
  fuzz::Check(summary->valid == sink.contacts, "valid != contacts delivered");
  fuzz::Check(summary->rejected == sink.rejects, "rejected != rejects delivered");
  fuzz::Check(summary->valid + summary->rejected == summary->total_rows, "valid + rejected != total_rows");
  int64_t by_code = 0;
  for (const auto& [code, n] : summary->rejected_by_code) by_code += n;
  fuzz::Check(by_code == summary->rejected, "rejected_by_code does not add up");
  return 0;
}
