#include "app/bootstrap.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "base/ids.h"

namespace batchcall {
namespace {

namespace fs = std::filesystem;

AccountSetup MakeSetup(std::string new_account, std::string adopt_key, std::string new_key_name, bool webhook_secret) {
  AccountSetup setup;
  setup.new_account = std::move(new_account);
  setup.adopt_key = std::move(adopt_key);
  setup.new_key_name = std::move(new_key_name);
  setup.ensure_webhook_secret = webhook_secret;
  return setup;
}

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bc-bootstrap-" + NewBatchId());
    StoreOptions options;
    options.db = "sqlite:" + (dir_ / "batchcall.db").string();  // secret_key unset: created in dir_
    auto opened = OpenStore(options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    opened_ = std::move(*opened);
  }
  void TearDown() override {
    opened_ = OpenedStore{};
    fs::remove_all(dir_);
  }

  // Runs BootstrapAccount, recording what it created.
  Result<Account> Run(const AccountSetup& setup) {
    return BootstrapAccount(*opened_.store, setup, SystemClock().Now(),
                            [this](CreatedSecret what, const std::string& secret) {
                              created_.emplace_back(what, secret);
                              return Status::Ok();
                            });
  }
  int64_t Keys() { return *opened_.store->CountApiKeys(); }

  fs::path dir_;
  OpenedStore opened_;
  std::vector<std::pair<CreatedSecret, std::string>> created_;
};

TEST_F(BootstrapTest, OpenStoreCreatesTheSecretKeyFile) {
  EXPECT_TRUE(fs::exists(dir_ / "secret.key"));
  EXPECT_EQ(fs::status(dir_ / "secret.key").permissions() & fs::perms::group_all, fs::perms::none);
  EXPECT_EQ(DataDirOf("sqlite:" + (dir_ / "batchcall.db").string()), dir_.string());
}

TEST_F(BootstrapTest, CreatesAKeyOnceAndTheWebhookSecretOnlyWhenMissing) {
  AccountSetup setup;
  setup.new_key_name = "first key";
  setup.ensure_webhook_secret = true;
  auto account = Run(setup);
  ASSERT_TRUE(account.ok()) << account.status().message();
  ASSERT_EQ(created_.size(), 2u);
  EXPECT_EQ(created_[0].first, CreatedSecret::kApiKey);
  EXPECT_EQ(created_[0].second.rfind("bc_", 0), 0u) << created_[0].second;
  EXPECT_EQ(created_[1].first, CreatedSecret::kWebhookSecret);
  EXPECT_EQ(created_[1].second.rfind("whsec_", 0), 0u) << created_[1].second;
  EXPECT_EQ(Keys(), 1);
  EXPECT_TRUE(opened_.store->FindApiKeyByHash(Sha256Hex(created_[0].second)).ok());

  // Again without a key name: the same default account, nothing new.
  created_.clear();
  auto again = Run(MakeSetup("", "", "", true));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->id, account->id);
  EXPECT_TRUE(created_.empty());
  EXPECT_EQ(Keys(), 1);
}

TEST_F(BootstrapTest, ANewAccountGetsItsOwnKeyAndSecret) {
  auto main_account = Run({});
  ASSERT_TRUE(main_account.ok());
  auto other = Run(MakeSetup("other", "", "cli", true));
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_NE(other->id, main_account->id);
  ASSERT_EQ(created_.size(), 2u);
  auto owner = opened_.store->FindApiKeyByHash(Sha256Hex(created_[0].second));
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->account_id, other->id);
  EXPECT_EQ(owner->name, "cli");
}

TEST_F(BootstrapTest, AnAdoptedKeyIsStoredOnceAndNeverRevived) {
  const std::string key = "bc_operator_chosen_key_0123456789";
  ASSERT_TRUE(Run(MakeSetup("", key, "", false)).ok());
  ASSERT_TRUE(Run(MakeSetup("", key, "", false)).ok());
  EXPECT_EQ(Keys(), 1);
  EXPECT_TRUE(created_.empty()) << "an adopted key is not shown";
  auto stored = opened_.store->FindApiKeyByHash(Sha256Hex(key));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name, "BATCHCALL_API_KEY");
  ASSERT_TRUE(opened_.store->RevokeApiKey("", stored->id, SystemClock().Now()).ok());
  auto revived = Run(MakeSetup("", key, "", false));
  EXPECT_EQ(revived.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(revived.status().message().find("was revoked"), std::string::npos);
}

TEST_F(BootstrapTest, AFailedShowStopsTheBootstrap) {
  auto failed = BootstrapAccount(*opened_.store, MakeSetup("", "", "k", true),
                                 SystemClock().Now(),
                                 [](CreatedSecret, const std::string&) { return Internal("cannot show"); });
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
  auto account = opened_.store->EnsureDefaultAccount(SystemClock().Now());
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(opened_.store->GetWebhookSecrets(account->id)->current.empty()) << "stopped before the secret";
}

}  // namespace
}  // namespace batchcall
