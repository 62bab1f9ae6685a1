#include "cli/client_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/json.h"

namespace batchcall::cli {
namespace {

// Number of UTF-8 code points (continuation bytes are not counted).
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Pad(const std::string& s, size_t width, Align align) {
  size_t w = DisplayWidth(s);
  if (w >= width) return s;
  std::string fill(width - w, ' ');
  return align == Align::kLeft ? s + fill : fill + s;
}

// A JSON value as a table cell: strings bare, null empty, others as JSON.
std::string Cell(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::string StrCat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (auto p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (auto p : parts) out.append(p);
  return out;
}

std::string RenderTable(const std::vector<TableColumn>& columns,
                        const std::vector<std::vector<std::string>>& rows, bool with_header) {
  if (columns.empty()) return "";
  std::vector<size_t> widths(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    widths[c] = std::max(columns[c].min_width, with_header ? DisplayWidth(columns[c].header) : 0);
    for (const auto& row : rows) {
      if (c < row.size()) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  auto line = [&](auto cell_of) {
    std::string out;
    for (size_t c = 0; c < columns.size(); ++c) {
      bool last = c + 1 == columns.size();
      std::string cell = cell_of(c);
      if (c > 0) out += "  ";
      out += last && columns[c].align == Align::kLeft ? cell : Pad(cell, widths[c], columns[c].align);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
    return out;
  };
  std::string out;
  if (with_header) out += line([&](size_t c) { return columns[c].header; });
  for (const auto& row : rows) out += line([&](size_t c) { return c < row.size() ? row[c] : std::string(); });
  return out;
}

std::string RenderApiError(long http_status, std::string_view body, size_t max_details) {
  std::string out = StrCat({"error ", std::to_string(http_status), ": "});
  auto parsed = ParseOrderedJson(body);
  nlohmann::ordered_json j = parsed.ok() ? std::move(parsed).value() : nlohmann::ordered_json();
  if (!j.is_object() || !j.contains("message") || !j["message"].is_string()) {
    std::string text(body.substr(0, 200));
    std::replace(text.begin(), text.end(), '\n', ' ');
    out += text.empty() ? "(no message from the server)" : text;
    out += '\n';
    return out;
  }
  out += j["message"].get<std::string>();
  out += '\n';
  const auto it = j.find("details");
  if (it == j.end() || !it->is_array() || it->empty()) return out;
  // Rejected-row fields first, in this order (JSON object order is not
  // meaningful); other keys follow in order of first appearance.
  std::vector<std::string> keys;
  for (const char* k : {"line", "contact_number", "code", "message"}) {
    for (const auto& d : *it) {
      if (d.is_object() && d.contains(k)) {
        keys.push_back(k);
        break;
      }
    }
  }
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    for (const auto& [k, v] : d.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : *it) {
    if (rows.size() >= max_details) break;
    std::vector<std::string> row;
    if (d.is_object()) {
      for (const auto& k : keys) row.push_back(d.contains(k) ? Cell(d[k]) : "");
    } else {
      row.push_back(Cell(d));
    }
    rows.push_back(std::move(row));
  }
  std::vector<TableColumn> columns;
  for (const auto& k : keys) columns.push_back({k, k == "line" ? Align::kRight : Align::kLeft, 0});
  if (columns.empty()) columns.push_back({"details", Align::kLeft, 0});
  out += RenderTable(columns, rows);
  if (it->size() > rows.size()) out += StrCat({"... and ", std::to_string(it->size() - rows.size()), " more\n"});
  return out;
}

std::string FormatDuration(double seconds) {
  if (!(seconds > 0)) return "0s";
  long long s = std::llround(seconds);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string FormatClock(long long milliseconds) {
  long long s = std::max(0LL, milliseconds) / 1000;
  char buf[32];
  if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s % 3600) / 60, s % 60);
  }
  return buf;
}

std::vector<std::vector<std::string>> SplitCsvRecords(std::string_view text, size_t max_records,
                                                      bool text_is_complete) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false;
  bool record_started = false;
  size_t i = 0;
  auto end_record = [&] {
    record.push_back(std::move(field));
    field.clear();
    records.push_back(std::move(record));
    record.clear();
    record_started = false;
  };
  while (i < text.size() && records.size() < max_records) {
    char c = text[i++];
    record_started = true;
    if (in_quotes) {
      if (c == '"') {
        if (i < text.size() && text[i] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i < text.size() && text[i] == '\n') {
      ++i;
      end_record();
    } else if (c == '\n') {
      end_record();
    } else {
      field += c;
    }
  }
  if (text_is_complete && record_started && !in_quotes && records.size() < max_records) end_record();
  return records;
}

}  // namespace batchcall::cli
