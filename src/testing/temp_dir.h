// TempDir: a fresh, empty directory under the system's temporary directory,
// removed with everything in it when the object is destroyed; and
// OpenTempSqliteStore, a SQLite store in such a directory. The fixtures that
// unit tests share (src/testing/README.md).
//
// Declare a TempDir before the objects that keep files open in it, so that it
// is destroyed after them. Not thread-safe; each test owns its own.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/sqlite/sqlite_store.h"

namespace batchcall::test {

class TempDir {
 public:
  // `prefix` starts the directory's name ("bc-test-" when empty); the rest
  // is unique to this process and call.
  explicit TempDir(std::string_view prefix = "bc-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string File(std::string_view name) const;

 private:
  std::filesystem::path path_;
};

// A SQLite store at `dir`/db.sqlite (options.path is overwritten), opened or
// the test aborts with the reason.
std::unique_ptr<SqliteStore> OpenTempSqliteStore(const TempDir& dir, SqliteStoreOptions options = {});

}  // namespace batchcall::test
