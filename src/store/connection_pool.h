// ConnectionPool: a bounded pool of database connections shared by the
// Store backends (store/sqlite, store/postgres). A backend's Connection
// type provides
//   static Result<std::unique_ptr<Connection>> Open(const Options&);
//   bool ReadyForReuse();  // called on release; false drops the connection
// Connections are opened on demand up to max_size; Acquire blocks while all
// are checked out. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "base/status.h"

namespace batchcall::store {

template <typename Connection, typename Options>
class ConnectionPool {
 public:
  ConnectionPool(Options options, size_t max_size)
      : options_(std::move(options)), max_size_(max_size) {}

  // A checked-out connection, returned to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // An idle connection, or a new one while fewer than max_size are open;
  // waits otherwise. The failure of Connection::Open when opening one fails.
  Result<Lease> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;
    lock.unlock();
    auto conn = Connection::Open(options_);
    if (!conn.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
      return conn.status();
    }
    return Lease(this, std::move(conn).value());
  }

 private:
  void Release(std::unique_ptr<Connection> conn) {
    const bool keep = conn->ReadyForReuse();
    if (!keep) conn.reset();
    {
      std::lock_guard lock(mu_);
      if (keep) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  const Options options_;
  const size_t max_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // idle + checked out; guarded by mu_
};

}  // namespace batchcall::store
