#include "telephony/simulator/simulator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "telephony/simulator/simulator_index.h"
#include "telephony/simulator/simulator_plan.h"
#include "telephony/simulator/simulator_record.h"

namespace batchcall {
namespace {

bool IsDialable(std::string_view to) {
  if (to.size() < 2 || to.size() > 16 || to[0] != '+') return false;
  for (char c : to.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

// The shared state. Timers hold a weak_ptr to it, so events still queued
// when the provider is destroyed do nothing.
//
// With a record file, only live calls are kept in memory, and ended ones
// until the record's index has read their lines (kIndexEvery at most): the
// index answers StartCall and Lookup for the rest. Without a record, every
// call is kept.
class SimulatorProvider::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(SimulatorConfig config, const Clock& clock, TimerQueue& timers, CallEventSink& sink,
       SimulatorOptions options)
      : config_(config),
        clock_(clock),
        timers_(timers),
        sink_(sink),
        options_(std::move(options)) {}

  ~Impl() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Opens the record for appending and its index; resumes unfinished calls.
  void Init();

  Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }
  Result<std::string> StartCall(const CallRequest& r);
  Result<CallEvent> Lookup(const std::string& key);
  std::vector<PlacedCall> Placed() const;

  int64_t InFlight() const { return Get(in_flight_); }
  int64_t MaxInFlight() const { return Get(max_in_flight_); }
  int64_t PlacedCount() const { return Get(placed_); }
  int64_t EndedCount() const { return Get(ended_count_); }
  int64_t KeptCalls() const {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(by_key_.size());
  }

 private:
  // Ended calls the index may not have read yet, kept until it catches up.
  static constexpr size_t kIndexEvery = 4096;

  // Fields other than the guarded ones never change once the call is
  // published in by_key_, so they are read without the lock.
  struct Call {
    std::string key, attempt_id, call_id, to, from, welcome;
    TimePoint started_at;
    sim::Plan plan;
    bool resumed = false;  // unfinished in the record: progress judged by the clock
    // Guarded by mu_:
    int delivered = -1;  // index of the latest delivered step
    TimePoint last_at;   // when it was delivered
    std::optional<TimePoint> ended_at;
  };

  int64_t Get(const int64_t& counter) const {
    std::lock_guard lock(mu_);
    return counter;
  }
  TimePoint StepAt(const Call& c, int i) const {
    return c.started_at +
           std::chrono::milliseconds(sim::ScaledMs(c.plan.steps[i].sim_ms, c.plan.speed));
  }
  // The call a placed record line describes.
  std::shared_ptr<Call> FromLine(const SimulatorRecordLine& l) const;
  // The latest step of `c` due by the clock after `step` (delivered at `*at`).
  int LatestDue(const Call& c, int step, TimePoint* at) const;
  void Schedule(std::shared_ptr<Call> c, int step);
  void Fire(const std::shared_ptr<Call>& c, int step);
  // Lets the index read the record, then forgets the ended calls it has read.
  void IndexEnded();
  CallEvent BuildEvent(const Call& c, int step, TimePoint at) const;
  // What the index knows of `key` (nullopt when it knows nothing), read from
  // its placed line; `catch_up` first reads what other writers appended.
  Result<std::optional<std::shared_ptr<Call>>> FromIndex(const std::string& key, bool catch_up);

  const SimulatorConfig config_;
  const Clock& clock_;
  TimerQueue& timers_;
  CallEventSink& sink_;
  const SimulatorOptions options_;

  mutable std::mutex mu_;
  Status status_;                                  // guarded by mu_
  int fd_ = -1;                                    // record file, O_APPEND; set once in Init
  std::unique_ptr<sim::RecordIndex> index_;        // with a record; set once in Init
  int64_t record_size_at_start_ = 0;               // set once in Init
  std::unordered_map<std::string_view, std::shared_ptr<Call>> by_key_;  // guarded by mu_; views of Call::key
  std::vector<std::shared_ptr<Call>> calls_;       // guarded by mu_; without a record: all, placement order
  std::deque<std::shared_ptr<Call>> ended_;        // guarded by mu_; with a record: ended, maybe not indexed
  bool indexing_ = false;                          // guarded by mu_: an IndexEnded runs
  size_t index_at_ = kIndexEvery;                  // guarded by mu_: ended_.size() that starts one
  int64_t in_flight_ = 0, max_in_flight_ = 0, placed_ = 0, ended_count_ = 0;  // guarded by mu_
};

std::shared_ptr<SimulatorProvider::Impl::Call> SimulatorProvider::Impl::FromLine(
    const SimulatorRecordLine& l) const {
  auto c = std::make_shared<Call>();
  c->key = l.key;
  c->attempt_id = l.attempt_id;
  c->call_id = l.call_id.empty() ? CallIdFor(l.key) : l.call_id;
  c->to = l.to;
  c->from = l.from;
  c->welcome = l.welcome;
  c->started_at = FromUnixMillis(l.at_ms);
  if (auto outcome = sim::ParseOutcome(l.outcome)) {
    c->plan = sim::RestorePlan(l.seed, l.speed, l.key, *outcome, l.ring_s, l.talk_s);
  } else {  // an older or foreign line: recompute from the seed
    SimulatorConfig cfg = config_;
    cfg.seed = l.seed;
    cfg.speed = l.speed;
    c->plan = sim::MakePlan(cfg, l.key);
  }
  c->resumed = true;
  return c;
}

int SimulatorProvider::Impl::LatestDue(const Call& c, int step, TimePoint* at) const {
  TimePoint now = clock_.Now();
  for (int i = step + 1; i < c.plan.num_steps && StepAt(c, i) <= now; ++i) {
    step = i;
    *at = StepAt(c, i);
  }
  return step;
}

void SimulatorProvider::Impl::Init() {
  if (options_.record_path.empty()) return;
  std::vector<std::shared_ptr<Call>> unfinished;
  {
    std::lock_guard lock(mu_);
    auto fail = [&](Status s) { status_ = std::move(s); };
    fd_ = ::open(options_.record_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      return fail(Unavailable(std::string("cannot open the simulator record file ")
                                  .append(options_.record_path)
                                  .append(": ")
                                  .append(std::strerror(errno))));
    }
    auto index = sim::RecordIndex::Open(options_.record_path);
    if (!index.ok()) return fail(index.status());
    index_ = std::move(*index);
    // Only what was appended since the index last read the record is read.
    auto upto = index_->CatchUp();
    if (!upto.ok()) return fail(upto.status());
    record_size_at_start_ = *upto;
    auto open_calls = index_->Unfinished(options_.provider_name);
    if (!open_calls.ok()) return fail(open_calls.status());
    in_flight_ = max_in_flight_ = static_cast<int64_t>(open_calls->size());
    if (!options_.resume_unfinished) return;  // Lookup judges them by the clock
    for (const sim::IndexedCall& ic : *open_calls) {
      auto line = index_->ReadPlaced(ic);
      if (!line.ok()) return fail(line.status());
      std::shared_ptr<Call> c = FromLine(*line);
      if (!by_key_.emplace(c->key, c).second) continue;
      unfinished.push_back(std::move(c));
    }
  }
  for (auto& c : unfinished) {
    // Progress already due was missed; the outcome is always delivered.
    int step = c->plan.num_steps - 1;
    TimePoint now = clock_.Now();
    for (int i = 0; i < c->plan.num_steps; ++i) {
      if (StepAt(*c, i) > now) {
        step = i;
        break;
      }
    }
    Schedule(std::move(c), step);
  }
}

Result<std::optional<std::shared_ptr<SimulatorProvider::Impl::Call>>> SimulatorProvider::Impl::FromIndex(
    const std::string& key, bool catch_up) {
  using Found = std::optional<std::shared_ptr<Call>>;
  if (!index_) return Found();
  if (catch_up) BC_RETURN_IF_ERROR(index_->CatchUp().status());
  BC_ASSIGN_OR_RETURN(std::optional<sim::IndexedCall> ic, index_->Find(key, options_.provider_name));
  if (!ic) return Found();
  BC_ASSIGN_OR_RETURN(SimulatorRecordLine line, index_->ReadPlaced(*ic));
  std::shared_ptr<Call> c = FromLine(line);
  if (ic->ended_ms) {
    c->ended_at = FromUnixMillis(*ic->ended_ms);
    c->delivered = c->plan.num_steps - 1;
    c->last_at = *c->ended_at;
  }
  return Found(std::move(c));
}

Result<std::string> SimulatorProvider::Impl::StartCall(const CallRequest& r) {
  if (r.idempotency_key.empty()) return InvalidArgument("the simulator needs an idempotency key");
  if (!IsDialable(r.to)) {
    return InvalidArgument(
        std::string("the simulator cannot dial \"").append(r.to).append("\": not an E.164 number"));
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(r.idempotency_key); it != by_key_.end()) return it->second->call_id;
    if (!status_.ok()) return Unavailable(status_.message());
  }
  // Placed before and forgotten here once ended: the index has its line.
  auto known = FromIndex(r.idempotency_key, /*catch_up=*/false);
  if (!known.ok()) return Unavailable(known.status().message());
  if (*known) return (**known)->call_id;

