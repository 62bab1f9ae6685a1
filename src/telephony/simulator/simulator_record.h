// Internals of bc_simulator: the record file's line format and unbuffered
// appends. Pure functions except AppendToFile; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "telephony/simulator/simulator.h"
#include "telephony/simulator/simulator_plan.h"

namespace batchcall::sim {

struct PlacedLine {
  std::string_view provider, key, attempt_id, call_id, to, from, welcome;
  int64_t at_ms = 0;
  const Plan* plan = nullptr;
};

// {"event":"placed","provider":..,"key":..,"attempt_id":..,"call_id":..,"to":..,
//  "from":..,"at_ms":..,"seed":..,"speed":..,"outcome":..,"ring_s":..,"talk_s":..,
//  "welcome":..}\n
std::string FormatPlacedLine(const PlacedLine& line);

// {"event":"ended","provider":..,"key":..,"status":..,"at_ms":..}\n
std::string FormatEndedLine(std::string_view provider, std::string_view key, ExecutionStatus status,
                            int64_t at_ms);

// nullopt when the text is not a well-formed placed or ended line.
std::optional<SimulatorRecordLine> ParseRecordLine(std::string_view text);

// What the record's index reads of a line: its event, provider, key and
// time. Views into the line, or into `owned` when a string had escapes.
struct RecordLineKeys {
  std::string_view event, provider, key;
  int64_t at_ms = 0;
  std::unique_ptr<SimulatorRecordLine> owned;  // on the heap: the views survive a move
};
// The same verdict and fields as ParseRecordLine, without building a JSON
// value for lines without escapes (the index reads every line once).
std::optional<RecordLineKeys> ParseRecordLineKeys(std::string_view text);

// Calls visit(offset, line) for each line of the record at `path` that
// parses (a torn line is skipped), in file order. NotFound when the file
// does not exist; Internal when it cannot be read.
Status ForEachRecordLine(const std::string& path,
                         const std::function<void(int64_t offset, const SimulatorRecordLine& line)>& visit);

// Writes all of `data` to `fd` with write(2) (retrying EINTR and short
// writes). Unavailable on failure.
Status AppendToFile(int fd, std::string_view data);

}  // namespace batchcall::sim
