// Internals of bc_simulator: the deterministic plan of one simulated call
// (outcome, ring and talk times, event offsets), the outcome event's contents
// (cost, transcript, summary) and JSON string escaping for the record file.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/call_event.h"
#include "domain/states.h"
#include "telephony/simulator/simulator.h"

namespace batchcall::sim {

enum class Outcome { kAnswered, kVoicemail, kBusy, kNoAnswer, kFailed };

// "answered", "voicemail", "busy", "no-answer", "failed".
std::string_view OutcomeName(Outcome o);
std::optional<Outcome> ParseOutcome(std::string_view name);

// Timings in simulated time (see README.md).
inline constexpr int64_t kRingingAtMs = 500;            // first event of every call but failures
inline constexpr int64_t kCompletedAfterHangupMs = 200;  // call-disconnected -> completed
inline constexpr int64_t kFailedAtMs = 1000;
inline constexpr double kNoAnswerMinRingSeconds = 20;
inline constexpr double kBusyRingMinSeconds = 1;
inline constexpr double kBusyRingMaxSeconds = 2;
inline constexpr double kVoicemailTalkMinSeconds = 5;
inline constexpr double kVoicemailTalkMaxSeconds = 15;
inline constexpr double kMilliUsdPerStartedMinute = 13;  // $0.013 per started minute of talk

// A 64-bit hash of the key (FNV-1a, then a SplitMix64 finaliser). Stable
// across runs and platforms.
uint64_t HashKey(std::string_view key);

// SplitMix64 stream: fully specified, so draws are identical everywhere.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t key_hash);
  uint64_t Next();
  double Uniform01();                    // [0, 1), 53 random bits
  double Uniform(double lo, double hi);  // [lo, hi]; lo when hi <= lo

 private:
  uint64_t state_;
};

struct Step {
  ExecutionStatus status = ExecutionStatus::kRinging;
  int64_t sim_ms = 0;  // simulated milliseconds after StartCall
};

struct Plan {
  Outcome outcome = Outcome::kFailed;
  double ring_s = 0;  // simulated, rounded to 0.1 s
  double talk_s = 0;  // simulated, rounded to 0.1 s (answered / voicemail)
  bool user_hung_up = false;
  uint64_t transcript_bits = 0;
  uint64_t seed = 0;
  double speed = 1;
  int num_steps = 0;
  std::array<Step, 4> steps{};
};

// The plan for a new call: the same (config, key) always give the same plan.
Plan MakePlan(const SimulatorConfig& config, std::string_view key);

// The plan of a call read back from the record: outcome and times as
// recorded; the cosmetic draws recomputed from (seed, key).
Plan RestorePlan(uint64_t seed, double speed, std::string_view key, Outcome outcome, double ring_s,
                 double talk_s);

// Real milliseconds for a simulated offset at `speed`.
int64_t ScaledMs(int64_t sim_ms, double speed);

// Fills the outcome-only fields of `e` (whose status is the plan's outcome
// status). `welcome` is the rendered welcome message.
void FillOutcome(const Plan& plan, std::string_view welcome, CallEvent* e);

// Appends `s` as a JSON string literal (quotes included). Invalid UTF-8 bytes
// become U+FFFD so the line always parses back.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace batchcall::sim
