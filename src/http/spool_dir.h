// SpoolDir: one server's directory for upload temp files, inside a parent
// directory that several servers may share (<data dir>/tmp), and the removal
// of what servers that died without cleaning up (kill -9, power loss) left
// there.
//
// Layout of the parent: spool-<id>.lock (held with flock(LOCK_EX) by its
// live server for as long as it runs) and spool-<id>/ (that server's
// batchcall-upload-*.part files). A lock nobody holds means its server is
// gone: its directory is removed. Two servers sharing the parent never
// delete each other's live files.
//
// Thread-safety: Claim is safe to call from several processes at once; the
// object itself is single-owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace batchcall {

struct SpoolSweep {
  int directories = 0;  // stale spool-* directories removed
  int files = 0;        // upload files removed (inside them, or loose)
  uint64_t bytes = 0;   // their size
};

class SpoolDir {
 public:
  // Creates `parent` when missing, removes what dead servers left (stale
  // spool-* directories with their lock files, and loose
  // batchcall-upload-*.part files not modified for `loose_file_age`: those
  // of versions before these locks), then creates and locks this server's
  // directory. InvalidArgument naming the path when the parent cannot be
  // created or written.
  static Result<std::unique_ptr<SpoolDir>> Claim(const std::string& parent,
                                                 std::chrono::seconds loose_file_age = std::chrono::hours(1));
  // Removes this server's directory and releases the lock.
  ~SpoolDir();
  SpoolDir(const SpoolDir&) = delete;
  SpoolDir& operator=(const SpoolDir&) = delete;

  // This server's directory: where upload parts are spooled.
  const std::string& path() const { return path_; }
  // What Claim removed.
  const SpoolSweep& swept() const { return swept_; }

 private:
  SpoolDir(std::string path, std::string lock_path, int lock_fd, SpoolSweep swept)
      : path_(std::move(path)), lock_path_(std::move(lock_path)), lock_fd_(lock_fd), swept_(swept) {}

  const std::string path_;
  const std::string lock_path_;
  const int lock_fd_;
  const SpoolSweep swept_;
};

}  // namespace batchcall
