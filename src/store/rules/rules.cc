#include "store/rules/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "store/rules/codecs.h"

namespace batchcall::store_rules {
namespace {

using E = ExecutionStatus;

std::string JoinStatuses(const std::vector<BatchStatus>& statuses) {
  std::string out;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) out.append(i + 1 == statuses.size() ? " or " : ", ");
    out.append(ToString(statuses[i]));
  }
  return out;
}

std::string_view Verb(BatchStatus to) {
  switch (to) {
    case BatchStatus::kCreated:
      return "become created";
    case BatchStatus::kScheduled:
      return "be scheduled";
    case BatchStatus::kRunning:
      return "run";
    case BatchStatus::kPaused:
      return "be paused";
    case BatchStatus::kCompleted:
      return "complete";
    case BatchStatus::kStopped:
      return "be stopped";
    case BatchStatus::kFailed:
      return "fail";
  }
  return "change";
}

}  // namespace

Status TransitionConflict(BatchStatus current, BatchStatus to) {
  std::string m = "batch is ";
  m.append(ToString(current)).append("; it can ");
  std::vector<BatchStatus> sources = BatchSourcesOf(to);
  if (sources.empty()) {
    m.append("never ").append(Verb(to));
  } else {
    m.append("only ").append(Verb(to)).append(" from ").append(JoinStatuses(sources));
  }
  return Conflict(m);
}

Status CheckStoppable(BatchStatus current) {
  if (current == BatchStatus::kScheduled || current == BatchStatus::kRunning ||
      current == BatchStatus::kPaused) {
    return Status::Ok();
  }
  return Conflict("batch is " + std::string(ToString(current)) +
                  "; only a scheduled, running or paused batch can be stopped");
}

Status InFlightConflict(const std::string& batch_id) {
  return Conflict("batch " + batch_id + " has calls in flight; wait until they end");
}

Result<ExecutionStatus> ParseStoredStatus(std::string_view text) {
  auto s = ParseExecutionStatus(text);
  if (!s) return Internal("stored status is unknown: " + std::string(text));
  return *s;
}

Status AddStatusCount(std::string_view status, int64_t n, StatusCounts* counts) {
  BC_ASSIGN_OR_RETURN(ExecutionStatus s, ParseStoredStatus(status));
  if (n < 0) {
    return Internal("stored count of " + std::string(status) + " executions is below zero: " +
                    std::to_string(n));
  }
  if (n > 0) (*counts)[s] += n;
  return Status::Ok();
}

bool UnderContactLimits(const std::vector<ContactLimit>& limits, const std::vector<int64_t>& dials_ms,
                        int64_t now_ms) {
  for (const ContactLimit& l : limits) {
    const int64_t after = now_ms - int64_t{l.per_hours} * 3'600'000;
    const auto from = std::upper_bound(dials_ms.begin(), dials_ms.end(), after);
    if (dials_ms.end() - from >= l.max_calls) return false;
  }
  return true;
}

Result<int64_t> DialAllowance(
    const DialLimits& limits, TimePoint now, int64_t wanted,
    const std::function<Result<int64_t>()>& count_open,
    const std::function<Result<int64_t>(int64_t since_ms)>& count_started_since) {
  int64_t allowed = wanted;
  if (limits.max_in_flight > 0) {
    BC_ASSIGN_OR_RETURN(const int64_t open, count_open());
    allowed = std::min(allowed, std::max<int64_t>(0, limits.max_in_flight - open));
  }
  if (limits.calls_per_second > 0 && allowed > 0) {
    const bool slow = limits.calls_per_second < 1;
    const int64_t window_ms = slow ? static_cast<int64_t>(1000.0 / limits.calls_per_second) : 1000;
    const int64_t cap = slow ? 1 : static_cast<int64_t>(limits.calls_per_second);
    BC_ASSIGN_OR_RETURN(const int64_t started, count_started_since(Millis(now) - window_ms));
    allowed = std::min(allowed, std::max<int64_t>(0, cap - started));
  }
  return allowed;
}

int FlightRank(ExecutionStatus s) {
  switch (s) {
    case E::kInitiated:
      return 0;
    case E::kRinging:
      return 1;
    case E::kInProgress:
      return 2;
    case E::kCallDisconnected:
      return 3;
    default:
      return -1;
  }
}

bool ReachableForward(ExecutionStatus from, ExecutionStatus to) {
  if (CanTransition(from, to)) return true;
  const int rank = FlightRank(from);
  if (rank < 0) return false;
  for (ExecutionStatus next : {E::kInitiated, E::kRinging, E::kInProgress, E::kCallDisconnected}) {
    if (FlightRank(next) > rank && CanTransition(from, next) && ReachableForward(next, to))
      return true;
  }
  return false;
}

std::string TelephonyData(const CallEvent& e, const std::string& to_number,
                          const std::string& from_number, const std::string& stored_call_id,
                          const std::string& provider_type) {
  auto string_or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  const std::string& call_id = e.provider_call_id.empty() ? stored_call_id : e.provider_call_id;
  nlohmann::json t = {{"duration", e.duration_seconds},
                      {"to_number", to_number},
                      {"from_number", string_or_null(from_number)},
                      {"recording_url", string_or_null(e.recording_url)},
                      {"provider_call_id", string_or_null(call_id)},
                      {"provider", string_or_null(provider_type)},
                      {"hangup_by", string_or_null(e.hangup_by)},
                      {"hangup_reason", string_or_null(e.hangup_reason)},
                      {"ring_duration", e.ring_seconds}};
  if (e.telephony_extra.is_object()) {
    for (const auto& [key, value] : e.telephony_extra.items()) {
      if (!t.contains(key)) t[key] = value;
    }
  }
  return t.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ProgressPlan PlanProgress(const CallEvent& e, const AttemptRow& a) {
  ProgressPlan plan;
  const int target = FlightRank(e.status);
  if (target < 0) return plan;
  if (target > FlightRank(a.status) ||
      (a.provider_call_id.empty() && !e.provider_call_id.empty())) {
    plan.advance_attempt = true;
    plan.attempt_status = target > FlightRank(a.status) ? e.status : a.status;
  }
  const int current = FlightRank(a.execution_status);
  plan.advance_execution =
      current >= 0 && target > current && ReachableForward(a.execution_status, e.status);
  return plan;
}

OutcomePlan PlanOutcome(const CallUpdate& u, const AttemptRow& a,
                        const std::string& provider_type) {
  const CallEvent& e = u.event;
  OutcomePlan plan;
  plan.retry = u.retry && !a.batch_stopped;
  plan.execution_status = plan.retry ? E::kScheduled : e.status;
  plan.applied = AppliedOutcome{e.attempt_id, a.execution_id, a.agent_id, a.execution_status};
  plan.finish_execution = ReachableForward(a.execution_status, plan.execution_status);
  if (!plan.finish_execution) return plan;
  if (plan.retry) plan.next_attempt_at_ms = Millis(u.next_attempt_at);
  if (!e.extracted_data.is_null()) {
    plan.extracted_data =
        e.extracted_data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  plan.telephony_data =
      TelephonyData(e, a.contact_number, a.from_number, a.provider_call_id, provider_type);
  plan.applied.execution_status = plan.execution_status;
  return plan;
}

}  // namespace batchcall::store_rules
