// The SQLite store's additions to the SQLite layer (sqlite/sqlite_connection.h:
// Connection, Statement, Transaction, ForEachRow, ErrorStatus): the write
// gate its connections share and its connection pool.
//
// Thread-safety: WriteGate and ConnectionPool are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "sqlite/sqlite_connection.h"
#include "store/connection_pool.h"

namespace batchcall::sqlite {

// The write transactions of one store's connections take SQLite's write
// lock in arrival order (the store gives it to them as their
// ConnectionOptions::write_order). Without it a waiter polls the lock
// through SQLite's busy handler (sleeps of 1 to 100 ms) and can lose it,
// again and again, to a writer that begins its next short transaction at
// once (an upload's writes), until busy_timeout_ms fails it. Thread-safe.
class WriteGate final : public WriteOrder {
 public:
  // Blocks until every Enter() before it has been followed by its Leave(),
  // or `timeout` has passed (false: the caller did not enter).
  bool Enter(std::chrono::milliseconds timeout) override;
  void Leave() override;
  // How many callers wait in Enter() (for tests).
  size_t Waiting() {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool admitted = false;
  };
  std::mutex mu_;
  bool busy_ = false;            // guarded by mu_
  std::deque<Waiter*> waiters_;  // guarded by mu_
};

// Up to `max_size` connections, opened on demand and reused. Acquire()
// blocks while all are checked out.
class ConnectionPool : public store::ConnectionPool<Connection, ConnectionOptions> {
 public:
  using store::ConnectionPool<Connection, ConnectionOptions>::ConnectionPool;
};

}  // namespace batchcall::sqlite
