// Progress rendering for `batchcall batch run --wait`: a one-line progress bar
// for terminals, a plain line for logs, and the final summary table. Pure
// functions of their arguments (no I/O, no clock); thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace batchcall::cli {

struct StatusCount {
  std::string status;  // an execution status name, e.g. "no-answer"
  int64_t count = 0;
};

// What GET /batches/{id} said at one moment, plus the time spent waiting.
struct ProgressSnapshot {
  std::string batch_status;  // "scheduled", "running", "completed", ...
  int64_t total = 0;         // valid contacts (executions)
  int64_t done = 0;          // executions in a terminal status
  int64_t in_flight = 0;     // initiated ... call-disconnected
  int64_t pending = 0;       // not dialled yet
  std::vector<StatusCount> by_status;  // any order; see OrderStatusCounts
  std::chrono::milliseconds elapsed{0};
};

// Builds a snapshot from a batch object of the API (fields "status",
// "progress" and "execution_status"); missing fields read as zero/empty.
ProgressSnapshot SnapshotFromBatchJson(const nlohmann::json& batch, std::chrono::milliseconds elapsed);

// Drops zero counts and orders by the execution lifecycle (prepared, queued,
// ..., completed, busy, no-answer, failed, canceled, stopped, error); names
// the domain does not know come last, alphabetically.
std::vector<StatusCount> OrderStatusCounts(std::vector<StatusCount> counts);

// A bar of exactly `cells` characters: '#' done, '>' in flight, '-' the rest.
// Cells are floored, so the bar is full only when done >= total. Counts are
// clamped to [0, total]; total <= 0 gives an empty ('-') bar; cells <= 0 gives "".
std::string RenderProgressBar(int64_t done, int64_t in_flight, int64_t total, int cells);

// One line for a terminal (no '\r', no newline), never wider than `width`
// characters: "running [###>>----] 42% 3/7 done, 1 in flight, 3 pending |
// completed 2, busy 1 | 0:12". When narrow, the per-status part goes first,
// then the batch status, then the elapsed time, then the bar; what is left is
// cut at `width`. width <= 0 gives "".
std::string RenderProgressLine(const ProgressSnapshot& s, int width);

// A self-contained line for logs/pipes (no bar, no width limit):
// "[0:12] running: 3/7 done, 1 in flight, 3 pending (completed 2, busy 1)".
std::string RenderProgressPlain(const ProgressSnapshot& s);

// The final table: one row per non-zero status in lifecycle order, then
// "total" and "elapsed" rows. Ends with '\n'.
std::string RenderSummaryTable(const ProgressSnapshot& s);

}  // namespace batchcall::cli
