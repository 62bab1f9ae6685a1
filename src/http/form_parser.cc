#include "http/form_parser.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/crypto.h"

namespace batchcall {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

using Params = std::vector<std::pair<std::string, std::string>>;

// Parses "; key=value; key="quoted \"value\"" (the part after the media type
// or disposition type). Keys are lowercased.
Result<Params> ParseParams(std::string_view s) {
  Params out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  while (i < s.size()) {
    skip_ws();
    if (i < s.size() && s[i] == ';') {
      ++i;
      continue;
    }
    size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    std::string key(Trim(s.substr(key_start, i - key_start)));
    for (char& c : key) c = Lower(c);
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      skip_ws();
      if (i < s.size() && s[i] == '"') {
        ++i;
        bool closed = false;
        while (i < s.size()) {
          char c = s[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\' && i < s.size()) c = s[i++];
          value.push_back(c);
        }
        if (!closed) return InvalidArgument("unterminated quoted string in header parameter '" + key + "'");
        skip_ws();
        if (i < s.size() && s[i] != ';') return InvalidArgument("unexpected text after parameter '" + key + "'");
      } else {
        size_t v_start = i;
        while (i < s.size() && s[i] != ';') ++i;
        value = std::string(Trim(s.substr(v_start, i - v_start)));
      }
    }
    if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

const std::string* FindParam(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(std::string("cannot write upload temp file: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_as_space, bool reject_nul) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("invalid percent escape in '" + std::string(text.substr(0, 200)) + "'");
      }
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0' && reject_nul) return InvalidArgument("percent-encoded NUL (%00) is not allowed");
      out.push_back(decoded);
      i += 2;
      continue;
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

Result<std::multimap<std::string, std::string>> ParseUrlEncoded(std::string_view text) {
  std::multimap<std::string, std::string> out;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    auto key = PercentDecode(piece.substr(0, eq), true);
    if (!key.ok()) return key.status();
    std::string value;
    if (eq != std::string_view::npos) {
      auto v = PercentDecode(piece.substr(eq + 1), true);
      if (!v.ok()) return v.status();
      value = std::move(*v);
    }
    out.emplace(std::move(*key), std::move(value));
  }
  return out;
}

bool IsMediaType(std::string_view content_type, std::string_view type) {
  return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))), type);
}

Result<std::string> MultipartBoundary(std::string_view content_type) {
  if (!IsMediaType(content_type, "multipart/form-data")) {
    return InvalidArgument("Content-Type is not multipart/form-data");
  }
  size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return InvalidArgument("multipart Content-Type has no boundary parameter");
  auto params = ParseParams(content_type.substr(semi + 1));
  if (!params.ok()) return params.status();
  const std::string* boundary = FindParam(*params, "boundary");
  if (boundary == nullptr || boundary->empty()) {
    return InvalidArgument("multipart Content-Type has no boundary parameter");
  }
  if (boundary->size() > 70) return InvalidArgument("multipart boundary is longer than 70 characters");
  if (boundary->find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("multipart boundary contains a line break");
  }
  return *boundary;
}

TempFiles& TempFiles::operator=(TempFiles&& other) noexcept {
  if (this != &other) {
    RemoveAll();
    paths_ = std::move(other.paths_);
    other.paths_.clear();
  }
  return *this;
}

void TempFiles::RemoveAll() {
  for (const auto& p : paths_) ::unlink(p.c_str());
  paths_.clear();
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), limits_(std::move(limits)), buf_("\r\n") {}
// buf_ starts with a virtual CRLF so a boundary on the very first line matches
// the delimiter like every later one.

MultipartParser::~MultipartParser() { ClosePartFile(); }

Status MultipartParser::Fail(Status status) {
  status_ = std::move(status);
  ClosePartFile();
  buf_.clear();
  return status_;
}

