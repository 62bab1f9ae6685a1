// What this binary is: the project version and the git commit it was built
// from, for `batchcall --version`, `GET /healthz` and the logs. Generated at
// build time (cmake/BuildInfo.cmake); thread-safe (constants).
#pragma once

#include <string>
#include <string_view>

namespace batchcall {

// The project version from CMakeLists.txt, e.g. "0.1.0".
std::string_view BuildVersion();

// The abbreviated (12 hex digits) commit, with "-dirty" when tracked files had
// uncommitted changes at build time; "unknown" when built outside a git checkout.
std::string_view BuildCommit();

// "batchcall 0.1.0 (commit 0123456789ab)": the --version line.
inline std::string BuildVersionLine() {
  return "batchcall " + std::string(BuildVersion()) + " (commit " + std::string(BuildCommit()) + ")";
}

}  // namespace batchcall
