// What the PostgreSQL store's tests share: the server they run against.
#pragma once

#include <cstdlib>
#include <string>

namespace batchcall {

// BATCHCALL_TEST_PG_URL (scripts/pg-test-server url): an admin connection URL
// of a throwaway server; empty when unset (the tests then skip).
inline std::string AdminUrl() {
  const char* url = std::getenv("BATCHCALL_TEST_PG_URL");
  return url ? url : "";
}

}  // namespace batchcall
