// SimulatorProvider: the built-in, in-process telephony provider. It places
// no real calls; each StartCall draws a deterministic outcome from the
// configured rates (seeded by the config seed and the idempotency key) and
// replays that call's event sequence on a TimerQueue, time scaled by `speed`.
// See src/telephony/README.md for sequences, timings, cost, transcript and
// record file formats.
//
// Thread-safety: SimulatorProvider is thread-safe (StartCall, Lookup and the
// counters may be called from any thread while timers fire on the timer
// thread). SimulatorConfig and the free functions are plain values / pure.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/timer_queue.h"
#include "telephony/provider.h"

namespace batchcall {

// The agent's `provider` settings for type "simulator" (docs/api.md).
struct SimulatorConfig {
  double speed = 1;             // time scale: 1 = real time, 1000 = 1000x faster; > 0
  uint64_t seed = 0;            // with the idempotency key, fixes each call's fate
  double answer_rate = 0.6;     // the five rates are fractions summing to 1
  double busy_rate = 0.1;
  double no_answer_rate = 0.15;
  double voicemail_rate = 0.1;
  double failure_rate = 0.05;
  double ring_min_seconds = 3;  // ring time of answered / voicemail calls, uniform
  double ring_max_seconds = 15;
  double talk_min_seconds = 20;  // talk time of answered calls, uniform
  double talk_max_seconds = 90;

  // Decodes the provider JSON (`{"type":"simulator","speed":1,...}`) under
  // the simulator's one set of rules (CheckSimulatorSetting and
  // CheckSimulatorRates below, which the simulator kind's apply_settings
  // uses too): omitted settings keep the defaults above, rates are
  // normalised by their sum. InvalidArgument naming the field for anything
  // those rules refuse, a `type` other than "simulator", or settings that
  // are not an object.
  static Result<SimulatorConfig> FromJson(const nlohmann::json& provider);
};

// SimulatorConfig's defaults as stored settings (what a new simulator agent
// gets): {"type":"simulator","speed":1.0,...,"ring_seconds":[3,15],...}.
nlohmann::json DefaultSimulatorSettings();

// The simulator's settings rules, the contract of docs/api.md, used by the
// simulator kind (what users save) and by FromJson (what the simulator runs):
// speed 0.001..1e6; seed a whole number; each rate 0..1; ring_seconds and
// talk_seconds [min, max] within 0..3600 with min <= max; no other key but
// "type". InvalidArgument "provider.<key> ...".
Status CheckSimulatorSetting(std::string_view key, const nlohmann::json& value);
// The five rates (answer, busy, no_answer, voicemail, failure) must sum to 1 (+-0.001).
Status CheckSimulatorRates(double sum);

struct SimulatorOptions {
  // Optional append-only log of placed / ended calls (one JSON line each,
  // written with one write(2) before the state change counts). Loaded at
  // construction so Lookup answers for calls placed before a restart. Empty =
  // in memory only.
  std::string record_path;
  // Written into every record line; when non-empty, only record lines with
  // this name (or none) are loaded, so several providers may share one file.
  std::string provider_name;
  // At construction, keep delivering the remaining events of calls the record
  // shows placed but not ended (as a remote provider would after our crash).
  bool resume_unfinished = true;
};

// One call this provider knows it placed (this run, or loaded from the record).
struct PlacedCall {
  std::string idempotency_key;
  std::string attempt_id;
  std::string provider_call_id;
  std::string to;
  std::string from;
  TimePoint started_at;
  std::optional<TimePoint> ended_at;              // when the outcome was delivered
  std::optional<ExecutionStatus> final_status;    // set with ended_at
  bool from_record = false;                       // loaded at construction
};

// One line of a record file. `event` is "placed" or "ended"; the plan fields
// are only on placed lines, `status` only on ended lines.
struct SimulatorRecordLine {
  std::string event;
  std::string key;
  std::string provider;
  int64_t at_ms = 0;
  // placed:
  std::string attempt_id;
  std::string call_id;
  std::string to;
  std::string from;
  uint64_t seed = 0;
  double speed = 1;
  std::string outcome;  // "answered" | "voicemail" | "busy" | "no-answer" | "failed"
  double ring_s = 0;
  double talk_s = 0;
  std::string welcome;  // the rendered welcome message (transcript line 1)
  // ended:
  std::string status;   // execution status wire name, e.g. "completed"
};

// What a record says about the dialling, for tests and benchmarks.
struct SimulatorRecordStats {
  int64_t placed = 0;
  int64_t ended = 0;
  int64_t duplicate_placed_keys = 0;  // keys with more than one placed line (must be 0)
  int64_t max_simultaneous = 0;       // max placed-but-not-ended, scanning lines in file order
  int64_t unfinished = 0;             // placed lines without an ended line
};

// Renders `tmpl`: `{name}` becomes the value of the first variable called
// `name` (whitespace around the name ignored), or "" when there is none;
// `{{` and `}}` are literal braces. A name is 1+ characters of [A-Za-z0-9_.-
// and space]; anything else (`{}`, `{a{b}`, a lone `{` or `}`, `{"x": 1}`) is
// copied unchanged.
std::string RenderWelcomeMessage(std::string_view tmpl,
                                 const std::vector<std::pair<std::string, std::string>>& variables);

class SimulatorProvider final : public Provider {
 public:
  // `clock`, `timers` and `sink` must outlive this object; events still
  // pending on `timers` when it is destroyed become no-ops. Loads the record
  // file when options.record_path is set; a failure to read or open it is
  // reported by status() and makes StartCall return Unavailable.
  SimulatorProvider(SimulatorConfig config, const Clock& clock, TimerQueue& timers, CallEventSink& sink,
                    SimulatorOptions options = {});
  ~SimulatorProvider() override;
  SimulatorProvider(const SimulatorProvider&) = delete;
  SimulatorProvider& operator=(const SimulatorProvider&) = delete;

