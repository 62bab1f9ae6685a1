#include "api/auth.h"

#include <algorithm>
#include <vector>

#include "base/crypto.h"
#include "base/log.h"

namespace batchcall {

std::string NewApiKey() { return "bc_" + RandomHex(24); }

std::string ApiKeyPrefix(std::string_view key) {
  return std::string(key.substr(0, std::min<size_t>(8, key.size() / 4)));
}

ApiKeyAuthenticator::ApiKeyAuthenticator(Store& store, const Clock& clock, ApiKeyAuthOptions options)
    : store_(store), clock_(clock), options_(options) {
  if (options_.flush_every.count() > 0) flusher_ = std::thread([this] { FlushLoop(); });
}

ApiKeyAuthenticator::~ApiKeyAuthenticator() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Status s = FlushUsage();
  if (!s.ok()) LogWarn("API key last-used times not stored", {{"error", s.ToString()}});
}

void ApiKeyAuthenticator::FlushLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, options_.flush_every, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    Status s = FlushUsage();
    if (!s.ok()) LogWarn("API key last-used times not stored; retried", {{"error", s.ToString()}});
    lock.lock();
  }
}

void ApiKeyAuthenticator::NoteUse(const std::string& key_id, TimePoint now) {
  auto it = last_noted_.find(key_id);
  if (it != last_noted_.end() && now - it->second < options_.record_use_every && now >= it->second) return;
  if (last_noted_.size() >= kMaxCached) last_noted_.clear();
  last_noted_[key_id] = now;
  pending_[key_id] = now;
}

Result<std::string> ApiKeyAuthenticator::Authenticate(std::string_view bearer_token) {
  if (bearer_token.empty() || bearer_token.size() > 256) return Unauthenticated("Unknown API key.");
  std::string hash = Sha256Hex(bearer_token);
  TimePoint now = clock_.Now();
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked_at < options_.recheck_after &&
        now >= it->second.checked_at) {
      NoteUse(it->second.key_id, now);
      return it->second.account_id;
    }
    generation = generation_;
  }
  auto key = store_.FindApiKeyByHash(hash);
  if (!key.ok()) {
    if (key.status().code() == StatusCode::kNotFound) {
      std::lock_guard lock(mu_);
      cache_.erase(hash);
      return Unauthenticated("Unknown API key.");
    }
    return Unavailable("The key store is unavailable: " + key.status().message());
  }
  std::lock_guard lock(mu_);
  // A revocation (Invalidate) while the store was read: this answer may be
  // from before it, so it is used once but not cached.
  if (generation == generation_) {
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[hash] = Entry{key->account_id, key->id, now};
  }
  NoteUse(key->id, now);
  return key->account_id;
}

void ApiKeyAuthenticator::Invalidate() {
  std::lock_guard lock(mu_);
  cache_.clear();
  ++generation_;
}

Status ApiKeyAuthenticator::FlushUsage() {
  std::vector<std::pair<std::string, TimePoint>> uses;
  {
    std::lock_guard lock(mu_);
    uses.assign(pending_.begin(), pending_.end());
    pending_.clear();
  }
  if (uses.empty()) return Status::Ok();
  Status s = store_.RecordApiKeyUse(uses);
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    for (const auto& [id, at] : uses) pending_.emplace(id, at);  // a newer pending use wins
  }
  return s;
}

}  // namespace batchcall
