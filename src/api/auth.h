// API key authentication: bearer token -> account id.
//
// Keys are never stored; the store holds their SHA-256. Lookups are cached in
// memory, and a cached key is read from the store again once its entry is
// older than `recheck_after`: a key revoked on another node (sharing the
// store) fails here within that time; one revoked through this process fails
// at once (Invalidate()).
//
// When each key was last used is kept in memory and written by
// FlushUsage() — at most once per `record_use_every` per key, never in the
// request path. With `flush_every` > 0 a background thread calls it.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace batchcall {

// A new random API key: "bc_" followed by 48 hex characters.
std::string NewApiKey();

// The part of a key shown to tell keys apart: its first 8 characters ("bc_" +
// 5 hex), fewer for a short hand-made key (a quarter of it), never the key.
std::string ApiKeyPrefix(std::string_view key);

struct ApiKeyAuthOptions {
  // A cached key is confirmed with the store again after this long (the
  // bound on how long a key revoked elsewhere keeps working here).
  std::chrono::milliseconds recheck_after{4'000};
  // A key's use is recorded at most once per this interval.
  std::chrono::milliseconds record_use_every{60'000};
  // Background FlushUsage() interval; 0 = no thread (the owner calls it).
  std::chrono::milliseconds flush_every{0};
};

class ApiKeyAuthenticator {
 public:
  ApiKeyAuthenticator(Store& store, const Clock& clock, ApiKeyAuthOptions options = {});
  // Stops the background thread and flushes what is pending.
  ~ApiKeyAuthenticator();
  ApiKeyAuthenticator(const ApiKeyAuthenticator&) = delete;
  ApiKeyAuthenticator& operator=(const ApiKeyAuthenticator&) = delete;

  // Unauthenticated for unknown, revoked or malformed keys; Unavailable when
  // the store fails.
  Result<std::string> Authenticate(std::string_view bearer_token);
  // Forgets every cached key: the next request of each reads the store.
  void Invalidate();
  // Writes the pending last-used times to the store (RecordApiKeyUse). On
  // failure they are kept for the next call.
  Status FlushUsage();

 private:
  struct Entry {
    std::string account_id;
    std::string key_id;
    TimePoint checked_at;
  };
  static constexpr size_t kMaxCached = 10'000;
  void NoteUse(const std::string& key_id, TimePoint now);  // mu_ held
  void FlushLoop();

  // Constant after construction.
  Store& store_;
  const Clock& clock_;
  const ApiKeyAuthOptions options_;

  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;                // guarded by mu_; key hash -> entry
  uint64_t generation_ = 0;                                     // guarded by mu_; + 1 per Invalidate()
  std::unordered_map<std::string, TimePoint> last_noted_;       // guarded by mu_; key id -> last use noted
  std::unordered_map<std::string, TimePoint> pending_;          // guarded by mu_; key id -> use to write
  bool stop_ = false;                                           // guarded by mu_
  std::condition_variable cv_;
  std::thread flusher_;
};

}  // namespace batchcall