  auto c = std::make_shared<Call>();
  c->key = r.idempotency_key;
  c->attempt_id = r.attempt_id;
  c->call_id = CallIdFor(r.idempotency_key);
  c->to = r.to;
  c->from = r.from;
  c->welcome = RenderWelcomeMessage(r.welcome_message, r.variables);
  c->plan = sim::MakePlan(config_, r.idempotency_key);
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(r.idempotency_key); it != by_key_.end()) return it->second->call_id;
    c->started_at = clock_.Now();
    if (fd_ >= 0) {
      sim::PlacedLine line{options_.provider_name,
                           c->key,
                           c->attempt_id,
                           c->call_id,
                           c->to,
                           c->from,
                           c->welcome,
                           ToUnixMillis(c->started_at),
                           &c->plan};
      BC_RETURN_IF_ERROR(sim::AppendToFile(fd_, sim::FormatPlacedLine(line)));
    }
    placed_++;
    by_key_.emplace(c->key, c);
    if (!index_) calls_.push_back(c);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
  }
  std::string id = c->call_id;
  Schedule(std::move(c), 0);
  return id;
}

void SimulatorProvider::Impl::Schedule(std::shared_ptr<Call> c, int step) {
  std::weak_ptr<Impl> self = weak_from_this();
  TimePoint at = StepAt(*c, step);
  timers_.At(at, [self, c = std::move(c), step] {
    if (auto impl = self.lock()) impl->Fire(c, step);
  });
}

