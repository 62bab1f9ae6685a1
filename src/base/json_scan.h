// Views into compact JSON text without parsing it into values: the elements
// of an array and the members of an object as raw slices of the text, and a
// JSON string writer. For text this process wrote itself (stored columns),
// where an export copies values as they are instead of building a DOM per
// row. The scanners check structure (brackets, string ends, commas and
// colons), not the spelling of numbers or literals; text from outside the
// process goes through ParseJson (base/json.h). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace batchcall {

// The end of the JSON value that starts at `p` (after any leading
// whitespace), or nullptr when the text ends first or is not well formed.
// Nesting is bounded by the text, not by the stack (no recursion).
const char* SkipJsonValue(const char* p, const char* end);

// True when `text` is one JSON value, surrounding whitespace allowed
// (structure only, as SkipJsonValue checks it).
bool IsOneJsonValue(std::string_view text);

// Calls fn(raw) for each element of the array `text` (raw: the element's own
// text, without surrounding whitespace). False when `text` is not one array
// (fn has then seen a prefix of the elements).
template <typename Fn>
bool ForEachJsonElement(std::string_view text, Fn&& fn);

// Calls fn(key_body, raw_value) for each member of the object `text` in text
// order; key_body is the key's text between its quotes as written (escapes
// not decoded). False when `text` is not one object.
template <typename Fn>
bool ForEachJsonMember(std::string_view text, Fn&& fn);

// `value` as a JSON string (quotes included), escaped as nlohmann's dump()
// escapes: \" \\ \b \f \n \r \t, other control characters as \u00xx; other
// bytes as they are (the text is UTF-8). Appends to *out.
void AppendJsonString(std::string_view value, std::string* out);

// --- implementation

namespace json_scan_internal {
inline const char* SkipSpace(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  return p;
}
// The end of the string starting at p (on its opening quote), or nullptr.
const char* SkipString(const char* p, const char* end);
}  // namespace json_scan_internal

template <typename Fn>
bool ForEachJsonElement(std::string_view text, Fn&& fn) {
  using json_scan_internal::SkipSpace;
  const char* end = text.data() + text.size();
  const char* p = SkipSpace(text.data(), end);
  if (p == end || *p != '[') return false;
  p = SkipSpace(p + 1, end);
  if (p < end && *p == ']') return SkipSpace(p + 1, end) == end;
  for (;;) {
    const char* value_end = SkipJsonValue(p, end);
    if (value_end == nullptr) return false;
    fn(std::string_view(p, static_cast<size_t>(value_end - p)));
    p = SkipSpace(value_end, end);
    if (p == end) return false;
    if (*p == ']') return SkipSpace(p + 1, end) == end;
    if (*p != ',') return false;
    p = SkipSpace(p + 1, end);
  }
}

template <typename Fn>
bool ForEachJsonMember(std::string_view text, Fn&& fn) {
  using json_scan_internal::SkipSpace;
  using json_scan_internal::SkipString;
  const char* end = text.data() + text.size();
  const char* p = SkipSpace(text.data(), end);
  if (p == end || *p != '{') return false;
  p = SkipSpace(p + 1, end);
  if (p < end && *p == '}') return SkipSpace(p + 1, end) == end;
  for (;;) {
    if (p == end || *p != '"') return false;
    const char* key_end = SkipString(p, end);
    if (key_end == nullptr) return false;
    std::string_view key(p + 1, static_cast<size_t>(key_end - p - 2));
    p = SkipSpace(key_end, end);
    if (p == end || *p != ':') return false;
    p = SkipSpace(p + 1, end);
    const char* value_end = SkipJsonValue(p, end);
    if (value_end == nullptr) return false;
    fn(key, std::string_view(p, static_cast<size_t>(value_end - p)));
    p = SkipSpace(value_end, end);
    if (p == end) return false;
    if (*p == '}') return SkipSpace(p + 1, end) == end;
    if (*p != ',') return false;
    p = SkipSpace(p + 1, end);
  }
}

}  // namespace batchcall
