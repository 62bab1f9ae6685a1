// Polls with a deadline, for tests that wait on another thread or a server:
// never a fixed sleep that hopes the other side is done.
//
// Thread-safe as far as the predicates are.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace batchcall::test {

// Calls `done` every `every` until it returns true (then true) or `timeout`
// has passed (then false, after one last call).
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(5),
               std::chrono::milliseconds every = std::chrono::milliseconds(5));

// True once `value` has not changed for `quiet`; false when it is still
// changing after `timeout`. For "the other side stopped" (a stalled stream).
bool WaitUntilSteady(const std::function<uint64_t()>& value, std::chrono::milliseconds quiet,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace batchcall::test
