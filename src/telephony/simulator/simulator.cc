#include "telephony/simulator/simulator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

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

  // Loads the record and opens it for appending; resumes unfinished calls.
  void Init();
  // Reads calls another process appended to a shared record since (mu_ held).
  void AbsorbRecordLocked();
  void AbsorbLines(const std::vector<SimulatorRecordLine>& lines);  // mu_ held

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
  int64_t EndedCount() const { return Get(ended_); }

 private:
  // Fields other than the guarded ones never change once the call is
  // published in by_key_, so they are read without the lock.
  struct Call {
    std::string key, attempt_id, call_id, to, from, welcome;
    TimePoint started_at;
    sim::Plan plan;
    bool from_record = false;
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
  void Schedule(Call* c, int step);
  void Fire(Call* c, int step);
  CallEvent BuildEvent(const Call& c, int step, TimePoint at) const;
  void Publish(std::unique_ptr<Call> c);  // requires mu_

  const SimulatorConfig config_;
  const Clock& clock_;
  TimerQueue& timers_;
  CallEventSink& sink_;
  const SimulatorOptions options_;

  mutable std::mutex mu_;
  Status status_;                                       // guarded by mu_
  int fd_ = -1;                                         // record file, O_APPEND; set once in Init
  std::vector<std::unique_ptr<Call>> calls_;            // guarded by mu_, placement order
  std::unordered_map<std::string_view, Call*> by_key_;  // guarded by mu_; views of Call::key
  int64_t in_flight_ = 0, max_in_flight_ = 0, placed_ = 0, ended_ = 0;  // guarded by mu_
};

void SimulatorProvider::Impl::Publish(std::unique_ptr<Call> c) {
  by_key_.emplace(c->key, c.get());
  calls_.push_back(std::move(c));
  max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
}

void SimulatorProvider::Impl::AbsorbLines(const std::vector<SimulatorRecordLine>& lines) {
  for (const SimulatorRecordLine& l : lines) {
    if (!options_.provider_name.empty() && !l.provider.empty() &&
        l.provider != options_.provider_name)
      continue;
    auto it = by_key_.find(l.key);
    if (l.event == "placed" && it == by_key_.end()) {
      auto c = std::make_unique<Call>();
      c->key = l.key;
      c->attempt_id = l.attempt_id;
      c->call_id = l.call_id.empty() ? CallIdFor(l.key) : l.call_id;
      c->to = l.to;
      c->from = l.from;
      c->welcome = l.welcome;
      c->started_at = FromUnixMillis(l.at_ms);
      auto outcome = sim::ParseOutcome(l.outcome);
      if (outcome) {
        c->plan = sim::RestorePlan(l.seed, l.speed, l.key, *outcome, l.ring_s, l.talk_s);
      } else {  // an older or foreign line: recompute from the seed
        SimulatorConfig cfg = config_;
        cfg.seed = l.seed;
        cfg.speed = l.speed;
        c->plan = sim::MakePlan(cfg, l.key);
      }
      c->from_record = true;
      Publish(std::move(c));
    } else if (l.event == "ended" && it != by_key_.end() && !it->second->ended_at) {
      Call* c = it->second;
      c->ended_at = FromUnixMillis(l.at_ms);
      c->delivered = c->plan.num_steps - 1;
      c->last_at = *c->ended_at;
      in_flight_--;
    }
  }
}

void SimulatorProvider::Impl::AbsorbRecordLocked() {
  if (options_.record_path.empty()) return;
  auto lines = LoadRecord(options_.record_path);
  if (!lines.ok()) return;
  size_t before = calls_.size();
  AbsorbLines(*lines);
  // Calls of another process: their progress is judged by the clock.
  for (size_t i = before; i < calls_.size(); ++i)
    if (!calls_[i]->ended_at) calls_[i]->resumed = true;
}

