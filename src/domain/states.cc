#include "domain/states.h"

#include <array>
#include <utility>

namespace batchcall {
namespace {

using E = ExecutionStatus;
using B = BatchStatus;

struct ExecName {
  E status;
  std::string_view name;
};
constexpr ExecName kExecNames[] = {
    {E::kPrepared, "prepared"},     {E::kQueued, "queued"},
    {E::kRescheduled, "rescheduled"}, {E::kScheduled, "scheduled"},
    {E::kInitiated, "initiated"},   {E::kRinging, "ringing"},
    {E::kInProgress, "in-progress"}, {E::kCallDisconnected, "call-disconnected"},
    {E::kCompleted, "completed"},   {E::kBusy, "busy"},
    {E::kNoAnswer, "no-answer"},    {E::kFailed, "failed"},
    {E::kCanceled, "canceled"},     {E::kStopped, "stopped"},
    {E::kError, "error"},
};

// The execution state machine. Retries: an attempt outcome that is retried
// moves the execution from its live state (or a retryable terminal one, when
// the outcome arrives after it was recorded) to `scheduled`.
constexpr std::pair<E, E> kExecEdges[] = {
    {E::kPrepared, E::kQueued},       {E::kPrepared, E::kStopped},
    {E::kQueued, E::kInitiated},      {E::kQueued, E::kRescheduled},
    {E::kQueued, E::kCanceled},       {E::kQueued, E::kStopped},
    {E::kRescheduled, E::kQueued},    {E::kRescheduled, E::kStopped},
    {E::kScheduled, E::kQueued},      {E::kScheduled, E::kStopped},
    {E::kInitiated, E::kRinging},     {E::kInitiated, E::kInProgress},
    {E::kInitiated, E::kBusy},        {E::kInitiated, E::kNoAnswer},
    {E::kInitiated, E::kFailed},      {E::kInitiated, E::kCanceled},
    {E::kInitiated, E::kError},       {E::kInitiated, E::kScheduled},
    {E::kRinging, E::kInProgress},    {E::kRinging, E::kBusy},
    {E::kRinging, E::kNoAnswer},      {E::kRinging, E::kFailed},
    {E::kRinging, E::kCanceled},      {E::kRinging, E::kError},
    {E::kRinging, E::kScheduled},     {E::kInProgress, E::kCallDisconnected},
    {E::kInProgress, E::kCompleted},  {E::kInProgress, E::kError},
    {E::kInProgress, E::kScheduled},  {E::kCallDisconnected, E::kCompleted},
    {E::kCallDisconnected, E::kError}, {E::kCallDisconnected, E::kScheduled},
    {E::kBusy, E::kScheduled},        {E::kNoAnswer, E::kScheduled},
    {E::kFailed, E::kScheduled},      {E::kError, E::kScheduled},
    {E::kCompleted, E::kScheduled},
};

struct BatchName {
  B status;
  std::string_view name;
};
constexpr BatchName kBatchNames[] = {
    {B::kCreated, "created"},     {B::kScheduled, "scheduled"}, {B::kRunning, "running"},
    {B::kPaused, "paused"},       {B::kCompleted, "completed"}, {B::kStopped, "stopped"},
    {B::kFailed, "failed"},
};

constexpr std::pair<B, B> kBatchEdges[] = {
    {B::kCreated, B::kScheduled},   {B::kScheduled, B::kScheduled}, {B::kScheduled, B::kRunning},
    {B::kScheduled, B::kPaused},    {B::kScheduled, B::kStopped},   {B::kScheduled, B::kFailed},
    {B::kRunning, B::kCompleted},   {B::kRunning, B::kPaused},      {B::kRunning, B::kStopped},
    {B::kRunning, B::kFailed},      {B::kPaused, B::kScheduled},    {B::kPaused, B::kRunning},
    {B::kPaused, B::kStopped},      {B::kPaused, B::kFailed},
};

}  // namespace

std::string_view ToString(ExecutionStatus s) {
  for (const auto& n : kExecNames)
    if (n.status == s) return n.name;
  return "unknown";
}

std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view s) {
  for (const auto& n : kExecNames)
    if (n.name == s) return n.status;
  return std::nullopt;
}

bool IsTerminal(ExecutionStatus s) {
  switch (s) {
    case E::kCompleted: case E::kBusy: case E::kNoAnswer: case E::kFailed:
    case E::kCanceled: case E::kStopped: case E::kError:
      return true;
    default:
      return false;
  }
}

bool IsPreDial(ExecutionStatus s) {
  return s == E::kPrepared || s == E::kQueued || s == E::kRescheduled || s == E::kScheduled;
}

bool IsInFlight(ExecutionStatus s) {
  return s == E::kInitiated || s == E::kRinging || s == E::kInProgress || s == E::kCallDisconnected;
}

bool CanTransition(ExecutionStatus from, ExecutionStatus to) {
  for (const auto& [f, t] : kExecEdges)
    if (f == from && t == to) return true;
  return false;
}

std::string_view ToString(BatchStatus s) {
  for (const auto& n : kBatchNames)
    if (n.status == s) return n.name;
  return "unknown";
}

std::optional<BatchStatus> ParseBatchStatus(std::string_view s) {
  for (const auto& n : kBatchNames)
    if (n.name == s) return n.status;
  return std::nullopt;
}

bool IsTerminal(BatchStatus s) {
  return s == B::kCompleted || s == B::kStopped || s == B::kFailed;
}

bool CanTransition(BatchStatus from, BatchStatus to) {
  for (const auto& [f, t] : kBatchEdges)
    if (f == from && t == to) return true;
  return false;
}

std::vector<BatchStatus> BatchSourcesOf(BatchStatus to) {
  std::vector<BatchStatus> out;
  for (const auto& [f, t] : kBatchEdges)
    if (t == to) out.push_back(f);
  return out;
}

}  // namespace batchcall
