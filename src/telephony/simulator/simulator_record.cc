#include "telephony/simulator/simulator_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/json.h"
#include "base/json_scan.h"
#include "telephony/simulator/simulator_index.h"

namespace batchcall::sim {
namespace {

void AppendField(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
  AppendJsonString(out, value);
}

template <typename T>
void AppendNumber(std::string* out, std::string_view name, T value) {
  out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, r.ptr);
}

std::string Begin(std::string_view event, std::string_view provider, std::string_view key) {
  std::string out = "{\"event\":";
  out.reserve(256);
  AppendJsonString(&out, event);
  AppendField(&out, "provider", provider);
  AppendField(&out, "key", key);
  return out;
}

std::string Str(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Num(const nlohmann::json& j, const char* name, double fallback) {
  auto it = j.find(name);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

std::string FormatPlacedLine(const PlacedLine& l) {
  std::string out = Begin("placed", l.provider, l.key);
  AppendField(&out, "attempt_id", l.attempt_id);
  AppendField(&out, "call_id", l.call_id);
  AppendField(&out, "to", l.to);
  AppendField(&out, "from", l.from);
  AppendNumber(&out, "at_ms", l.at_ms);
  AppendNumber(&out, "seed", l.plan->seed);
  AppendNumber(&out, "speed", l.plan->speed);
  AppendField(&out, "outcome", OutcomeName(l.plan->outcome));
  AppendNumber(&out, "ring_s", l.plan->ring_s);
  AppendNumber(&out, "talk_s", l.plan->talk_s);
  AppendField(&out, "welcome", l.welcome);
  out.append("}\n");
  return out;
}

std::string FormatEndedLine(std::string_view provider, std::string_view key, ExecutionStatus status,
                            int64_t at_ms) {
  std::string out = Begin("ended", provider, key);
  AppendField(&out, "status", ToString(status));
  AppendNumber(&out, "at_ms", at_ms);
  out.append("}\n");
  return out;
}

std::optional<SimulatorRecordLine> ParseRecordLine(std::string_view text) {
  nlohmann::json j = ParseJsonOrDiscarded(text);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  SimulatorRecordLine l;
  l.event = Str(j, "event");
  l.key = Str(j, "key");
  l.provider = Str(j, "provider");
  auto at = j.find("at_ms");
  if (at == j.end() || !at->is_number_integer() || l.key.empty()) return std::nullopt;
  l.at_ms = at->get<int64_t>();
  if (l.event == "placed") {
    l.attempt_id = Str(j, "attempt_id");
    l.call_id = Str(j, "call_id");
    l.to = Str(j, "to");
    l.from = Str(j, "from");
    if (auto s = j.find("seed"); s != j.end() && s->is_number_unsigned()) l.seed = s->get<uint64_t>();
    l.speed = Num(j, "speed", 1);
    if (!(l.speed > 0)) l.speed = 1;
    l.outcome = Str(j, "outcome");
    l.ring_s = Num(j, "ring_s", 0);
    l.talk_s = Num(j, "talk_s", 0);
    l.welcome = Str(j, "welcome");
    return l;
  }
  if (l.event == "ended") {
    l.status = Str(j, "status");
    return l;
  }
  return std::nullopt;
}

std::optional<RecordLineKeys> ParseRecordLineKeys(std::string_view text) {
  RecordLineKeys k;
  bool escaped = false, at_ok = false;
  auto body = [&](std::string_view raw, std::string_view* out) {
    if (raw.size() < 2 || raw.front() != '"') return false;
    *out = raw.substr(1, raw.size() - 2);
    escaped |= out->find('\\') != std::string_view::npos;
    return true;
  };
  bool ok = ForEachJsonMember(text, [&](std::string_view name, std::string_view raw) {
    if (name == "event") {
      if (!body(raw, &k.event)) k.event = {};
    } else if (name == "provider") {
      if (!body(raw, &k.provider)) k.provider = {};
    } else if (name == "key") {
      if (!body(raw, &k.key)) k.key = {};
    } else if (name == "at_ms") {
      auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), k.at_ms);
      at_ok = ec == std::errc() && end == raw.data() + raw.size();
    } else if (name.find('\\') != std::string_view::npos) {
      escaped = true;  // a member name spelled with escapes may be one of the above
    }
    return true;
  });
  if (!ok) return std::nullopt;
  if (escaped) {  // rare: let the JSON parser decode
    auto full = ParseRecordLine(text);
    if (!full) return std::nullopt;
    k.owned = std::make_unique<SimulatorRecordLine>(std::move(*full));
    k.event = k.owned->event;
    k.provider = k.owned->provider;
    k.key = k.owned->key;
    k.at_ms = k.owned->at_ms;
    return k;
  }
  if (!at_ok || k.key.empty() || (k.event != "placed" && k.event != "ended")) return std::nullopt;
  return k;
}

Status ForEachRecordLine(const std::string& path,
                         const std::function<void(int64_t offset, const SimulatorRecordLine& line)>& visit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(std::string("no simulator record file at ").append(path));
    return Internal(std::string("cannot open the simulator record file ").append(path).append(": ").append(
        std::strerror(errno)));
  }
  std::string data;  // the unread rest of the last block, then the next block
  int64_t data_at = 0;
  char buf[1 << 16];
  for (bool eof = false; !eof;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string err = std::strerror(errno);
      ::close(fd);
      return Internal(std::string("cannot read the simulator record file ").append(path).append(": ").append(err));
    }
    eof = n == 0;
    data.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (;;) {
      size_t end = data.find('\n', start);
      if (end == std::string::npos) {
        if (!eof || start == data.size()) break;
        end = data.size();  // a last line without its newline
      }
      if (auto l = ParseRecordLine(std::string_view(data).substr(start, end - start)))
        visit(data_at + static_cast<int64_t>(start), *l);
      start = std::min(end + 1, data.size());
    }
    data.erase(0, start);
    data_at += static_cast<int64_t>(start);
  }
  ::close(fd);
  return Status::Ok();
}

Status AppendToFile(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(std::string("cannot append to the simulator record file: ").append(std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace batchcall::sim

namespace batchcall {

Status SimulatorProvider::CheckRecordWritable(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Unavailable(std::string("cannot open the simulator record file ")
                           .append(path)
                           .append(" for writing: ")
                           .append(std::strerror(errno)));
  }
  ::close(fd);
  // Its index lives next to it and must be usable too.
  return sim::RecordIndex::Open(path).status();
}

Result<std::vector<SimulatorRecordLine>> SimulatorProvider::LoadRecord(const std::string& path) {
  std::vector<SimulatorRecordLine> lines;
  BC_RETURN_IF_ERROR(sim::ForEachRecordLine(path, [&](int64_t, const SimulatorRecordLine& l) { lines.push_back(l); }));
  return lines;
}

SimulatorRecordStats SimulatorProvider::SummarizeRecord(const std::vector<SimulatorRecordLine>& lines) {
  SimulatorRecordStats s;
  std::unordered_map<std::string, int> state;  // key -> 1 live, 2 ended
  int64_t live = 0;
  for (const SimulatorRecordLine& l : lines) {
    if (l.event == "placed") {
      auto [it, inserted] = state.emplace(l.key, 1);
      if (!inserted) {
        s.duplicate_placed_keys++;
        continue;
      }
      s.placed++;
      s.max_simultaneous = std::max(s.max_simultaneous, ++live);
    } else if (l.event == "ended") {
      auto it = state.find(l.key);
      if (it == state.end() || it->second != 1) continue;
      it->second = 2;
      s.ended++;
      live--;
    }
  }
  s.unfinished = live;
  return s;
}

}  // namespace batchcall
