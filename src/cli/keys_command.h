// `batchcall keys create|list|revoke`: API keys, on the database directly
// (the operator's tools; no server needs to run). Each opens the store named
// by the config's db (and secret_key), prints to stdout and returns the
// process exit code (0, or 1 with the error on stderr).
#pragma once

#include <string>

#include "cli/config.h"

namespace batchcall {

// A new key for the default account, or for a new account `new_account`
// (which also gets its webhook signing secret); the key is printed once.
int RunKeysCreate(const config::Config& config, const std::string& name, const std::string& new_account);
// The active keys of every account, one line each: id, account, name,
// prefix, created, last used. Never a key or a hash.
int RunKeysList(const config::Config& config);
// Revokes the key `id` of any account (also an account's last key).
int RunKeysRevoke(const config::Config& config, const std::string& id);

}  // namespace batchcall
