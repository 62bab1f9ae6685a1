#include "api/auth.h"

#include "base/crypto.h"

namespace batchcall {

std::string NewApiKey() { return "bc_" + RandomHex(24); }

Result<std::string> ApiKeyAuthenticator::Authenticate(std::string_view bearer_token) {
  if (bearer_token.empty() || bearer_token.size() > 256) return Unauthenticated("Unknown API key.");
  std::string hash = Sha256Hex(bearer_token);
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) return it->second;
  }
  auto account = store_.FindAccountIdByKeyHash(hash);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) return Unauthenticated("Unknown API key.");
    return Unavailable("The key store is unavailable: " + account.status().message());
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.emplace(hash, *account);
  return *account;
}

}  // namespace batchcall