Status MultipartParser::Feed(std::string_view data) {
  if (!status_.ok()) return status_;
  if (state_ == State::kEpilogue) return Status::Ok();
  buf_.append(data);
  bool progressed = true;
  while (progressed && state_ != State::kEpilogue) {
    progressed = false;
    Status s = Step(&progressed);
    if (!s.ok()) return Fail(std::move(s));
  }
  if (state_ == State::kEpilogue) buf_.clear();
  return Status::Ok();
}

Status MultipartParser::Finish() {
  if (!status_.ok()) return status_;
  if (state_ == State::kEpilogue) return Status::Ok();
  if (state_ == State::kPreamble) {
    return Fail(InvalidArgument("multipart body has no boundary line '" + delimiter_.substr(2) + "'"));
  }
  return Fail(InvalidArgument("multipart body ended before the closing boundary '" + delimiter_.substr(2) +
                              "--' (truncated upload?)"));
}

Form MultipartParser::TakeForm(TempFiles* files) {
  for (auto& p : files_.Release()) files->Add(std::move(p));
  return std::move(form_);
}

Status MultipartParser::Step(bool* progressed) {
  switch (state_) {
    case State::kPreamble: return StepPreamble(progressed);
    case State::kAfterBoundary: return StepAfterBoundary(progressed);
    case State::kHeaders: return StepHeaders(progressed);
    case State::kBody: return StepBody(progressed);
    case State::kEpilogue: return Status::Ok();
  }
  return Status::Ok();
}

Status MultipartParser::StepPreamble(bool* progressed) {
  size_t pos = buf_.find(delimiter_);
  if (pos == std::string::npos) {
    // Keep only what may be the start of a delimiter.
    size_t keep = std::min(buf_.size(), delimiter_.size() - 1);
    buf_.erase(0, buf_.size() - keep);
    return Status::Ok();
  }
  buf_.erase(0, pos + delimiter_.size());
  state_ = State::kAfterBoundary;
  *progressed = true;
  return Status::Ok();
}

Status MultipartParser::StepAfterBoundary(bool* progressed) {
  if (buf_.size() < 2) return Status::Ok();
  if (buf_[0] == '-' && buf_[1] == '-') {
    state_ = State::kEpilogue;
    *progressed = true;
    return Status::Ok();
  }
  size_t i = buf_.find_first_not_of(" \t");  // transport padding
  if (i == std::string::npos || i + 1 >= buf_.size()) {
    if (buf_.size() > 256) return InvalidArgument("malformed multipart boundary line");
    return Status::Ok();
  }
  if (buf_[i] != '\r' || buf_[i + 1] != '\n') {
    return InvalidArgument("malformed multipart boundary line (expected CRLF or '--' after the boundary)");
  }
  if (parts_ >= limits_.max_parts) {
    return PayloadTooLarge("multipart form has more than " + std::to_string(limits_.max_parts) + " parts");
  }
  ++parts_;
  buf_.erase(0, i + 2);
  state_ = State::kHeaders;
  *progressed = true;
  return Status::Ok();
}

Status MultipartParser::StepHeaders(bool* progressed) {
  if (buf_.size() < 2) return Status::Ok();
  size_t block_len = 0;
  size_t consumed = 0;
  if (buf_[0] == '\r' && buf_[1] == '\n') {
    consumed = 2;  // a part without headers
  } else {
    size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos || end > limits_.max_part_header_bytes) {
      if (buf_.size() > limits_.max_part_header_bytes + 4) {
        return InvalidArgument("multipart part headers are too large or not terminated by an empty line");
      }
      return Status::Ok();
    }
    block_len = end;
    consumed = end + 4;
  }
  Status s = BeginPart(std::string_view(buf_).substr(0, block_len));
  if (!s.ok()) return s;
  buf_.erase(0, consumed);
  state_ = State::kBody;
  *progressed = true;
  return Status::Ok();
}

