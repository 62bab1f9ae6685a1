// `batchcall keys create|list|revoke`: API keys, on the database directly
// (the operator's tools; no server needs to run). Each opens the store named
// by the StoreOptions (db and secret_key, app/bootstrap.h), prints to stdout
// and returns the process exit code (0, or 1 with the error on stderr).
#pragma once

#include <string>

#include "app/server_options.h"

namespace batchcall {

// A new key for the default account, or for a new account `new_account`
// (which also gets its webhook signing secret); the key is printed once.
// The same bootstrap as the server's (BootstrapAccount).
int RunKeysCreate(const StoreOptions& store, const std::string& name, const std::string& new_account);
// The active keys of every account, one line each: id, account, name,
// prefix, created, last used. Never a key or a hash.
int RunKeysList(const StoreOptions& store);
// Revokes the key `id` of any account (also an account's last key).
int RunKeysRevoke(const StoreOptions& store, const std::string& id);

}  // namespace batchcall
