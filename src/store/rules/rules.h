// Store rules shared by every backend: what a batch transition, stop or
// delete may do and the Conflict it answers otherwise; how many dials an
// agent's limits allow; and the writes that a call's progress event or
// outcome implies, expressed as a plan that each backend executes with its
// own SQL under its own locks. Nothing here touches a database. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "domain/call_event.h"
#include "domain/model.h"
#include "domain/states.h"
#include "store/store.h"

namespace batchcall::store_rules {

// --- batches

// The Conflict of TransitionBatch when CanTransition(current, to) is false:
// "batch is paused; it can only run from scheduled or paused" (names the
// current status and the states `to` may be reached from).
Status TransitionConflict(BatchStatus current, BatchStatus to);
// Ok when StopBatch may stop a batch in `current` (scheduled, running or
// paused); the Conflict otherwise.
Status CheckStoppable(BatchStatus current);
// The Conflict of DeleteBatch while a call of the batch is in flight.
Status InFlightConflict(const std::string& batch_id);

// --- statuses read back

// A stored execution status; Internal ("stored status is unknown: x") for a
// name this binary does not know.
Result<ExecutionStatus> ParseStoredStatus(std::string_view text);

// Adds one stored per-batch count row (status, n) to `counts`, as
// CountExecutions reports it: statuses whose count is 0 are left out; a
// status this binary does not know or a count below zero is Internal (the
// stored counts are out of step with the executions).
Status AddStatusCount(std::string_view status, int64_t n, StatusCounts* counts);

// The changes one transaction makes to per-batch counts keyed by (batch_seq,
// K), gathered as its statements change executions and written with it (one
// upsert per key whose count moved), so a step that moves a thousand
// executions writes a handful of count rows: StatusDeltas (by status),
// HoldDeltas (by hold_reason). Not thread-safe.
template <typename K>
class CountDeltas {
 public:
  using Key = std::pair<int64_t, K>;
  // Every (batch, K) whose count changed, with its change (never 0).
  std::vector<std::pair<Key, int64_t>> Changes() const {
    std::vector<std::pair<Key, int64_t>> out;
    for (const auto& [key, n] : deltas_)
      if (n != 0) out.emplace_back(key, n);
    return out;
  }

 protected:
  std::map<Key, int64_t> deltas_;
};

class StatusDeltas : public CountDeltas<ExecutionStatus> {
 public:
  // `n` executions of batch `seq` moved from `from` to `to` (nothing when equal).
  void Move(int64_t seq, ExecutionStatus from, ExecutionStatus to, int64_t n = 1) {
    if (from == to || n == 0) return;
    deltas_[{seq, from}] -= n;
    deltas_[{seq, to}] += n;
  }
  // `n` executions of batch `seq` added in `status` (an import's rows).
  void Add(int64_t seq, ExecutionStatus status, int64_t n) {
    if (n != 0) deltas_[{seq, status}] += n;
  }
};

// Changes to the per-batch counts of executions by hold_reason.
class HoldDeltas : public CountDeltas<std::string> {
 public:
  // One execution of batch `seq` changed hold_reason (nullopt = none).
  void Move(int64_t seq, const std::optional<std::string>& from, const std::optional<std::string>& to) {
    if (from == to) return;
    if (from) deltas_[{seq, *from}] -= 1;
    if (to) deltas_[{seq, *to}] += 1;
  }
};

// --- dial limits

// True when `dials` (ascending) leave room for one more dial at `now` under
// every limit: fewer than max_calls after now - per_hours.
bool UnderContactLimits(const std::vector<ContactLimit>& limits, const std::vector<int64_t>& dials_ms,
                        int64_t now_ms);

// How many of `wanted` attempts the agent may begin at `now` under `limits`.
// `count_open` returns the agent's open attempts (asked only when
// max_in_flight is set); `count_started_since` the attempts it started at
// or after a Unix-ms instant (asked only when calls_per_second is set and
// something is still allowed). Their failures are returned as they are. The
// caller holds whatever lock makes the counts current.
Result<int64_t> DialAllowance(
    const DialLimits& limits, TimePoint now, int64_t wanted,
    const std::function<Result<int64_t>()>& count_open,
    const std::function<Result<int64_t>(int64_t since_ms)>& count_started_since);

// --- call updates (ApplyCallUpdates)

// Position along initiated -> ringing -> in-progress -> call-disconnected;
// -1 for any other status.
int FlightRank(ExecutionStatus s);

// True when `to` is reached from `from` along edges of the state table,
// moving only forward through the in-flight states (lost progress events
// are walked over, e.g. initiated -> in-progress -> call-disconnected ->
// completed). Every step is a CanTransition edge.
bool ReachableForward(ExecutionStatus from, ExecutionStatus to);

// The execution's telephony_data after outcome `e` of an attempt that dialled
// `to_number` from `from_number`; `stored_call_id` is the attempt's provider
// call id when the event carries none. Provider-specific extras are added but
// never replace a standard key. Compact JSON text.
std::string TelephonyData(const CallEvent& e, const std::string& to_number,
                          const std::string& from_number, const std::string& stored_call_id,
                          const std::string& provider_type);

// What a backend reads about an attempt (and its execution and batch) before
// applying an event to it, under its locks.
struct AttemptRow {
  int64_t execution_key = 0;
  ExecutionStatus status = ExecutionStatus::kInitiated;  // the attempt's
  bool closed = false;                                   // the attempt has ended
  int number = 1;
  int64_t started_at = 0;  // Unix ms
  std::string from_number;
  std::string provider_call_id;
  std::string agent_id;
  std::string execution_id;
  ExecutionStatus execution_status = ExecutionStatus::kInitiated;
  std::string contact_number;
  bool batch_stopped = false;
  std::string account_id;
};

// The writes of a progress event (not an outcome). Both move forward only.
struct ProgressPlan {
  // Set the attempt's status to `attempt_status` and, when the attempt has
  // none yet, its provider call id to the event's.
  bool advance_attempt = false;
  ExecutionStatus attempt_status = ExecutionStatus::kInitiated;
  // Set the execution's status to the event's (updated_at = now).
  bool advance_execution = false;
};
ProgressPlan PlanProgress(const CallEvent& e, const AttemptRow& a);

// The writes of an outcome. The attempt is always closed with the event's
// result fields. Then either the execution takes `execution_status` with the
// result fields below and one more retry_history entry (`finish_execution`),
// or, when it was moved on by other means and cannot take the outcome, only
// its retry_history records the attempt.
struct OutcomePlan {
  bool finish_execution = false;
  // The outcome, or scheduled when a retry follows (never in a stopped batch).
  ExecutionStatus execution_status = ExecutionStatus::kInitiated;
  bool retry = false;                         // retry_count + 1
  std::optional<int64_t> next_attempt_at_ms;  // set exactly when retry
  std::optional<std::string> extracted_data;  // JSON text; nullopt = NULL
  std::string telephony_data;                 // JSON text (TelephonyData)
  AppliedOutcome applied;                     // what ApplyCallUpdates returns for it
};
// `provider_type` is the attempt's agent's.
OutcomePlan PlanOutcome(const CallUpdate& u, const AttemptRow& a, const std::string& provider_type);

}  // namespace batchcall::store_rules
