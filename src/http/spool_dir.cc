#include "http/spool_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/crypto.h"

namespace batchcall {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "spool-";
constexpr std::string_view kLockSuffix = ".lock";
constexpr std::string_view kUploadPrefix = "batchcall-upload-";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Removes one file, counting it when it was an upload part.
void RemoveFile(const fs::path& file, SpoolSweep* swept) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (fs::remove(file, ec) && StartsWith(file.filename().string(), kUploadPrefix)) {
    ++swept->files;
    swept->bytes += ec ? 0 : size;
  }
}

// A lock file nobody holds: its server is gone. Removes its directory, then
// the lock (still held here, so no one else judges it at the same time).
void SweepIfStale(const fs::path& lock_file, SpoolSweep* swept) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;  // removed meanwhile by another server's sweep
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);  // held: a live server
    return;
  }
  std::string name = lock_file.filename().string();
  fs::path dir = lock_file.parent_path() / name.substr(0, name.size() - kLockSuffix.size());
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(dir, ec))) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) RemoveFile(entry.path(), swept);
    fs::remove_all(dir, ec);
    ++swept->directories;
  }
  fs::remove(lock_file, ec);
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<SpoolDir>> SpoolDir::Claim(const std::string& parent, std::chrono::seconds loose_file_age) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return InvalidArgument("Cannot create the upload directory " + parent + ": " + ec.message());

  SpoolSweep swept;
  const auto now = fs::file_time_type::clock::now();
  std::vector<fs::path> locks, orphans;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code e2;
    if (StartsWith(name, kPrefix) && EndsWith(name, kLockSuffix)) {
      locks.push_back(entry.path());
    } else if (StartsWith(name, kPrefix) && entry.is_directory(e2)) {
      orphans.push_back(entry.path());  // removed below if it has no lock file
    } else if (StartsWith(name, ".claim-") && entry.is_regular_file(e2)) {
      // A claim that died before renaming its lock into place.
      auto modified = fs::last_write_time(entry.path(), e2);
      if (!e2 && now - modified > std::chrono::minutes(1)) fs::remove(entry.path(), e2);
    } else if (StartsWith(name, kUploadPrefix) && entry.is_regular_file(e2)) {
      auto modified = fs::last_write_time(entry.path(), e2);
      if (!e2 && now - modified > loose_file_age) RemoveFile(entry.path(), &swept);
    }
  }
  if (ec) return InvalidArgument("Cannot read the upload directory " + parent + ": " + ec.message());
  for (const fs::path& lock : locks) SweepIfStale(lock, &swept);
  for (const fs::path& dir : orphans) {
    // A directory is created only after its lock file exists and is held.
    if (!fs::exists(dir, ec) || fs::exists(dir.string() + std::string(kLockSuffix), ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) RemoveFile(entry.path(), &swept);
    fs::remove_all(dir, ec);
    ++swept.directories;
  }

  // The lock is taken under a temporary name and then renamed into place, so
  // a sweep never sees a spool-*.lock that its live owner does not hold yet.
  const std::string id = RandomHex(8);
  const std::string lock_path = (fs::path(parent) / (std::string(kPrefix) + id + std::string(kLockSuffix))).string();
  const std::string tmp_lock = (fs::path(parent) / (".claim-" + id)).string();
  int fd = ::open(tmp_lock.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return InvalidArgument("Cannot write in the upload directory " + parent + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::rename(tmp_lock.c_str(), lock_path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    ::unlink(tmp_lock.c_str());
    ::close(fd);
    return InvalidArgument("Cannot lock the upload directory " + parent + ": " + error);
  }
  const std::string path = (fs::path(parent) / (std::string(kPrefix) + id)).string();
  if (::mkdir(path.c_str(), 0700) != 0) {
    const std::string error = std::strerror(errno);
    ::unlink(lock_path.c_str());
    ::close(fd);
    return InvalidArgument("Cannot create the upload directory " + path + ": " + error);
  }
  return std::unique_ptr<SpoolDir>(new SpoolDir(path, lock_path, fd, swept));
}

SpoolDir::~SpoolDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  ::unlink(lock_path_.c_str());
  ::close(lock_fd_);
}

}  // namespace batchcall
