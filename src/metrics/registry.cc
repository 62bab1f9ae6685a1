#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace batchcall::metrics {
namespace {

bool ValidName(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string TruncateUtf8(std::string_view v, size_t max_bytes) {
  if (v.size() <= max_bytes) return std::string(v);
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so no sequence is split.
  while (end > 0 && (static_cast<unsigned char>(v[end]) & 0xC0) == 0x80) --end;
  return std::string(v.substr(0, end));
}

std::vector<double> DefaultDurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // First bucket whose upper bound is >= v ("le" is inclusive).
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

template <typename T>
T& Family<T>::With(std::initializer_list<std::string_view> values) {
  std::vector<std::string> v;
  v.reserve(values.size());
  for (std::string_view s : values) v.emplace_back(s);
  return Child(std::move(v));
}

template <typename T>
T& Family<T>::With(const std::vector<std::string>& values) {
  return Child(values);
}

template <typename T>
std::unique_ptr<T> Family<T>::Make() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(options_.buckets);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T& Family<T>::Child(std::vector<std::string> values) {
  if (values.size() != options_.label_names.size())
    throw std::logic_error("metric " + name_ + ": wrong number of label values");
  for (auto& v : values)
    if (v.size() > kMaxLabelValueBytes) v = TruncateUtf8(v, kMaxLabelValueBytes);
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return *it->second;
  if (!values.empty() && children_.size() >= options_.max_children) {
    values.assign(values.size(), std::string(kOtherLabelValue));
    it = children_.find(values);
    if (it != children_.end()) return *it->second;
  }
  auto [pos, _] = children_.emplace(std::move(values), Make());
  return *pos->second;
}

template <typename T>
void Family<T>::Render(std::string& out) const {
  out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + std::string(TypeName(type_)) + "\n";
  std::lock_guard lock(mu_);
  const auto& names = options_.label_names;
  for (const auto& [values, child] : children_) {
    if constexpr (std::is_same_v<T, Histogram>) {
      auto cumulative = child->CumulativeCounts();
      const auto& bounds = child->bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        out += name_ + "_bucket";
        AppendLabels(out, names, values, "le", i < bounds.size() ? FormatValue(bounds[i]) : "+Inf");
        out += ' ' + std::to_string(cumulative[i]) + '\n';
      }
      out += name_ + "_sum";
      AppendLabels(out, names, values);
      out += ' ' + FormatValue(child->Sum()) + '\n';
      out += name_ + "_count";
      AppendLabels(out, names, values);
      out += ' ' + std::to_string(cumulative.back()) + '\n';
    } else {
      out += name_;
      AppendLabels(out, names, values);
      out += ' ' + FormatValue(child->Value()) + '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::Add(const std::string& name, const std::string& help, MetricType type,
                               FamilyOptions options) {
  if (!ValidName(name, /*allow_colon=*/true)) throw std::logic_error("bad metric name " + name);
  for (const auto& l : options.label_names) {
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 || (type == MetricType::kHistogram && l == "le"))
      throw std::logic_error("metric " + name + ": bad label name " + l);
  }
  if (type == MetricType::kHistogram) {
    if (options.buckets.empty()) options.buckets = DefaultDurationBuckets();
    if (!std::is_sorted(options.buckets.begin(), options.buckets.end()) ||
        std::adjacent_find(options.buckets.begin(), options.buckets.end()) != options.buckets.end() ||
        !std::isfinite(options.buckets.back()))
      throw std::logic_error("metric " + name + ": buckets must be finite and ascending");
  }
  if (options.max_children == 0) options.max_children = 1;
  std::lock_guard lock(mu_);
  for (auto& [n, e] : families_) {
    if (n != name) continue;
    if (e->type != type || e->label_names != options.label_names)
      throw std::logic_error("metric " + name + " registered twice with different types or labels");
    return *e;
  }
  auto e = std::make_unique<Entry>();
  e->type = type;
  e->label_names = options.label_names;
  switch (type) {
    case MetricType::kCounter:
      e->counter.reset(new CounterFamily(name, help, type, std::move(options)));
      break;
    case MetricType::kGauge:
      e->gauge.reset(new GaugeFamily(name, help, type, std::move(options)));
      break;
    case MetricType::kHistogram:
      e->histogram.reset(new HistogramFamily(name, help, type, std::move(options)));
      break;
  }
  families_.emplace_back(name, std::move(e));
  return *families_.back().second;
}

CounterFamily& Registry::AddCounter(const std::string& name, const std::string& help, FamilyOptions options) {
  return *Add(name, help, MetricType::kCounter, std::move(options)).counter;
}

GaugeFamily& Registry::AddGauge(const std::string& name, const std::string& help, FamilyOptions options) {
  return *Add(name, help, MetricType::kGauge, std::move(options)).gauge;
}

HistogramFamily& Registry::AddHistogram(const std::string& name, const std::string& help,
                                        FamilyOptions options) {
  return *Add(name, help, MetricType::kHistogram, std::move(options)).histogram;
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [_, e] : families_) {
    if (e->counter) e->counter->Render(out);
    if (e->gauge) e->gauge->Render(out);
    if (e->histogram) e->histogram->Render(out);
  }
  return out;
}

Registry& Default() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace batchcall::metrics
