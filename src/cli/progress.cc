#include "cli/progress.h"

#include <algorithm>

#include "cli/client_format.h"
#include "domain/states.h"

namespace batchcall::cli {
namespace {

int64_t CountField(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string Counts(const ProgressSnapshot& s) {
  return StrCat({std::to_string(s.done), "/", std::to_string(s.total), " done, ", std::to_string(s.in_flight),
                 " in flight, ", std::to_string(s.pending), " pending"});
}

std::string Percent(const ProgressSnapshot& s) {
  int64_t pct = s.total > 0 ? std::clamp<int64_t>(s.done, 0, s.total) * 100 / s.total : 0;
  return std::to_string(pct) + "%";
}

std::string StatusList(const ProgressSnapshot& s) {
  std::string out;
  for (const auto& c : OrderStatusCounts(s.by_status)) {
    if (!out.empty()) out += ", ";
    out += c.status + " " + std::to_string(c.count);
  }
  return out;
}

}  // namespace

ProgressSnapshot SnapshotFromBatchJson(const nlohmann::json& batch, std::chrono::milliseconds elapsed) {
  ProgressSnapshot s;
  s.elapsed = elapsed;
  if (!batch.is_object()) return s;
  if (auto it = batch.find("status"); it != batch.end() && it->is_string()) s.batch_status = *it;
  if (auto it = batch.find("progress"); it != batch.end()) {
    s.total = CountField(*it, "total");
    s.done = CountField(*it, "done");
    s.in_flight = CountField(*it, "in_flight");
    s.pending = CountField(*it, "pending");
  }
  if (auto it = batch.find("execution_status"); it != batch.end() && it->is_object()) {
    for (const auto& [name, n] : it->items()) {
      if (n.is_number()) s.by_status.push_back({name, n.get<int64_t>()});
    }
  }
  return s;
}

std::vector<StatusCount> OrderStatusCounts(std::vector<StatusCount> counts) {
  counts.erase(std::remove_if(counts.begin(), counts.end(), [](const StatusCount& c) { return c.count == 0; }),
               counts.end());
  constexpr int kUnknownRank = 1000;
  auto rank = [](const std::string& name) {
    auto parsed = ParseExecutionStatus(name);
    return parsed ? static_cast<int>(*parsed) : kUnknownRank;
  };
  std::stable_sort(counts.begin(), counts.end(), [&](const StatusCount& a, const StatusCount& b) {
    int ra = rank(a.status), rb = rank(b.status);
    return ra != rb ? ra < rb : a.status < b.status;
  });
  return counts;
}

std::string RenderProgressBar(int64_t done, int64_t in_flight, int64_t total, int cells) {
  if (cells <= 0) return "";
  if (total <= 0) return std::string(static_cast<size_t>(cells), '-');
  done = std::clamp<int64_t>(done, 0, total);
  in_flight = std::clamp<int64_t>(in_flight, 0, total - done);
  int64_t done_cells = done * cells / total;
  int64_t started_cells = (done + in_flight) * cells / total;
  std::string bar(static_cast<size_t>(done_cells), '#');
  bar.append(static_cast<size_t>(started_cells - done_cells), '>');
  bar.append(static_cast<size_t>(cells - started_cells), '-');
  return bar;
}

std::string RenderProgressLine(const ProgressSnapshot& s, int width) {
  if (width <= 0) return "";
  constexpr int kMinBar = 10, kMaxBar = 40;
  const std::string counts = StrCat({" ", Percent(s), " ", Counts(s)});
  const std::string statuses = StatusList(s);
  const std::string clock = StrCat({" | ", FormatClock(s.elapsed.count())});
  const std::string head = s.batch_status.empty() ? "" : s.batch_status + " ";

  struct Layout {
    bool head, statuses, clock;
  };
  // In order of preference: drop the per-status part first, then the batch
  // status, then the clock.
  const Layout layouts[] = {{true, true, true}, {true, false, true}, {false, false, true}, {false, false, false}};
  for (const Layout& l : layouts) {
    std::string tail = counts;
    if (l.statuses && !statuses.empty()) tail += " | " + statuses;
    if (l.clock) tail += clock;
    std::string prefix = l.head ? head : "";
    int fixed = static_cast<int>(prefix.size() + tail.size()) + 2;  // "[" and "]"
    int cells = std::min(kMaxBar, width - fixed);
    if (cells < kMinBar) continue;
    std::string line = prefix;
    line += '[';
    line += RenderProgressBar(s.done, s.in_flight, s.total, cells);
    line += ']';
    line += tail;
    return line;
  }
  // Too narrow for any bar: the numbers alone, cut to fit.
  std::string text = counts.substr(1);
  if (static_cast<int>(text.size()) > width) text.resize(static_cast<size_t>(width));
  return text;
}

std::string RenderProgressPlain(const ProgressSnapshot& s) {
  std::string line = StrCat({"[", FormatClock(s.elapsed.count()), "] "});
  line += s.batch_status.empty() ? "unknown" : s.batch_status;
  line += ": " + Counts(s);
  std::string statuses = StatusList(s);
  if (!statuses.empty()) line += " (" + statuses + ")";
  return line;
}

std::string RenderSummaryTable(const ProgressSnapshot& s) {
  std::vector<std::vector<std::string>> rows;
  int64_t sum = 0;
  for (const auto& c : OrderStatusCounts(s.by_status)) {
    rows.push_back({c.status, std::to_string(c.count)});
    sum += c.count;
  }
  rows.push_back({"total", std::to_string(std::max(sum, s.total))});
  rows.push_back({"elapsed", FormatClock(s.elapsed.count())});
  return RenderTable({{"status", Align::kLeft, 0}, {"count", Align::kRight, 0}}, rows);
}

}  // namespace batchcall::cli
