// Dispatcher: the engine's decision loop, one step at a time.
//
// Each Step(now): records provider events that arrived (deciding retries),
// starts batches whose time has come, claims eligible executions per agent
// within its concurrency cap and pace (running batches of one agent share
// them round-robin), applies calling hours (rescheduled) and the do-not-call
// list (canceled), stores each attempt as `initiated` BEFORE asking the
// provider to dial, and completes batches whose executions are all terminal.
// It returns when it next has timed work; the Engine thread sleeps until then
// or until Notify().
//
// Remote providers (Provider::remote(): Twilio, voice-agent servers) are
// called from a pool of dial threads, never from the engine thread: the
// attempt is stored `initiated` first, the dial runs in the pool, and its
// result (call id or refusal) comes back through the inbox like an event.
// An attempt without an outcome after its provider's outcome_timeout() is
// checked once with Lookup, then ended `error` ("no result within ...").
//
// A local provider (the simulator) that cannot place calls — StartCall, or
// building it, answers Unavailable (its record file is unwritable) — has
// placed nothing: those dials end "not placed" and their executions are
// requeued (not failed), the agent dials nothing for not_placed_backoff, and
// one ERROR line is logged per outage (and one INFO line when dials succeed
// again).
//
// The class is split by concern (src/engine/README.md): the step and fair
// claiming (dispatcher.cc), dialling (dispatcher_dial.cc), live calls, events
// and deadlines (dispatcher_live.cc, over LiveCalls and the Inbox), the
// never-dial-twice reconciliation (dispatcher_reconcile.cc), and multi-node
// housekeeping (dispatcher_nodes.cc).
//
// Thread-safety: Step, Recover and SetDialing run on one thread (the engine
// thread, or a test). OnCallEvent may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "compliance/decider.h"
#include "compliance/rule_pack.h"
#include "engine/engine_metrics.h"
#include "engine/inbox.h"
#include "engine/live_calls.h"
#include "engine/pacer.h"
#include "engine/work_pool.h"
#include "store/store.h"
#include "telephony/provider.h"

