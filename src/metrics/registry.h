// Metrics registry: counters, gauges and histograms in families with fixed
// label names, rendered in the Prometheus text exposition format 0.0.4.
//
// Updates are lock-free (relaxed atomics on the child). Finding a child by
// label values (With) takes its family's mutex only, never a registry-wide
// lock; hot paths keep the returned reference (children live as long as the
// registry). A family caps its distinct label sets (max_children): further
// sets fold into one child whose label values are all "other".
//
// Label values must never be ids or phone numbers; they are truncated to
// kMaxLabelValueBytes (at a UTF-8 boundary).
//
// Thread-safety: everything is thread-safe. Registration is idempotent: the
// same name and type returns the existing family (a different type or label
// set for a registered name is a bug and throws std::logic_error).
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace batchcall::metrics {

inline constexpr size_t kMaxLabelValueBytes = 100;
inline constexpr std::string_view kOtherLabelValue = "other";

class Counter {
 public:
  // v must be >= 0 (a negative v is ignored: counters only go up).
  void Inc(double v = 1) {
    if (v > 0) value_.fetch_add(v, std::memory_order_relaxed);
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Dec(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // bounds: ascending finite upper bounds (the +Inf bucket is implicit).
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double v);
  // Cumulative count per bound, then the +Inf count (== Count()).
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Default buckets for request durations in seconds (5 ms .. 10 s).
std::vector<double> DefaultDurationBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

struct FamilyOptions {
  std::vector<std::string> label_names = {};  // fixed; "le" is reserved for histograms
  size_t max_children = 100;             // distinct label sets before folding into "other"
  std::vector<double> buckets = {};      // histograms only; empty = DefaultDurationBuckets()
};

// One metric name with its children (one per label set).
template <typename T>
class Family {
 public:
  // The child for these label values (one per label name, in order); a
  // wrong number of values is a bug (std::logic_error).
  T& With(std::initializer_list<std::string_view> values);
  T& With(const std::vector<std::string>& values);
  // The child of a family without labels.
  T& Get() { return With({}); }

  const std::string& name() const { return name_; }

 private:
  friend class Registry;
  Family(std::string name, std::string help, MetricType type, FamilyOptions options)
      : name_(std::move(name)), help_(std::move(help)), type_(type), options_(std::move(options)) {}
  T& Child(std::vector<std::string> values);
  std::unique_ptr<T> Make() const;
  void Render(std::string& out) const;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const FamilyOptions options_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // name: [a-zA-Z_:][a-zA-Z0-9_:]*; label names [a-zA-Z_][a-zA-Z0-9_]*, not "__"-prefixed.
  CounterFamily& AddCounter(const std::string& name, const std::string& help, FamilyOptions options = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help, FamilyOptions options = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help, FamilyOptions options = {});

  // Every family in registration order, in the text format 0.0.4.
  std::string Render() const;

 private:
  struct Entry {
    MetricType type;
    std::vector<std::string> label_names;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  Entry& Add(const std::string& name, const std::string& help, MetricType type, FamilyOptions options);

  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::unique_ptr<Entry>>> families_;  // guarded by mu_
};

// The process-wide registry (never destroyed).
Registry& Default();

// Text-format helpers (exposed for tests).
std::string EscapeLabelValue(std::string_view v);
std::string EscapeHelp(std::string_view v);
std::string FormatValue(double v);
// v cut to at most max_bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view v, size_t max_bytes);

// Content-Type of Registry::Render() output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace batchcall::metrics
