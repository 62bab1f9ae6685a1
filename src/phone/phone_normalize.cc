#include "phone/phone_normalize.h"

namespace batchcall::phone_internal {
namespace {

bool IsAsciiBlank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the blank at s[i] (1 for ASCII whitespace, 2 for U+00A0), or 0.
size_t BlankAt(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (IsAsciiBlank(c)) return 1;
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) return 2;
  return 0;
}

std::string_view Trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    const size_t n = BlankAt(s, b);
    if (n == 0) break;
    b += n;
  }
  size_t e = s.size();
  while (e > b) {
    if (IsAsciiBlank(static_cast<unsigned char>(s[e - 1]))) {
      --e;
    } else if (e - b >= 2 && static_cast<unsigned char>(s[e - 2]) == 0xC2 &&
               static_cast<unsigned char>(s[e - 1]) == 0xA0) {
      e -= 2;
    } else {
      break;
    }
  }
  return s.substr(b, e - b);
}

// digits [.,] digits? [eE] [+-]? digits — what Excel shows for a long number
// in a General-formatted cell (9.19877E+11, or 9,19877E+11 in comma locales).
bool IsExcelScientific(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    if (!digits()) return false;
  }
  if (i >= s.size() || (s[i] != 'e' && s[i] != 'E')) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (!digits()) return false;
  return i == s.size();
}

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

CleanNumber Clean(std::string_view raw, bool zeros_mean_plus) {
  CleanNumber out;
  std::string_view s = Trim(raw);
  if (!s.empty() && s.front() == '\'') s = Trim(s.substr(1));
  out.trimmed = s;
  if (s.empty()) return out;  // kEmpty
  if (IsExcelScientific(s)) {
    out.kind = CleanNumber::Kind::kExcel;
    return out;
  }
  int total_digits = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (IsDigit(c)) {
      if (total_digits < kMaxNationalDigits) out.digits[total_digits] = c;
      ++total_digits;
      ++i;
      continue;
    }
    if (c == '-' || c == '.' || c == '(' || c == ')') {
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (static_cast<unsigned char>(c) == 0xC2 && BlankAt(s, i) == 2) {  // U+00A0
      i += 2;
      continue;
    }
    if (c == '+' && total_digits == 0 && !out.plus) {
      out.plus = true;
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(static_cast<unsigned char>(c));
    out.kind = CleanNumber::Kind::kBadChar;
    out.bad_char = s.substr(i, len);
    return out;
  }
  out.count = total_digits < kMaxNationalDigits ? total_digits : kMaxNationalDigits;
  if (total_digits == 0 && !out.plus) return out;  // kEmpty: only separators
  if (!out.plus && total_digits >= 3 && out.digits[0] == '0' && out.digits[1] == '0' &&
      out.digits[2] != '0') {
    if (zeros_mean_plus) {
      out.plus = true;
      total_digits -= 2;
      // The stored digits less the two zeros: digits[] holds at most
      // kMaxNationalDigits, so a longer number has fewer than that to shift.
      out.count -= 2;
      for (int k = 0; k < out.count; ++k) out.digits[k] = out.digits[k + 2];
    } else {
      out.double_zero = true;
    }
  }
  const int limit = out.plus ? kMaxE164Digits : kMaxNationalDigits;
  if (total_digits > limit) {
    out.kind = CleanNumber::Kind::kTooLong;
    out.total_digits = total_digits;
    return out;
  }
  out.kind = CleanNumber::Kind::kOk;
  out.total_digits = total_digits;
  return out;
}

uint64_t DigitsKey(std::string_view digits, bool plus) {
  if (digits.empty() || digits.size() > 17) return 0;
  uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<uint64_t>(c - '0');
  return (((value << 5) | digits.size()) << 1) | (plus ? 1 : 0);
}

}  // namespace batchcall::phone_internal
