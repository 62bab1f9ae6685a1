#include "engine/pacer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace batchcall {
namespace {
constexpr std::chrono::milliseconds kWindow{1000};
constexpr int kUnlimited = std::numeric_limits<int>::max() / 2;
}  // namespace

Pacer::Pacer(double calls_per_second) { SetRate(calls_per_second); }

void Pacer::SetRate(double calls_per_second) {
  rate_ = std::max(0.0, calls_per_second);
  capacity_ = std::max(1.0, std::ceil(rate_ / 20.0));
  tokens_ = std::min(tokens_, capacity_);
  if (!last_refill_) tokens_ = capacity_;
}

int Pacer::WindowCap() const { return std::max(1, static_cast<int>(std::floor(rate_ + 1e-9))); }

void Pacer::Refill(TimePoint now) {
  if (!last_refill_) {
    last_refill_ = now;
    return;
  }
  if (now <= *last_refill_) return;
  double elapsed = std::chrono::duration<double>(now - *last_refill_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_refill_ = now;
}

void Pacer::Expire(TimePoint now) {
  while (!recent_.empty() && recent_.front() <= now - kWindow) recent_.pop_front();
}

int Pacer::Available(TimePoint now) {
  if (unpaced()) return kUnlimited;
  Refill(now);
  Expire(now);
  int by_bucket = static_cast<int>(std::floor(tokens_ + 1e-9));
  int by_window = WindowCap() - static_cast<int>(recent_.size());
  return std::max(0, std::min(by_bucket, by_window));
}

void Pacer::Consume(TimePoint now, int n) {
  if (unpaced() || n <= 0) return;
  Refill(now);
  tokens_ -= n;
  for (int i = 0; i < n; ++i) recent_.push_back(now);
}

std::optional<TimePoint> Pacer::NextAvailable(TimePoint now) {
  if (unpaced() || Available(now) > 0) return std::nullopt;
  TimePoint t = now;
  if (tokens_ < 1.0) {
    double wait_s = (1.0 - tokens_) / rate_;
    t = now + std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_s * 1000.0)));
  }
  if (static_cast<int>(recent_.size()) >= WindowCap()) {
    // The window frees up when the oldest dial counted against the cap leaves it.
    size_t over = recent_.size() - static_cast<size_t>(WindowCap());
    t = std::max(t, recent_[over] + kWindow);
  }
  if (t <= now) t = now + std::chrono::milliseconds(1);
  return t;
}

}  // namespace batchcall
