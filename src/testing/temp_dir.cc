#include "testing/temp_dir.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "base/crypto.h"

namespace batchcall::test {
namespace fs = std::filesystem;

TempDir::TempDir(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::string name(prefix.empty() ? std::string_view("bc-test-") : prefix);
  name += std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + RandomHex(4);
  path_ = fs::temp_directory_path() / name;
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::File(std::string_view name) const { return (path_ / std::string(name)).string(); }

std::unique_ptr<SqliteStore> OpenTempSqliteStore(const TempDir& dir, SqliteStoreOptions options) {
  options.path = dir.File("db.sqlite");
  auto store = SqliteStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "OpenTempSqliteStore(%s): %s\n", options.path.c_str(), store.status().ToString().c_str());
    std::abort();
  }
  return std::move(store).value();
}

}  // namespace batchcall::test
