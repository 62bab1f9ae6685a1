#include "app/bootstrap.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "api/auth.h"
#include "base/ids.h"
#include "base/log.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "webhook/signature.h"

namespace batchcall {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

Result<std::string> SqlitePath(const std::string& db) {
  if (db.rfind(kSqlitePrefix, 0) == 0 && db.size() > kSqlitePrefix.size()) return db.substr(kSqlitePrefix.size());
  return InvalidArgument(
      "--db must be sqlite:PATH (for example sqlite:./data/batchcall.db) or a postgresql:// URL.");
}

// Reads the at-rest encryption key, creating it (mode 0600) on first start.
Result<std::string> LoadOrCreateSecretKey(const fs::path& file) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    std::ifstream in(file);
    std::string key;
    in >> key;
    if (key.size() != 64) return InvalidArgument("The secret key file " + file.string() + " is malformed.");
    return key;
  }
  std::string key = RandomHex(32);
  std::string tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Internal("cannot write " + tmp);
    out << key << "\n";
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, file, ec);
  if (ec) return Internal("cannot create " + file.string() + ": " + ec.message());
  return key;
}

// Stores the operator's key for the account unless a key with its hash exists.
Status AdoptApiKey(Store& store, const std::string& account_id, const std::string& key, TimePoint now) {
  std::string hash = Sha256Hex(key);
  auto owner = store.FindApiKeyByHash(hash);
  if (owner.ok()) return Status::Ok();
  if (owner.status().code() != StatusCode::kNotFound) return owner.status();
  Status added = store.AddApiKey({NewUuid(), account_id, "BATCHCALL_API_KEY", hash, now, ApiKeyPrefix(key), std::nullopt});
  // The hash is taken, but not by an active key: it was revoked, and a
  // revoked key never comes back.
  if (added.code() == StatusCode::kConflict)
    return InvalidArgument(
        "The key set by api_key (BATCHCALL_API_KEY) was revoked; unset it or set a new key (batchcall keys "
        "list shows the active keys).");
  return added;
}

}  // namespace

bool IsPostgresUrl(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

// SQLite: the database file's directory. PostgreSQL: ./data under the
// working directory (each node keeps its temp files and, unless
// BATCHCALL_SECRET_KEY is set, its secret.key there).
std::string DataDirOf(const std::string& db) {
  if (IsPostgresUrl(db)) return "./data";
  auto path = SqlitePath(db);
  if (!path.ok()) return "./data";
  fs::path parent = fs::path(*path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// --db sqlite:PATH opens the SQLite file; --db postgresql://... (or
// postgres://) opens the PostgreSQL store, which every node of a cluster
// shares. The at-rest key seals provider settings and webhook secrets in the
// database, so with PostgreSQL every node must use the same key: set the same
// BATCHCALL_SECRET_KEY on all of them (a key generated into one node's
// ./data/secret.key is unknown to the others).
Result<OpenedStore> OpenStore(const StoreOptions& options, int pool_size, const std::string& node_id) {
  const std::string& db = options.db;
  const bool postgres = IsPostgresUrl(db);
  Result<std::string> path = postgres ? Result<std::string>(db) : SqlitePath(db);
  if (!path.ok()) return path.status();
  fs::path dir = DataDirOf(db);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InvalidArgument("Cannot create the data directory " + dir.string() + ": " + ec.message());
  std::string key = options.secret_key;
  if (key.empty()) {
    auto loaded = LoadOrCreateSecretKey(dir / "secret.key");
    if (!loaded.ok()) return loaded.status();
    key = *loaded;
    if (postgres) {
      LogWarn("BATCHCALL_SECRET_KEY is not set; every node sharing this PostgreSQL database must use the same key",
              {{"secret_key_file", (dir / "secret.key").string()}});
    }
  }
  if (key.size() != 64 || key.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return InvalidArgument("BATCHCALL_SECRET_KEY must be 64 hex characters.");
  OpenedStore opened;
  opened.secret_box = std::make_unique<SecretBox>(key);
  if (postgres) {
    PostgresStoreOptions pg;
    pg.url = db;
    pg.secret_box = opened.secret_box.get();
    pg.node_id = node_id;
    if (pool_size > 0) pg.pool_size = static_cast<size_t>(pool_size);
    auto store = OpenPostgresStore(pg);
    if (!store.ok()) return store.status();
    opened.store = std::move(store).value();
    return opened;
  }
  SqliteStoreOptions sqlite;
  sqlite.path = *path;
  sqlite.secret_box = opened.secret_box.get();
  if (pool_size > 0) sqlite.pool_size = pool_size;
  sqlite.node_id = node_id;
  auto store = SqliteStore::Open(sqlite);
  if (!store.ok()) return store.status();
  opened.store = std::move(store).value();
  return opened;
}

Result<Account> BootstrapAccount(Store& store, const AccountSetup& setup, TimePoint now,
                                 const OnSecretCreated& on_created) {
  auto account = setup.new_account.empty() ? store.EnsureDefaultAccount(now) : store.CreateAccount(setup.new_account, now);
  if (!account.ok()) return account.status();
  if (!setup.adopt_key.empty()) BC_RETURN_IF_ERROR(AdoptApiKey(store, account->id, setup.adopt_key, now));
  if (!setup.new_key_name.empty()) {
    std::string key = NewApiKey();
    BC_RETURN_IF_ERROR(
        store.AddApiKey({NewUuid(), account->id, setup.new_key_name, Sha256Hex(key), now, ApiKeyPrefix(key), std::nullopt}));
    BC_RETURN_IF_ERROR(on_created(CreatedSecret::kApiKey, key));
  }
  if (setup.ensure_webhook_secret) {
    auto secrets = store.GetWebhookSecrets(account->id);
    if (!secrets.ok()) return secrets.status();
    if (secrets->current.empty()) {
      std::string secret = NewWebhookSecret();
      BC_RETURN_IF_ERROR(store.RotateWebhookSecret(account->id, secret, now, now));
      BC_RETURN_IF_ERROR(on_created(CreatedSecret::kWebhookSecret, secret));
    }
  }
  return account;
}

}  // namespace batchcall
