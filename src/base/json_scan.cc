#include "base/json_scan.h"

namespace batchcall {
namespace json_scan_internal {

const char* SkipString(const char* p, const char* end) {
  for (++p; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') return p + 1;
    if (c < 0x20) return nullptr;
    if (c == '\\' && ++p == end) return nullptr;
  }
  return nullptr;
}

}  // namespace json_scan_internal

const char* SkipJsonValue(const char* p, const char* end) {
  using json_scan_internal::SkipString;
  p = json_scan_internal::SkipSpace(p, end);
  if (p == end) return nullptr;
  if (*p == '"') return SkipString(p, end);
  if (*p != '[' && *p != '{') {
    // A number or a literal: up to the next delimiter.
    const char* start = p;
    while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ':' && *p != ' ' && *p != '\t' &&
           *p != '\n' && *p != '\r' && *p != '"' && *p != '[' && *p != '{')
      ++p;
    return p == start ? nullptr : p;
  }
  // A container: count brackets, skipping strings; mismatched kinds of
  // brackets are caught by the callers' own scan of the nested text.
  int depth = 0;
  for (; p < end; ++p) {
    switch (*p) {
      case '"':
        p = SkipString(p, end);
        if (p == nullptr) return nullptr;
        --p;
        break;
      case '[':
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        if (--depth == 0) return p + 1;
        break;
      default:
        break;
    }
  }
  return nullptr;
}

bool IsOneJsonValue(std::string_view text) {
  const char* end = text.data() + text.size();
  const char* value_end = SkipJsonValue(text.data(), end);
  return value_end != nullptr && json_scan_internal::SkipSpace(value_end, end) == end;
}

void AppendJsonString(std::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* run = value.data();  // start of the bytes not yet copied
  const char* const end = value.data() + value.size();
  for (const char* p = run; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(run, static_cast<size_t>(p - run));
    run = p + 1;
    out->push_back('\\');
    switch (c) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '\b': out->push_back('b'); break;
      case '\f': out->push_back('f'); break;
      case '\n': out->push_back('n'); break;
      case '\r': out->push_back('r'); break;
      case '\t': out->push_back('t'); break;
      default:
        out->append("u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(run, static_cast<size_t>(end - run));
  out->push_back('"');
}

}  // namespace batchcall
