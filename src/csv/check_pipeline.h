// Internal to bc_csv: rows waiting for their phone check, grouped in chunks,
// and the worker threads that run PhoneValidator::Check() on them.
//
// Thread-safety: the ingest thread fills a Chunk, hands it to Submit(), and
// must not touch it again until chunk.done is true (acquire); a worker owns
// it in between. CheckWorkers itself is used from the ingest thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "phone/phone_validator.h"

namespace batchcall::csv_internal {

struct PendingRow {
  enum class Kind : uint8_t {
    kCheck,        // needs PhoneValidator::Check(raw) (done by a worker)
    kRepeat,       // same fingerprint as an earlier row: resolved in order
    kColumnCount,  // wrong number of fields; field_count says how many
  };
  Kind kind = Kind::kCheck;
  int64_t line = 0;
  uint64_t fingerprint = 0;  // PhoneValidator::Fingerprint(raw), 0 when none
  size_t field_count = 0;
  std::string raw;                     // contact_number as written
  std::vector<std::string> variables;  // capacity reused across chunks
  PhoneCheck check;                    // kCheck: the result, once done
};

struct Chunk {
  std::vector<PendingRow> rows;  // [0, size) are in use
  size_t size = 0;
  std::atomic<bool> done{false};
};

// Checks every kCheck row of chunk (no synchronisation).
void CheckChunk(const PhoneValidator& validator, Chunk& chunk);

class CheckWorkers {
 public:
  // Threads start on the first Submit().
  CheckWorkers(const PhoneValidator& validator, int threads);
  // Stops and joins the threads; chunks still queued are left unchecked.
  ~CheckWorkers();
  CheckWorkers(const CheckWorkers&) = delete;
  CheckWorkers& operator=(const CheckWorkers&) = delete;

  // Queues chunk; a worker checks it, then sets chunk->done and notifies it.
  void Submit(Chunk* chunk);

 private:
  void Run();

  const PhoneValidator& validator_;
  const int thread_count_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk*> queue_;  // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace batchcall::csv_internal
