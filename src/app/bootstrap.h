// Bootstrap: what `batchcall serve` and `batchcall keys create` do before
// anything else, in one place. OpenStore opens the store named by
// StoreOptions (creating the data directory and the at-rest key file when
// missing); BootstrapAccount sets up an account (the default one or a new
// one) with its API keys and its webhook signing secret. The only place that
// creates API keys, and with the API's rotation the only caller of
// NewWebhookSecret (webhook/signature.h), the one maker of whsec_ secrets.
//
// Functions of their arguments; the store does its own locking.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/server_options.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/status.h"
#include "domain/model.h"
#include "store/store.h"

namespace batchcall {

// A store and the at-rest encryption key it uses (which must outlive it).
struct OpenedStore {
  std::unique_ptr<SecretBox> secret_box;
  std::unique_ptr<Store> store;  // declared last: destroyed first
};

// Opens the store named by options.db ("sqlite:PATH" or a postgresql:// URL).
// Creates the data directory and the secret key file when missing (with
// PostgreSQL every node must share one key: set BATCHCALL_SECRET_KEY).
// pool_size: connections for concurrent callers; 0 = the backend's default.
// node_id: the serving node's name (SQLite: uploads a previous run under it
// left unfinished are deleted now); empty for tools.
Result<OpenedStore> OpenStore(const StoreOptions& options, int pool_size = 0, const std::string& node_id = "");

// Directory holding the database (for temp files and the secret key).
std::string DataDirOf(const std::string& db);

// postgresql://... or postgres://...: a store that several nodes share.
bool IsPostgresUrl(const std::string& db);

// What BootstrapAccount sets up.
struct AccountSetup {
  std::string new_account;  // create an account of this name; empty: the default account (created when missing)
  // An API key the operator chose (api_key): accepted for the account from
  // now on (stored by its hash as "BATCHCALL_API_KEY" unless already known).
  // InvalidArgument when it was revoked. Empty: none.
  std::string adopt_key;
  std::string new_key_name;            // create an API key with this name; empty: none
  bool ensure_webhook_secret = false;  // create the account's signing secret when it has none
};

// A secret BootstrapAccount created, handed over once, right after it is
// stored; a failure stops the bootstrap.
enum class CreatedSecret { kApiKey, kWebhookSecret };
using OnSecretCreated = std::function<Status(CreatedSecret what, const std::string& secret)>;

// In this order: the account, the adopted key, the new key, the webhook
// secret. Returns the account.
Result<Account> BootstrapAccount(Store& store, const AccountSetup& setup, TimePoint now,
                                 const OnSecretCreated& on_created);

}  // namespace batchcall
