#include "testing/wait.h"

#include <thread>

namespace batchcall::test {

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(every);
  }
  return true;
}

bool WaitUntilSteady(const std::function<uint64_t()>& value, std::chrono::milliseconds quiet,
                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  uint64_t last = value();
  auto since = std::chrono::steady_clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto now = std::chrono::steady_clock::now();
    const uint64_t v = value();
    if (v != last) {
      last = v;
      since = now;
    } else if (now - since >= quiet) {
      return true;
    }
    if (now >= deadline) return false;
  }
}

}  // namespace batchcall::test
