// The handler of Boost's assertions (BOOST_ASSERT, BOOST_ASSERT_MSG).
//
// The project is compiled with BOOST_ENABLE_ASSERT_DEBUG_HANDLER (top-level
// CMakeLists.txt): in release builds (NDEBUG) Boost's assertions compile to
// nothing, exactly as without it; in debug builds they call these functions,
// which abort with the expression and place like assert() does, except for
// the assertions listed in kWrongAssertions.
//
// kWrongAssertions are assertions of the Boost version Debian 12 ships
// (1.74) that are themselves wrong: the code after them handles the case
// they refuse, upstream has corrected them, and a peer can reach them with
// valid streaming input, so a debug server would abort where the release
// server answers correctly. Each entry names the upstream fix.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

struct WrongAssertion {
  std::string_view file_suffix;  // the end of __FILE__
  std::string_view expression;   // the assertion's text as written
};

constexpr WrongAssertion kWrongAssertions[] = {
    // basic_parser::parse_chunk_header, on re-entry after "0\r\n" of the last
    // chunk was seen without the end of the trailer: it assumes at least 5
    // bytes, but a stream may have given only one more ("0\r\n" then "\r").
    // What follows returns need_more correctly. Boost.Beast pull request
    // #2861 (2024) relaxes it to n >= 3. Found by test/fuzz/fuzz_http_head.
    {"boost/beast/http/impl/basic_parser.ipp", "n >= 5"},
};

bool IsWrongAssertion(const char* expression, const char* file) {
  const std::string_view expr(expression), path(file);
  for (const WrongAssertion& wrong : kWrongAssertions) {
    if (expr == wrong.expression && path.ends_with(wrong.file_suffix)) return true;
  }
  return false;
}

[[noreturn]] void Fail(const char* expression, const char* message, const char* function, const char* file,
                       long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.%s%s\n", file, line, function, expression,
               message ? " " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expression, const char* function, const char* file, long line) {
  if (IsWrongAssertion(expression, file)) return;
  Fail(expression, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expression, const char* message, const char* function, const char* file,
                          long line) {
  if (IsWrongAssertion(expression, file)) return;
  Fail(expression, message, function, file, line);
}

}  // namespace boost
