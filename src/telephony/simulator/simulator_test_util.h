// Helpers the simulator's unit tests share (simulator_test.cc,
// simulator_plan_test.cc, simulator_record_test.cc): one definition each, so
// the three files compile together in the unity build. The fakes every
// test shares (sinks, transports, temp directories) are in src/testing/.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"

namespace batchcall::simulator_test {

// `prefix` followed by `i` in decimal: an idempotency key or file suffix.
inline std::string Key(std::string_view prefix, long long i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}

// The tests' start time: 2023-11-14T22:13:20Z.
inline const TimePoint kT0 = FromUnixMillis(1'700'000'000'000);

}  // namespace batchcall::simulator_test
