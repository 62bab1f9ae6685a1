#include "config/toml_guard.h"

namespace batchcall::config {

std::string CheckTomlNesting(std::string_view text, std::string_view file) {
  enum class State { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  State state = State::kCode;
  int brackets = 0;
  int dots = 0;  // outside strings, on this line
  int line = 1;
  const auto starts = [&](size_t i, std::string_view what) { return text.substr(i, what.size()) == what; };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      if (state == State::kComment || state == State::kBasic || state == State::kLiteral) state = State::kCode;
      continue;
    }
    switch (state) {
      case State::kCode:
        if (c == '#') {
          state = State::kComment;
        } else if (starts(i, "\"\"\"")) {
          state = State::kMultiBasic;
          i += 2;
        } else if (starts(i, "'''")) {
          state = State::kMultiLiteral;
          i += 2;
        } else if (c == '"') {
          state = State::kBasic;
        } else if (c == '\'') {
          state = State::kLiteral;
        } else if (c == '[' || c == '{') {
          ++brackets;
        } else if (c == ']' || c == '}') {
          if (brackets > 0) --brackets;
        } else if (c == '.') {
          ++dots;
        }
        if (brackets + dots + 1 > kMaxTomlNesting) {
          return std::string(file) + ":" + std::to_string(line) + ": keys, tables or arrays nested more than " +
                 std::to_string(kMaxTomlNesting) + " levels deep";
        }
        break;
      case State::kComment:
        break;
      case State::kBasic:
      case State::kMultiBasic:
        if (c == '\\') {
          if (i + 1 < text.size() && text[i + 1] == '\n') ++line;
          ++i;
        } else if (state == State::kBasic && c == '"') {
          state = State::kCode;
        } else if (state == State::kMultiBasic && starts(i, "\"\"\"")) {
          state = State::kCode;
          i += 2;
          while (i + 1 < text.size() && text[i + 1] == '"') ++i;  // """a"""" ends with a quote in the string
        }
        break;
      case State::kLiteral:
        if (c == '\'') state = State::kCode;
        break;
      case State::kMultiLiteral:
        if (starts(i, "'''")) {
          state = State::kCode;
          i += 2;
          while (i + 1 < text.size() && text[i + 1] == '\'') ++i;
        }
        break;
    }
  }
  return "";
}

}  // namespace batchcall::config
