// ApiKeyAuthenticator on a real (SQLite) store and a fake clock: the cache
// lifetime bounds how long a key revoked elsewhere keeps working, a local
// revocation (Invalidate) takes effect at once, and last-used times are
// written only by FlushUsage, at most once a minute per key.
#include "api/auth.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/crypto.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    auto account = store_->EnsureDefaultAccount(clock_.Now());
    ASSERT_TRUE(account.ok());
    account_ = account->id;
    for (const char* id : {"k1", "k2"}) {
      std::string key = std::string("bc_key_") + id + "_0123456789abcdef";
      ASSERT_TRUE(store_->AddApiKey({id, account_, id, Sha256Hex(key), clock_.Now(), ApiKeyPrefix(key), {}}).ok());
    }
  }
  void TearDown() override {
    store_.reset();
  }
  static std::string Key(const char* id) { return std::string("bc_key_") + id + "_0123456789abcdef"; }
  std::optional<TimePoint> LastUsed(const char* id) {
    auto k = store_->FindApiKeyByHash(Sha256Hex(Key(id)));
    return k.ok() ? k->last_used_at : std::nullopt;
  }

  test::TempDir dir_{"bc-auth-test-"};
  FakeClock clock_{TimePoint(milliseconds(1'780'000'000'000))};
  std::unique_ptr<SqliteStore> store_;
  std::string account_;
};

TEST_F(AuthTest, UnknownAndMalformedKeysAreUnauthenticated) {
  ApiKeyAuthenticator auth(*store_, clock_);
  EXPECT_EQ(*auth.Authenticate(Key("k1")), account_);
  EXPECT_EQ(auth.Authenticate("bc_nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate(std::string(300, 'a')).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, KeyRevokedElsewhereFailsOnceTheCacheEntryIsOlderThanRecheckAfter) {
  ApiKeyAuthenticator auth(*store_, clock_);
  ASSERT_TRUE(auth.Authenticate(Key("k1")).ok());
  // Another node (or the CLI) revokes it in the shared store.
  ASSERT_TRUE(store_->RevokeApiKey("", "k1", clock_.Now()).ok());
  clock_.Advance(milliseconds(3'999));
  EXPECT_TRUE(auth.Authenticate(Key("k1")).ok());  // still cached
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(auth.Authenticate(Key("k1")).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(auth.Authenticate(Key("k2")).ok());
}

TEST_F(AuthTest, LocalRevocationTakesEffectAtOnce) {
  ApiKeyAuthenticator auth(*store_, clock_);
  ASSERT_TRUE(auth.Authenticate(Key("k1")).ok());
  ASSERT_TRUE(store_->RevokeApiKey(account_, "k1", clock_.Now()).ok());
  auth.Invalidate();
  EXPECT_EQ(auth.Authenticate(Key("k1")).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(auth.Authenticate(Key("k2")).ok());
}

TEST_F(AuthTest, LastUsedIsWrittenByFlushAtMostOnceAMinutePerKey) {
  ApiKeyAuthenticator auth(*store_, clock_);
  TimePoint first = clock_.Now();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(auth.Authenticate(Key("k1")).ok());
  EXPECT_FALSE(LastUsed("k1").has_value());  // nothing written in the request path
  ASSERT_TRUE(auth.FlushUsage().ok());
  EXPECT_EQ(LastUsed("k1"), first);
  EXPECT_FALSE(LastUsed("k2").has_value());

  clock_.Advance(seconds(30));
  ASSERT_TRUE(auth.Authenticate(Key("k1")).ok());
  ASSERT_TRUE(auth.FlushUsage().ok());
  EXPECT_EQ(LastUsed("k1"), first);  // within the minute: not recorded again
  clock_.Advance(seconds(30));
  ASSERT_TRUE(auth.Authenticate(Key("k1")).ok());
  ASSERT_TRUE(auth.FlushUsage().ok());
  EXPECT_EQ(LastUsed("k1"), clock_.Now());
}

TEST_F(AuthTest, DestructionFlushesPendingUses) {
  {
    ApiKeyAuthenticator auth(*store_, clock_, {.flush_every = seconds(3600)});
    ASSERT_TRUE(auth.Authenticate(Key("k2")).ok());
  }
  EXPECT_EQ(LastUsed("k2"), clock_.Now());
}

TEST(ApiKeyPrefix, ShowsAtMostEightCharactersAndAQuarterOfAShortKey) {
  EXPECT_EQ(ApiKeyPrefix("bc_0123456789abcdef0123456789abcdef0123456789abcdef"), "bc_01234");
  EXPECT_EQ(ApiKeyPrefix("short-key-16char"), "shor");
  EXPECT_EQ(ApiKeyPrefix(""), "");
  EXPECT_EQ(NewApiKey().substr(0, 3), "bc_");
}

}  // namespace
}  // namespace batchcall
