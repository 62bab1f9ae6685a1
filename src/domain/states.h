// Execution and batch states and the only table of allowed transitions
// (docs/state_machine.md). Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace batchcall {

enum class ExecutionStatus {
  kPrepared,          // created at upload
  kQueued,            // eligible, waiting for a slot
  kRescheduled,       // outside calling hours, waits for the window
  kScheduled,         // waiting for a retry time
  kInitiated,         // attempt stored, provider asked to dial
  kRinging,
  kInProgress,
  kCallDisconnected,
  kCompleted,         // terminal
  kBusy,              // terminal
  kNoAnswer,          // terminal
  kFailed,            // terminal
  kCanceled,          // terminal
  kStopped,           // terminal
  kError,             // terminal
};

inline constexpr ExecutionStatus kAllExecutionStatuses[] = {
    ExecutionStatus::kPrepared,   ExecutionStatus::kQueued,     ExecutionStatus::kRescheduled,
    ExecutionStatus::kScheduled,  ExecutionStatus::kInitiated,  ExecutionStatus::kRinging,
    ExecutionStatus::kInProgress, ExecutionStatus::kCallDisconnected, ExecutionStatus::kCompleted,
    ExecutionStatus::kBusy,       ExecutionStatus::kNoAnswer,   ExecutionStatus::kFailed,
    ExecutionStatus::kCanceled,   ExecutionStatus::kStopped,    ExecutionStatus::kError,
};

// Stable wire names: "prepared", "in-progress", "call-disconnected", "no-answer", ...
std::string_view ToString(ExecutionStatus s);
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view s);

// completed, busy, no-answer, failed, canceled, stopped, error.
bool IsTerminal(ExecutionStatus s);
// prepared, queued, rescheduled, scheduled: no call is in flight.
bool IsPreDial(ExecutionStatus s);
// initiated, ringing, in-progress, call-disconnected: a call may be live.
bool IsInFlight(ExecutionStatus s);

// True when from -> to is an edge of the execution state machine.
bool CanTransition(ExecutionStatus from, ExecutionStatus to);

enum class BatchStatus {
  kCreated,
  kScheduled,
  kRunning,
  kPaused,
  kCompleted,  // terminal
  kStopped,    // terminal
  kFailed,     // terminal
};

inline constexpr BatchStatus kAllBatchStatuses[] = {
    BatchStatus::kCreated, BatchStatus::kScheduled, BatchStatus::kRunning, BatchStatus::kPaused,
    BatchStatus::kCompleted, BatchStatus::kStopped, BatchStatus::kFailed,
};

std::string_view ToString(BatchStatus s);
std::optional<BatchStatus> ParseBatchStatus(std::string_view s);
bool IsTerminal(BatchStatus s);

// True when from -> to is an edge of the batch state machine. Re-scheduling
// (scheduled -> scheduled) is an edge.
bool CanTransition(BatchStatus from, BatchStatus to);

// Every status from which `to` is reachable in one edge.
std::vector<BatchStatus> BatchSourcesOf(BatchStatus to);

}  // namespace batchcall
