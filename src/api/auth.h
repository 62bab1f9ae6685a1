// API key authentication: bearer token -> account id.
//
// Keys are never stored; the store holds their SHA-256. Lookups are cached in
// memory (keys cannot be revoked yet, so a positive entry never goes stale).
// Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/store.h"

namespace batchcall {

// A new random API key: "bc_" followed by 48 hex characters.
std::string NewApiKey();

class ApiKeyAuthenticator {
 public:
  explicit ApiKeyAuthenticator(Store& store) : store_(store) {}
  // Unauthenticated for unknown or malformed keys; Unavailable when the store fails.
  Result<std::string> Authenticate(std::string_view bearer_token);

 private:
  static constexpr size_t kMaxCached = 10'000;
  Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> cache_;  // key hash -> account id
};

}  // namespace batchcall
