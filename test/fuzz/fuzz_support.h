// Helpers shared by the libFuzzer harnesses of test/fuzz (README.md there).
// A harness must never throw or abort on any input: the helpers turn the
// silent failures a server would hit later (a view that throws in dump(), a
// value that does not survive a round trip) into a crash libFuzzer reports.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace batchcall::fuzz {

// Aborts with `what` (libFuzzer then saves the input as a crash).
[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

inline void Check(bool ok, const char* what) {
  if (!ok) Fail(what);
}

// Serialises a value the way the API views do (strict UTF-8: ill-formed text
// throws, which in a route is a 500 on every later view of the row).
inline std::string StrictDump(const nlohmann::json& j) { return j.dump(); }

// True when `text` is well-formed UTF-8 (nlohmann's strict serialiser accepts it).
inline bool IsUtf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Splits data at the first '\n': (head, rest). No '\n': (data, "").
inline std::pair<std::string_view, std::string_view> SplitLine(std::string_view data) {
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos) return {data, {}};
  return {data.substr(0, nl), data.substr(nl + 1)};
}

}  // namespace batchcall::fuzz
