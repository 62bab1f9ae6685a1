// PostgresStore: the Store interface on PostgreSQL (libpq), for many nodes
// sharing one database. Same contracts as SqliteStore (store/store.h), same
// conformance suite. Numbered migrations (pg_sql.h) are applied at Open
// under an advisory lock, so several nodes may start at once.
//
// Thread-safety: every method may be called from any thread (a pool of
// connections); a BatchImport is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "base/crypto.h"
#include "store/store.h"

namespace batchcall {

struct PostgresStoreOptions {
  std::string url;                        // postgresql://...
  const SecretBox* secret_box = nullptr;  // seals provider and webhook secrets; may be null in tests
  size_t pool_size = 8;
  // This node's name: the status counts it changes are kept in its own rows
  // (pg_sql.h, migration 4), so nodes never wait for each other on them.
  std::string node_id;
};

// Opens (and migrates) the database. Unavailable when it cannot connect.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options);

}  // namespace batchcall