Status MultipartParser::StepBody(bool* progressed) {
  size_t pos = buf_.find(delimiter_);
  if (pos == std::string::npos) {
    size_t keep = std::min(buf_.size(), delimiter_.size() - 1);
    size_t emit = buf_.size() - keep;
    if (emit == 0) return Status::Ok();
    Status s = AppendPartData(std::string_view(buf_).substr(0, emit));
    if (!s.ok()) return s;
    buf_.erase(0, emit);
    return Status::Ok();
  }
  Status s = AppendPartData(std::string_view(buf_).substr(0, pos));
  if (s.ok()) s = EndPart();
  if (!s.ok()) return s;
  buf_.erase(0, pos + delimiter_.size());
  state_ = State::kAfterBoundary;
  *progressed = true;
  return Status::Ok();
}

Status MultipartParser::BeginPart(std::string_view block) {
  Part part;
  bool has_disposition = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgument("malformed multipart part header line '" + std::string(line.substr(0, 100)) + "'");
    }
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Type")) {
      part.content_type = std::string(value);
    } else if (EqualsIgnoreCase(name, "Content-Disposition")) {
      has_disposition = true;
      size_t semi = value.find(';');
      if (!EqualsIgnoreCase(Trim(value.substr(0, semi)), "form-data")) {
        return InvalidArgument("multipart part Content-Disposition is not form-data");
      }
      auto params = ParseParams(semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1));
      if (!params.ok()) return InvalidArgument("malformed multipart Content-Disposition: " + params.status().message());
      if (const std::string* n = FindParam(*params, "name")) part.name = *n;
      if (const std::string* f = FindParam(*params, "filename")) {
        part.filename = *f;
      } else if (const std::string* fx = FindParam(*params, "filename*")) {
        // RFC 5987 ext-value: charset'lang'percent-encoded.
        size_t quote = fx->rfind('\'');
        auto decoded = PercentDecode(quote == std::string::npos ? *fx : fx->substr(quote + 1), false);
        part.filename = decoded.ok() ? *decoded : *fx;
      }
    }
  }
  if (!has_disposition) return InvalidArgument("multipart part has no Content-Disposition header");
  if (part.name.empty()) return InvalidArgument("multipart part has no field name");
  if (part.filename) {
    for (int attempt = 0; attempt < 5 && part.fd < 0; ++attempt) {
      std::string path = limits_.temp_dir + "/batchcall-upload-" + RandomHex(12) + ".part";
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) {
        part.fd = fd;
        part.path = path;
        files_.Add(std::move(path));
      } else if (errno != EEXIST) {
        return Unavailable("cannot create upload temp file in " + limits_.temp_dir + ": " + std::strerror(errno));
      }
    }
    if (part.fd < 0) return Unavailable("cannot create a unique upload temp file in " + limits_.temp_dir);
  }
  part_ = std::move(part);
  return Status::Ok();
}

Status MultipartParser::AppendPartData(std::string_view data) {
  if (data.empty()) return Status::Ok();
  Part& part = *part_;
  if (part.fd >= 0) {
    part.size += data.size();
    return WriteAll(part.fd, data);
  }
  if (part.value.size() + data.size() > limits_.max_field_bytes) {
    return PayloadTooLarge("form field '" + part.name + "' is larger than " +
                           std::to_string(limits_.max_field_bytes) + " bytes");
  }
  part.value.append(data);
  return Status::Ok();
}

Status MultipartParser::EndPart() {
  Part& part = *part_;
  if (part.filename) {
    if (::close(part.fd) != 0) {
      part.fd = -1;
      return Unavailable(std::string("cannot close upload temp file: ") + std::strerror(errno));
    }
    part.fd = -1;
    form_.files.push_back(FormFile{part.name, *part.filename, part.content_type, part.path, part.size});
  } else {
    form_.fields.emplace(std::move(part.name), std::move(part.value));
  }
  part_.reset();
  return Status::Ok();
}

void MultipartParser::ClosePartFile() {
  if (part_ && part_->fd >= 0) {
    ::close(part_->fd);
    part_->fd = -1;
  }
}

// Form accessors.

std::optional<std::string> Form::Get(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Form::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [begin, end] = fields.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

const FormFile* Form::File(const std::string& name) const {
  for (const auto& f : files) {
    if (f.field == name) return &f;
  }
  return nullptr;
}

}  // namespace batchcall
