#include "csv/csv_reader.h"

#include <utility>

namespace batchcall {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

CsvReader::CsvReader(CsvReaderOptions options) : options_(options) {}

void CsvReader::Feed(std::string_view bytes) {
  if (pos_ == input_.size()) {
    input_.clear();
    pos_ = 0;
  } else if (pos_ > 0 && pos_ >= input_.size() / 2) {
    input_.erase(0, pos_);
    pos_ = 0;
  }
  input_.append(bytes);
}

void CsvReader::Close() { closed_ = true; }

Status CsvReader::Fail(std::string message) {
  error_ = InvalidArgument(std::move(message));
  return error_;
}

Status CsvReader::CheckUtf8(unsigned char b) {
  if (utf8_need_ > 0) {
    if (b < utf8_lo_ || b > utf8_hi_) {
      return Fail("the file is not UTF-8: invalid byte sequence on line " + std::to_string(line_) +
                  "; save it as CSV UTF-8");
    }
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xBF;
    --utf8_need_;
    return Status::Ok();
  }
  if (b < 0x80) return Status::Ok();
  if (b >= 0xC2 && b <= 0xDF) {
    utf8_need_ = 1;
  } else if (b == 0xE0) {
    utf8_need_ = 2;
    utf8_lo_ = 0xA0;  // no overlong 3-byte forms
  } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
    utf8_need_ = 2;
  } else if (b == 0xED) {
    utf8_need_ = 2;
    utf8_hi_ = 0x9F;  // no UTF-16 surrogates
  } else if (b == 0xF0) {
    utf8_need_ = 3;
    utf8_lo_ = 0x90;  // no overlong 4-byte forms
  } else if (b >= 0xF1 && b <= 0xF3) {
    utf8_need_ = 3;
  } else if (b == 0xF4) {
    utf8_need_ = 3;
    utf8_hi_ = 0x8F;  // nothing above U+10FFFF
  } else {
    return Fail("the file is not UTF-8: invalid byte sequence on line " + std::to_string(line_) +
                "; save it as CSV UTF-8");
  }
  return Status::Ok();
}

Status CsvReader::AppendByte(char c) {
  record_.push_back(c);
  if (record_.size() - field_start_ > options_.max_field_bytes) {
    return Fail("a field on line " + std::to_string(line_) + " is longer than " +
                std::to_string(options_.max_field_bytes) + " bytes");
  }
  if (record_.size() > options_.max_record_bytes) {
    return Fail("the row starting on line " + std::to_string(record_line_) + " is longer than " +
                std::to_string(options_.max_record_bytes) + " bytes");
  }
  return Status::Ok();
}

Status CsvReader::EndField() {
  ends_.push_back(record_.size());
  field_start_ = record_.size();
  if (ends_.size() > options_.max_fields) {
    return Fail("the row starting on line " + std::to_string(record_line_) + " has more than " +
                std::to_string(options_.max_fields) + " fields");
  }
  return Status::Ok();
}

Result<bool> CsvReader::Parse() {
  while (pos_ < input_.size()) {
    const char c = input_[pos_++];
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80 || utf8_need_ > 0) BC_RETURN_IF_ERROR(CheckUtf8(b));
    const int64_t byte_line = line_;
    const bool line_end = c == '\r' || c == '\n';
    if (c == '\r') {
      ++line_;
      after_cr_ = true;
    } else if (c == '\n') {
      if (!after_cr_) ++line_;
      after_cr_ = false;
    } else {
      after_cr_ = false;
    }
    if (!record_open_ && !line_end) {
      record_open_ = true;
      record_line_ = byte_line;
    }
    switch (state_) {
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          quote_line_ = byte_line;
        } else if (c == ',') {
          BC_RETURN_IF_ERROR(EndField());
        } else if (line_end) {
          if (record_open_) {  // else a blank line: skipped
            BC_RETURN_IF_ERROR(EndField());
            return true;
          }
        } else {
          BC_RETURN_IF_ERROR(AppendByte(c));
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        if (c == ',') {
          BC_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
        } else if (line_end) {
          BC_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
          return true;
        } else {
          BC_RETURN_IF_ERROR(AppendByte(c));
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
        } else {
          BC_RETURN_IF_ERROR(AppendByte(c));
        }
        break;
      case State::kQuoteInQuoted:
        if (c == '"') {
          BC_RETURN_IF_ERROR(AppendByte(c));
          state_ = State::kQuoted;
        } else if (c == ',') {
          BC_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
        } else if (line_end) {
          BC_RETURN_IF_ERROR(EndField());
          state_ = State::kFieldStart;
          return true;
        } else {
          BC_RETURN_IF_ERROR(AppendByte(c));
          state_ = State::kUnquoted;
        }
        break;
    }
  }
  return false;
}

void CsvReader::EmitRecord(CsvRecord* record) {
  record->line = record_line_;
  record->header = false;
  record->fields.clear();
  size_t start = 0;
  const std::string_view all(record_);
  for (size_t end : ends_) {
    record->fields.push_back(all.substr(start, end - start));
    start = end;
  }
  if (options_.header && header_pending_) {
    record->header = true;
    for (auto& f : record->fields) f = TrimAscii(f);
  }
  header_pending_ = false;
  record_ready_ = true;
}

Result<bool> CsvReader::Next(CsvRecord* record) {
  if (!error_.ok()) return error_;
  if (done_) return false;
  if (record_ready_) {  // the caller is done with the previous record's views
    record_.clear();
    ends_.clear();
    field_start_ = 0;
    record_open_ = false;
    record_ready_ = false;
  }
  if (!bom_checked_) {
    const size_t avail = input_.size() - pos_;
    const size_t n = avail < kBom.size() ? avail : kBom.size();
    if (std::string_view(input_).substr(pos_, n) != kBom.substr(0, n)) {
      bom_checked_ = true;
    } else if (n == kBom.size()) {
      pos_ += n;
      bom_checked_ = true;
    } else if (closed_) {
      bom_checked_ = true;  // a partial BOM: let the UTF-8 check report it
    } else {
      return false;
    }
  }
  Result<bool> parsed = Parse();
  if (!parsed.ok()) return parsed.status();
  if (*parsed) {
    EmitRecord(record);
    return true;
  }
  if (!closed_) return false;
  if (utf8_need_ > 0) {
    return Fail("the file is not UTF-8: invalid byte sequence on line " + std::to_string(line_) +
                "; save it as CSV UTF-8");
  }
  if (state_ == State::kQuoted) {
    return Fail("the quoted field starting on line " + std::to_string(quote_line_) +
                " is not closed before the end of the file");
  }
  if (record_open_) {
    if (Status s = EndField(); !s.ok()) return s;
    state_ = State::kFieldStart;
    EmitRecord(record);
    return true;
  }
  done_ = true;
  return false;
}

CsvStreamReader::CsvStreamReader(std::istream& in, CsvReaderOptions options, size_t block_bytes)
    : in_(in), reader_(options), block_(block_bytes, '\0') {}

Result<bool> CsvStreamReader::Next(CsvRecord* record) {
  for (;;) {
    Result<bool> r = reader_.Next(record);
    if (!r.ok() || *r || reader_.done()) return r;
    in_.read(block_.data(), static_cast<std::streamsize>(block_.size()));
    const std::streamsize n = in_.gcount();
    if (n > 0) reader_.Feed(std::string_view(block_.data(), static_cast<size_t>(n)));
    if (in_.bad()) return InvalidArgument("the file could not be read");
    if (!in_) reader_.Close();
  }
}

}  // namespace batchcall
