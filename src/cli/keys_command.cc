#include "cli/keys_command.h"

#include <iomanip>
#include <iostream>

#include "api/auth.h"
#include "app/server_app.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/ids.h"
#include "base/time.h"
#include "webhook/signature.h"

namespace batchcall {

int RunKeysCreate(const config::Config& config, const std::string& name, const std::string& new_account) {
  auto opened = OpenStore(config.String("db"), config.String("secret_key"));
  if (!opened.ok()) {
    std::cerr << "batchcall keys create: " << opened.status().message() << "\n";
    return 1;
  }
  Store& store = *opened->store;
  SystemClock clock;
  auto account = new_account.empty() ? store.EnsureDefaultAccount(clock.Now())
                                     : store.CreateAccount(new_account, clock.Now());
  if (!account.ok()) {
    std::cerr << "batchcall keys create: " << account.status().message() << "\n";
    return 1;
  }
  std::string key = NewApiKey();
  Status s = store.AddApiKey({NewUuid(), account->id, name, Sha256Hex(key), clock.Now(), ApiKeyPrefix(key), std::nullopt});
  if (!s.ok()) {
    std::cerr << "batchcall keys create: " << s.message() << "\n";
    return 1;
  }
  if (!new_account.empty()) {
    // A new account gets its webhook signing secret now, shown this once.
    std::string secret = NewWebhookSecret();
    Status rotated = store.RotateWebhookSecret(account->id, secret, clock.Now(), clock.Now());
    if (!rotated.ok()) {
      std::cerr << "batchcall keys create: " << rotated.message() << "\n";
      return 1;
    }
    std::cout << "webhook signing secret for account \"" << new_account << "\" (shown once): " << secret << "\n";
  }
  std::cout << key << std::endl;
  return 0;
}

int RunKeysList(const config::Config& config) {
  auto opened = OpenStore(config.String("db"), config.String("secret_key"));
  if (!opened.ok()) {
    std::cerr << "batchcall keys list: " << opened.status().message() << "\n";
    return 1;
  }
  auto keys = opened->store->ListApiKeys("");
  if (!keys.ok()) {
    std::cerr << "batchcall keys list: " << keys.status().message() << "\n";
    return 1;
  }
  std::cout << std::left << std::setw(37) << "ID" << std::setw(37) << "ACCOUNT" << std::setw(10) << "PREFIX"
            << std::setw(30) << "CREATED" << std::setw(30) << "LAST USED"
            << "NAME\n";
  for (const ApiKey& k : *keys) {
    std::cout << std::setw(37) << k.id << std::setw(37) << k.account_id << std::setw(10)
              << (k.prefix.empty() ? "-" : k.prefix) << std::setw(30) << FormatRfc3339(k.created_at)
              << std::setw(30) << (k.last_used_at ? FormatRfc3339(*k.last_used_at) : "never") << k.name << "\n";
  }
  return 0;
}

int RunKeysRevoke(const config::Config& config, const std::string& id) {
  auto opened = OpenStore(config.String("db"), config.String("secret_key"));
  if (!opened.ok()) {
    std::cerr << "batchcall keys revoke: " << opened.status().message() << "\n";
    return 1;
  }
  Status s = opened->store->RevokeApiKey("", id, SystemClock().Now());
  if (!s.ok()) {
    std::cerr << "batchcall keys revoke: " << s.message() << "\n";
    return 1;
  }
  std::cout << "Revoked API key " << id << "; running servers refuse it within 5 seconds.\n";
  return 0;
}

}  // namespace batchcall