  // Like the constructor, but returns the record file error instead.
  static Result<std::unique_ptr<SimulatorProvider>> Create(SimulatorConfig config, const Clock& clock,
                                                           TimerQueue& timers, CallEventSink& sink,
                                                           SimulatorOptions options = {});

  // OK, or why the record file cannot be used.
  Status status() const;

  // Places the call (idempotent on the key; a repeat returns the same id and
  // places nothing). InvalidArgument for an empty key or a `to` that is not
  // "+" and digits; Unavailable when the record line cannot be written (the
  // call is then not placed).
  Result<std::string> StartCall(const CallRequest& request) override;

  // NotFound when no call was placed with the key. Otherwise the outcome
  // event once the call has ended, else the latest progress event; status
  // `initiated` when placed but no event is due yet. For calls resumed from
  // the record, "due" is judged by the clock against the recorded start.
  Result<CallEvent> Lookup(const std::string& idempotency_key);
  Result<CallEvent> Lookup(const CallLookup& lookup) override { return Lookup(lookup.idempotency_key); }

  // Every call known, in placement order (record-loaded calls first). With
  // a record file it is read from the record, whole: for tests.
  std::vector<PlacedCall> Placed() const;
  int64_t InFlight() const;     // placed, outcome not yet delivered
  int64_t MaxInFlight() const;  // highest InFlight() seen
  int64_t PlacedCount() const;  // placed by this instance (not loaded)
  int64_t EndedCount() const;   // outcomes delivered by this instance
  // Calls held in memory: the live ones, and with a record file the ended
  // ones its index has not read yet (at most a few thousand); the index
  // answers for the others.
  int64_t KeptCalls() const;

  // Reads a record file; lines that do not parse (e.g. a torn last line) are
  // skipped. NotFound when the file does not exist; Internal when unreadable.
  static Result<std::vector<SimulatorRecordLine>> LoadRecord(const std::string& path);
  static SimulatorRecordStats SummarizeRecord(const std::vector<SimulatorRecordLine>& lines);
  // OK when a record file at `path` can be appended to (created when
  // missing, empty then); Unavailable naming the path and the reason otherwise.
  static Status CheckRecordWritable(const std::string& path);

  // The provider call id for a key: "sim-" + 16 lowercase hex digits.
  static std::string CallIdFor(std::string_view idempotency_key);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace batchcall
