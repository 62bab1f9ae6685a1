#include "csv/check_pipeline.h"

namespace batchcall::csv_internal {

void CheckChunk(const PhoneValidator& validator, Chunk& chunk) {
  for (size_t i = 0; i < chunk.size; ++i) {
    PendingRow& row = chunk.rows[i];
    if (row.kind == PendingRow::Kind::kCheck) row.check = validator.Check(row.raw);
  }
}

CheckWorkers::CheckWorkers(const PhoneValidator& validator, int threads)
    : validator_(validator), thread_count_(threads) {}

CheckWorkers::~CheckWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void CheckWorkers::Submit(Chunk* chunk) {
  if (threads_.empty()) {
    for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Run(); });
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(chunk);
  }
  cv_.notify_one();
}

void CheckWorkers::Run() {
  for (;;) {
    Chunk* chunk = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      chunk = queue_.front();
      queue_.pop_front();
    }
    CheckChunk(validator_, *chunk);
    chunk->done.store(true, std::memory_order_release);
    chunk->done.notify_all();
  }
}

}  // namespace batchcall::csv_internal