void SimulatorProvider::Impl::Fire(const std::shared_ptr<Call>& c, int step) {
  TimePoint now;
  bool outcome = step == c->plan.num_steps - 1;
  bool index_now = false;
  {
    std::lock_guard lock(mu_);
    if (c->ended_at || step <= c->delivered) return;
    now = clock_.Now();
    if (outcome) {
      if (fd_ >= 0) {
        // A failed write cannot be reported to anyone; the call ends anyway.
        (void)sim::AppendToFile(
            fd_, sim::FormatEndedLine(options_.provider_name, c->key, c->plan.steps[step].status,
                                      ToUnixMillis(now)));
      }
      c->ended_at = now;
      in_flight_--;
      ended_count_++;
      if (index_) {
        ended_.push_back(c);
        index_now = !indexing_ && ended_.size() >= index_at_;
        indexing_ |= index_now;
      }
    }
    c->delivered = step;
    c->last_at = now;
  }
  sink_.OnCallEvent(BuildEvent(*c, step, now));
  if (!outcome) Schedule(c, step + 1);
  if (index_now) IndexEnded();
}

void SimulatorProvider::Impl::IndexEnded() {
  size_t read;
  {
    std::lock_guard lock(mu_);
    read = ended_.size();  // their lines are in the file: written before they were queued
  }
  bool ok = index_->CatchUp().ok();
  std::lock_guard lock(mu_);
  indexing_ = false;
  if (!ok) {  // kept; tried again after another batch
    index_at_ = ended_.size() + kIndexEvery;
    return;
  }
  for (size_t i = 0; i < read; ++i) {
    const std::shared_ptr<Call>& c = ended_.front();
    if (auto it = by_key_.find(c->key); it != by_key_.end() && it->second == c) by_key_.erase(it);
    ended_.pop_front();
  }
  index_at_ = kIndexEvery;
}

CallEvent SimulatorProvider::Impl::BuildEvent(const Call& c, int step, TimePoint at) const {
  CallEvent e;
  e.attempt_id = c.attempt_id;
  e.idempotency_key = c.key;
  e.provider_call_id = c.call_id;
  e.at = at;
  if (step < 0) {
    e.status = ExecutionStatus::kInitiated;
    return e;
  }
  e.status = c.plan.steps[step].status;
  if (step == c.plan.num_steps - 1) sim::FillOutcome(c.plan, c.welcome, &e);
  return e;
}

