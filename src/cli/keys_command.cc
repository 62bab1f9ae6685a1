#include "cli/keys_command.h"

#include <iomanip>
#include <iostream>

#include "app/bootstrap.h"
#include "base/clock.h"
#include "base/time.h"

namespace batchcall {

int RunKeysCreate(const StoreOptions& options, const std::string& name, const std::string& new_account) {
  auto opened = OpenStore(options);
  if (!opened.ok()) {
    std::cerr << "batchcall keys create: " << opened.status().message() << "\n";
    return 1;
  }
  AccountSetup setup;
  setup.new_account = new_account;
  setup.new_key_name = name;
  // A new account gets its webhook signing secret now, shown this once.
  setup.ensure_webhook_secret = !new_account.empty();
  std::string key, secret;
  auto account = BootstrapAccount(*opened->store, setup, SystemClock().Now(),
                                  [&](CreatedSecret what, const std::string& created) {
                                    (what == CreatedSecret::kApiKey ? key : secret) = created;
                                    return Status::Ok();
                                  });
  if (!account.ok()) {
    std::cerr << "batchcall keys create: " << account.status().message() << "\n";
    return 1;
  }
  if (!secret.empty()) {
    std::cout << "webhook signing secret for account \"" << new_account << "\" (shown once): " << secret << "\n";
  }
  std::cout << key << std::endl;
  return 0;
}

int RunKeysList(const StoreOptions& options) {
  auto opened = OpenStore(options);
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

int RunKeysRevoke(const StoreOptions& options, const std::string& id) {
  auto opened = OpenStore(options);
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
