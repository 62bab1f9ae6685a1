// RecordIndex: the on-disk index of a simulator record file, so that a
// provider keeps no state for ended calls and never reads its record whole.
//
// It is an SQLite file next to the record (`<record>.index`) that maps each
// placed line's (key, provider) to the line's offset and length and, once the
// call's ended line is indexed, to its end. It is derived data: it remembers
// how far into the record it has read (and which file that was, by device and
// inode) and catches up from there; when the record was replaced or cut
// shorter it starts again from the beginning. Several processes sharing one
// record may share its index (SQLite's locking; each catch-up is one write
// transaction).
//
// Built on the SQLite layer (sqlite/sqlite_connection.h): two connections,
// each with its cached statements.
//
// Thread-safety: thread-safe (each connection behind a mutex of its own).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "telephony/simulator/simulator.h"

namespace batchcall::sqlite {
class Connection;
}

namespace batchcall::sim {

// Where one placed line is in the record, and when its call ended.
struct IndexedCall {
  int64_t offset = 0;  // of the placed line
  int64_t length = 0;  // without the newline
  std::optional<int64_t> ended_ms;
};

class RecordIndex {
 public:
  // The index file of the record at `record_path`.
  static std::string PathFor(const std::string& record_path);
  // Opens (creating when missing) the index of the record at `record_path`,
  // which must exist. Unavailable naming the index file when it cannot be
  // opened or created; an index that is not a database is replaced.
  static Result<std::unique_ptr<RecordIndex>> Open(const std::string& record_path);
  ~RecordIndex();
  RecordIndex(const RecordIndex&) = delete;
  RecordIndex& operator=(const RecordIndex&) = delete;

  // Indexes the record's complete lines past the last indexed one (lines
  // that do not parse, such as a torn line, are passed over). Returns the
  // offset indexed up to.
  Result<int64_t> CatchUp();

  // The call placed with `key` among the lines of `provider` and the lines
  // without a provider (any line when `provider` is empty), as far as the
  // index has read. nullopt when there is none.
  Result<std::optional<IndexedCall>> Find(std::string_view key, std::string_view provider);

  // The indexed calls of `provider` (as for Find) without an end, in record order.
  Result<std::vector<IndexedCall>> Unfinished(std::string_view provider);

  // The placed line an IndexedCall points at. Internal when it cannot be
  // read or does not parse (the record changed under the index).
  Result<SimulatorRecordLine> ReadPlaced(const IndexedCall& call);

 private:
  // One connection to the index (its statements are cached by it).
  struct LockedConnection {
    Mutex mu;
    std::unique_ptr<sqlite::Connection> db GUARDED_BY(mu);
  };

  RecordIndex(int record_fd, std::string path);
  Status OpenConnections();
  Status CatchUpLocked() REQUIRES(writer_.mu);

  // Catching up writes on one connection; lookups read on the other, so
  // they never wait for a catch-up (WAL: readers see the last commit).
  LockedConnection writer_, reader_;
  const int record_fd_;  // the record, read-only (pread)
  const std::string path_;
};

}  // namespace batchcall::sim
