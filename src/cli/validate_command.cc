#include "cli/validate_command.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "csv/ingest.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

constexpr size_t kMaxValueWidth = 32;

// Keeps the rejected rows; valid rows are only counted.
class ReportSink : public ContactSink {
 public:
  Status OnHeader(const std::vector<std::string>&) override { return Status::Ok(); }
  Status OnContact(const ContactRow&) override { return Status::Ok(); }
  Status OnReject(const RejectedRow& row) override {
    rejects.push_back(row);
    return Status::Ok();
  }
  std::vector<RejectedRow> rejects;
};

size_t DisplayWidth(std::string_view s) {  // code points, good enough for a table
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// One table cell: control characters escaped, long values cut with "...".
std::string Cell(std::string_view value, size_t max_width) {
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (width >= max_width) {
      out.append("...");
      break;
    }
    if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back('?');
    } else {
      out.push_back(c);
      if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // same character
    }
    ++width;
  }
  return out;
}

void Pad(std::ostream& out, const std::string& s, size_t width) {
  out << s;
  for (size_t w = DisplayWidth(s); w < width; ++w) out << ' ';
}

void PrintTable(const ValidateCommandOptions& options, const IngestSummary& summary,
                const std::vector<RejectedRow>& rejects, std::ostream& out) {
  out << options.file << ": " << summary.total_rows << " rows, " << summary.valid << " valid, "
      << summary.rejected << " rejected\n";
  size_t code_width = 0;
  for (const auto& [code, n] : summary.rejected_by_code) code_width = std::max(code_width, code.size());
  for (const auto& [code, n] : summary.rejected_by_code) {
    out << "  ";
    Pad(out, code, code_width);
    out << "  " << n << "\n";
  }
  if (rejects.empty()) return;
  std::vector<std::string> lines, values;
  size_t line_w = 4, value_w = 14, code_w = 4;
  for (const auto& r : rejects) {
    lines.push_back(std::to_string(r.line));
    values.push_back(Cell(r.contact_number, kMaxValueWidth));
    line_w = std::max(line_w, lines.back().size());
    value_w = std::max(value_w, DisplayWidth(values.back()));
    code_w = std::max(code_w, r.code.size());
  }
  out << "\n";
  Pad(out, "LINE", line_w);
  out << "  ";
  Pad(out, "CONTACT_NUMBER", value_w);
  out << "  ";
  Pad(out, "CODE", code_w);
  out << "  MESSAGE\n";
  for (size_t i = 0; i < rejects.size(); ++i) {
    out << std::string(line_w - lines[i].size(), ' ') << lines[i] << "  ";
    Pad(out, values[i], value_w);
    out << "  ";
    Pad(out, rejects[i].code, code_w);
    out << "  " << Cell(rejects[i].message, 1000) << "\n";
  }
}

void PrintJson(const ValidateCommandOptions& options, const IngestSummary& summary,
               const std::vector<RejectedRow>& rejects, std::ostream& out) {
  nlohmann::ordered_json j;
  j["file"] = options.file;
  j["total_rows"] = summary.total_rows;
  j["valid"] = summary.valid;
  j["rejected"] = summary.rejected;
  j["rejected_by_code"] = nlohmann::ordered_json::object();
  for (const auto& [code, n] : summary.rejected_by_code) j["rejected_by_code"][code] = n;
  j["rejects"] = nlohmann::ordered_json::array();
  for (const auto& r : rejects) {
    j["rejects"].push_back(
        {{"line", r.line}, {"contact_number", r.contact_number}, {"code", r.code}, {"message", r.message}});
  }
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

int RunValidateCommand(const ValidateCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.default_country.empty() && !PhoneValidator::IsKnownRegion(options.default_country)) {
    err << "error: unknown default country \"" << options.default_country
        << "\"; use an ISO 3166 region code such as US, IN or GB\n";
    return 2;
  }
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    err << "error: cannot open " << options.file << "\n";
    return 2;
  }
  IngestOptions ingest;
  ingest.mode = options.mode;
  ingest.default_country = options.default_country;
  ingest.allow_duplicates = options.allow_duplicates;
  ingest.max_rows = INT64_MAX;  // offline: no upload limit
  ReportSink sink;
  Result<IngestSummary> summary = IngestContacts(in, ingest, sink);
  if (!summary.ok()) {
    err << "error: " << options.file << ": " << summary.status().message() << "\n";
    return 2;
  }
  if (options.json) {
    PrintJson(options, *summary, sink.rejects, out);
  } else {
    PrintTable(options, *summary, sink.rejects, out);
  }
  return summary->valid > 0 ? 0 : 1;
}

}  // namespace batchcall