Result<CallEvent> SimulatorProvider::Impl::Lookup(const std::string& key) {
  std::shared_ptr<Call> c;
  int step = -1;
  TimePoint at;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      c = it->second;
      step = c->delivered;
      at = step >= 0 ? c->last_at : c->started_at;
      if (c->resumed && !c->ended_at) step = LatestDue(*c, step, &at);
    }
  }
  if (!c) {
    // Ended and forgotten, or placed by another process sharing the record.
    auto known = FromIndex(key, /*catch_up=*/false);
    if (known.ok() && !*known) known = FromIndex(key, /*catch_up=*/true);
    if (!known.ok()) return known.status();
    if (!*known)
      return NotFound(std::string("the simulator placed no call with idempotency key ").append(key));
    c = std::move(**known);
    step = c->delivered;
    at = step >= 0 ? c->last_at : c->started_at;
    if (!c->ended_at) step = LatestDue(*c, step, &at);
  }
  return BuildEvent(*c, step, at);
}

std::vector<PlacedCall> SimulatorProvider::Impl::Placed() const {
  auto view = [](const Call& c, bool from_record) {
    PlacedCall p{c.key,        c.attempt_id, c.call_id,   c.to,       c.from,
                 c.started_at, c.ended_at,   std::nullopt, from_record};
    if (c.ended_at) p.final_status = c.plan.steps[c.plan.num_steps - 1].status;
    return p;
  };
  std::vector<PlacedCall> out;
  if (options_.record_path.empty()) {
    std::lock_guard lock(mu_);
    out.reserve(calls_.size());
    for (const auto& c : calls_) out.push_back(view(*c, false));
    return out;
  }
  // With a record, the record is the list (read whole: for tests and benchmarks).
  std::unordered_map<std::string, size_t> at;  // key -> index in out
  (void)sim::ForEachRecordLine(options_.record_path, [&](int64_t offset, const SimulatorRecordLine& l) {
    if (!options_.provider_name.empty() && !l.provider.empty() && l.provider != options_.provider_name) return;
    auto it = at.find(l.key);
    if (l.event == "placed" && it == at.end()) {
      at.emplace(l.key, out.size());
      out.push_back(view(*FromLine(l), offset < record_size_at_start_));
    } else if (l.event == "ended" && it != at.end() && !out[it->second].ended_at) {
      PlacedCall& p = out[it->second];
      p.ended_at = FromUnixMillis(l.at_ms);
      p.final_status = ParseExecutionStatus(l.status);
    }
  });
  return out;
}

// --- SimulatorProvider ---------------------------------------------------

SimulatorProvider::SimulatorProvider(SimulatorConfig config, const Clock& clock, TimerQueue& timers,
                                     CallEventSink& sink, SimulatorOptions options)
    : impl_(std::make_shared<Impl>(config, clock, timers, sink, std::move(options))) {
  impl_->Init();
}

SimulatorProvider::~SimulatorProvider() = default;

Result<std::unique_ptr<SimulatorProvider>> SimulatorProvider::Create(SimulatorConfig config,
                                                                     const Clock& clock,
                                                                     TimerQueue& timers,
                                                                     CallEventSink& sink,
                                                                     SimulatorOptions options) {
  auto p = std::make_unique<SimulatorProvider>(config, clock, timers, sink, std::move(options));
  Status s = p->status();
  if (!s.ok()) return s;
  return p;
}

Status SimulatorProvider::status() const { return impl_->status(); }
Result<std::string> SimulatorProvider::StartCall(const CallRequest& request) {
  return impl_->StartCall(request);
}
Result<CallEvent> SimulatorProvider::Lookup(const std::string& key) { return impl_->Lookup(key); }
std::vector<PlacedCall> SimulatorProvider::Placed() const { return impl_->Placed(); }
int64_t SimulatorProvider::InFlight() const { return impl_->InFlight(); }
int64_t SimulatorProvider::MaxInFlight() const { return impl_->MaxInFlight(); }
int64_t SimulatorProvider::PlacedCount() const { return impl_->PlacedCount(); }
int64_t SimulatorProvider::EndedCount() const { return impl_->EndedCount(); }
int64_t SimulatorProvider::KeptCalls() const { return impl_->KeptCalls(); }

std::string SimulatorProvider::CallIdFor(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t h = sim::HashKey(key);
  std::string id = "sim-";
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(h >> shift) & 15]);
  return id;
}

}  // namespace batchcall