void SimulatorProvider::Impl::Init() {
  if (options_.record_path.empty()) return;
  std::vector<Call*> unfinished;
  {
    std::lock_guard lock(mu_);
    auto lines = LoadRecord(options_.record_path);
    if (!lines.ok() && lines.status().code() != StatusCode::kNotFound) {
      status_ = lines.status();
      return;
    }
    AbsorbLines(lines.ok() ? *lines : std::vector<SimulatorRecordLine>{});
    max_in_flight_ = in_flight_;
    for (auto& c : calls_) {
      if (c->ended_at) continue;
      c->resumed = true;
      unfinished.push_back(c.get());
    }
    fd_ = ::open(options_.record_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      status_ = Unavailable(std::string("cannot open the simulator record file ")
                                .append(options_.record_path)
                                .append(": ")
                                .append(std::strerror(errno)));
    }
  }
  if (!options_.resume_unfinished) return;
  TimePoint now = clock_.Now();
  for (Call* c : unfinished) {
    // Progress already due was missed; the outcome is always delivered.
    int step = c->plan.num_steps - 1;
    for (int i = 0; i < c->plan.num_steps; ++i) {
      if (StepAt(*c, i) > now) {
        step = i;
        break;
      }
    }
    Schedule(c, step);
  }
}

Result<std::string> SimulatorProvider::Impl::StartCall(const CallRequest& r) {
  if (r.idempotency_key.empty()) return InvalidArgument("the simulator needs an idempotency key");
  if (!IsDialable(r.to)) {
    return InvalidArgument(
        std::string("the simulator cannot dial \"").append(r.to).append("\": not an E.164 number"));
  }
  auto c = std::make_unique<Call>();
  c->key = r.idempotency_key;
  c->attempt_id = r.attempt_id;
  c->call_id = CallIdFor(r.idempotency_key);
  c->to = r.to;
  c->from = r.from;
  c->welcome = RenderWelcomeMessage(r.welcome_message, r.variables);
  c->plan = sim::MakePlan(config_, r.idempotency_key);
  Call* placed = c.get();
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(r.idempotency_key); it != by_key_.end()) return it->second->call_id;
    if (!status_.ok()) return Unavailable(status_.message());
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
    Publish(std::move(c));
  }
  Schedule(placed, 0);
  return placed->call_id;
}

void SimulatorProvider::Impl::Schedule(Call* c, int step) {
  std::weak_ptr<Impl> self = weak_from_this();
  timers_.At(StepAt(*c, step), [self, c, step] {
    if (auto impl = self.lock()) impl->Fire(c, step);
  });
}

void SimulatorProvider::Impl::Fire(Call* c, int step) {
  TimePoint now;
  bool outcome = step == c->plan.num_steps - 1;
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
      ended_++;
    }
    c->delivered = step;
    c->last_at = now;
  }
  sink_.OnCallEvent(BuildEvent(*c, step, now));
  if (!outcome) Schedule(c, step + 1);
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
  const Call* c;
  int step;
  TimePoint at;
  {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
      AbsorbRecordLocked();  // a shared record: another node may have placed it
      it = by_key_.find(key);
    }
    if (it == by_key_.end())
      return NotFound(
          std::string("the simulator placed no call with idempotency key ").append(key));
    c = it->second;
    step = c->delivered;
    at = step >= 0 ? c->last_at : c->started_at;
    if (c->resumed && !c->ended_at) {
      TimePoint now = clock_.Now();
      for (int i = step + 1; i < c->plan.num_steps && StepAt(*c, i) <= now; ++i) {
        step = i;
        at = StepAt(*c, i);
      }
    }
  }
  return BuildEvent(*c, step, at);
}

std::vector<PlacedCall> SimulatorProvider::Impl::Placed() const {
  std::lock_guard lock(mu_);
  std::vector<PlacedCall> out;
  out.reserve(calls_.size());
  for (const auto& c : calls_) {
    PlacedCall p{c->key,        c->attempt_id, c->call_id,   c->to,         c->from,
                 c->started_at, c->ended_at,   std::nullopt, c->from_record};
    if (c->ended_at) p.final_status = c->plan.steps[c->plan.num_steps - 1].status;
    out.push_back(std::move(p));
  }
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

std::string SimulatorProvider::CallIdFor(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t h = sim::HashKey(key);
  std::string id = "sim-";
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(h >> shift) & 15]);
  return id;
}

}  // namespace batchcall