namespace batchcall {

// Gives the provider that places an agent's calls. Implemented by the
// composition root (it names the concrete providers).
class ProviderRegistry {
 public:
  virtual ~ProviderRegistry() = default;
  // The provider for this agent's current settings; InvalidArgument when the
  // agent's provider cannot be built (the engine fails its batches).
  virtual Result<Provider*> ForAgent(const Agent& agent) = 0;
};

struct DispatcherOptions {
  std::string worker_id = "node-1";  // owner name written on claims (unique per process)
  std::chrono::milliseconds lease{120'000};  // claims older than this are rescued by others
  int64_t max_claim_per_step = 1000;  // executions claimed per agent per step
  std::string callback_base_url;      // BATCHCALL_PUBLIC_URL, for remote providers
  int dial_threads = 8;               // pool for remote providers' StartCall / Lookup
  // After a restart, a recovered call the provider reports still going is
  // looked up again this often (its events may have been lost while down).
  std::chrono::milliseconds recheck_interval{30'000};
  // Many nodes share the store (PostgreSQL): per-agent limits are enforced by
  // the store (BeginAttemptsLimited), events for attempts another node owns
  // are recorded here too, and attempts closed elsewhere are dropped from
  // this node's in-flight count. Off for SQLite (one process).
  bool shared_store = false;
  // Liveness: this node's heartbeat period, and how old another node's last
  // heartbeat must be before this node adopts its open attempts.
  std::chrono::milliseconds heartbeat_interval{2'000};
  std::chrono::milliseconds node_stale_after{10'000};
  // How long an agent whose local provider placed nothing (Unavailable)
  // waits before it dials again.
  std::chrono::milliseconds not_placed_backoff{30'000};
  // The rule packs agents' calling_guardrails name (not owned; outlives the
  // dispatcher). nullptr: the built-in ones.
  const RulePackSet* rule_packs = nullptr;
};

struct DispatcherStats {
  int64_t dials = 0;
  int64_t outcomes = 0;
  int64_t retries_scheduled = 0;
  int64_t rescheduled_outside_hours = 0;  // held by any calling rule (hold_reason set)
  int64_t canceled_dnc = 0;
  int64_t reconciled = 0;
  int64_t timed_out = 0;
  int64_t adopted = 0;          // open attempts taken over from stopped nodes
  int64_t limited = 0;          // starts refused by the store's per-agent limits
  int64_t foreign_events = 0;   // events recorded for attempts another node owns
  int64_t not_placed = 0;       // dials a local provider could not place (requeued)
  int64_t steps = 0;
};

class Dispatcher final : public CallEventSink {
 public:
  // `metrics` (not owned) must outlive the dispatcher; by default nothing is reported.
  Dispatcher(Store& store, ProviderRegistry& providers, DispatcherOptions options,
             EngineMetrics& metrics = NoEngineMetrics::Instance());
  ~Dispatcher() override;  // stops the dial pool

  // Graceful stop, after the engine thread has stopped (SIGTERM): dials still
  // queued are not sent — their attempts end `error` "not dialled" and their
  // executions are requeued at once; dials and lookups already running may
  // finish (at most `timeout`); then every result received is recorded.
  // Whatever is still running after `timeout` is reconciled at the next start.
  // `interrupt` (may be empty) is called once draining has begun: it cuts
  // providers' waits between retries short (a dial stopped that way without
  // placing anything is requeued too).
  Status Drain(TimePoint now, std::chrono::milliseconds timeout, const std::function<void()>& interrupt = {});

  // Stops the dial pool: dials not yet sent are dropped (their attempts stay
  // `initiated` and are reconciled at the next start); running ones finish.
  void StopPool();

  // Called when an event arrives, so the engine thread can wake up. May be
  // reset to nullptr at shutdown while providers still deliver events.
  void SetWakeCallback(std::function<void()> wake);

  // At start-up: takes the open attempts this node owned before it stopped
  // (and those of nodes that stopped beating) — calls in flight when the
  // process stopped. Attempts without a provider call id are reconciled through the
  // provider's Lookup: an outcome is recorded, a call the provider never
  // placed is closed as `error` and its execution rescheduled for now, and a
  // call whose fate cannot be learned is closed `error` "outcome unknown" —
  // never redialled. Attempts with a call id keep waiting for their events
  // (and are also looked up, for providers that lost them).
  Status Recover(TimePoint now);

  // Does everything due at `now`. Returns the next instant it has timed work,
  // or nullopt when only an event or Notify() can create work.
  Result<std::optional<TimePoint>> Step(TimePoint now);

  // Stops (false) or allows (true) new dials; events are still recorded.
  void SetDialing(bool enabled) { dialing_ = enabled; }

  // CallEventSink: queues the event for the next step and wakes the engine.
  void OnCallEvent(CallEvent event) override;
  // Remote dials and checks still queued or running in the pool.
  size_t PoolPending() const { return pool_ ? pool_->Pending() : 0; }

  // Engine thread (or test) only.
  int64_t InFlight() const;
  int64_t InFlightForAgent(const std::string& agent_id) const;
  const DispatcherStats& stats() const { return stats_; }

 private:
  struct AgentState {
    Pacer pacer{1};
    size_t cursor = 0;     // round-robin position among its batches
    uint64_t from_rr = 0;  // caller id rotation
    std::optional<TimePoint> backoff_until;  // no dials before (its provider placed nothing)
    bool outage = false;                     // the outage's ERROR line was logged
  };

  // --- the step and fair claiming (dispatcher.cc) ---
  // Claims and dials for one agent; sets *blocked_by_pace when eligible work
  // was left waiting for the pace, *work_left when claimed executions were not
  // dialled (rescheduled, canceled) or batches were left with work.
  Status DispatchAgent(const Agent& agent, const std::vector<const RunningBatch*>& batches, TimePoint now,
                       bool* blocked_by_pace, bool* work_left);

  // --- dialling (dispatcher_dial.cc) ---
  // Do-not-call, calling hours, attempt rows before the dial, then StartCall
  // (in the pool for remote providers). *dialed: attempts begun.
  Status Dial(const RunningBatch& rb, std::vector<Execution>& claimed, TimePoint now, int64_t* dialed);
  // What a failed StartCall (or one never sent) becomes: a dial that may
  // exist stays open and is looked up (UnknownOutcome); one stopped by the
  // shutdown that placed nothing is requeued; otherwise `failed` (refused)
  // or `error`. `event` carries the attempt's ids.
  InboxItem DialFailure(const Status& status, CallEvent event) const;
  // A dial a local provider could not place (Unavailable): requeued after
  // not_placed_backoff. Counts stats_.not_placed.
  InboxItem NotPlaced(const Status& status, CallEvent event, TimePoint now);
  // An attempt kept open because its dial's answer was lost: recheck it later.
  static InboxItem UncertainDial(CallEvent event);

  // --- live calls, events and deadlines (dispatcher_live.cc) ---
  Status RecordEvents(TimePoint now);
  void Track(const std::string& attempt_id, LiveCall live);
  void Untrack(const std::string& attempt_id);
  // Looks up a live attempt: inline for local providers, in the pool for remote ones.
  void Check(const std::string& attempt_id, CheckReason reason, TimePoint now);
  // Checks attempts whose outcome is overdue; returns the next deadline.
  std::optional<TimePoint> CheckDeadlines(TimePoint now);
  std::optional<RetryConfig> RetryConfigFor(const LiveCall& live);

  // --- reconciliation (dispatcher_reconcile.cc) ---
  // Turns a Lookup result for a live attempt into inbox items (or nothing:
  // keep waiting), as Reconcile (reconcile.h) decides. Any thread.
  void FinishCheck(const std::string& attempt_id, const LiveCall& live, CheckReason reason,
                   const Result<CallEvent>& found, TimePoint now);
  // Pushes a closing `error` whose call may have happened: never retried.
  void PushUnknownOutcome(CallEvent closing);

  // --- nodes (dispatcher_nodes.cc) ---
  // Tracks adopted attempts and looks each up (kRecovery).
  void TrackAdopted(const std::vector<OpenAttempt>& open, TimePoint now, bool foreign);
  // Heartbeat, adoption of orphaned attempts, and (shared store) dropping
  // attempts closed by other nodes. Every heartbeat_interval.
  Status Housekeeping(TimePoint now);
  // Records an event for an attempt this node does not track (shared store).
  Result<std::optional<CallUpdate>> ForeignUpdate(CallEvent event, InboxDisposition disposition, TimePoint now);

  // Constant after construction.
  Store& store_;
  Decider decider_;  // the calling rules (compliance/decider.h), shared with the preview
  ProviderRegistry& providers_;
  DispatcherOptions options_;
  EngineMetrics& metrics_;

  // Any thread.
  std::atomic<bool> dialing_{true};
  std::atomic<bool> draining_{false};  // queued remote dials are requeued, not sent
  Inbox inbox_;

  // Engine thread only.
  LiveCalls live_;
  std::unordered_map<std::string, AgentState> agents_;
  std::unordered_map<std::string, RunningBatch> batches_;  // running batches seen last step
  DispatcherStats stats_;
  std::optional<TimePoint> next_housekeeping_;
  bool limited_this_step_ = false;  // the store refused starts for limits: look again soon
  std::unique_ptr<WorkPool> pool_;  // remote StartCall / Lookup; declared last: stopped first
};

}  // namespace batchcall
