#include "base/log.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

namespace batchcall {
namespace {

struct LoggerState {
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;  // null until first use or InitLogging
  LogOptions options;
};

LoggerState& State() {
  static LoggerState* state = new LoggerState();  // never destroyed: logging works during exit
  return *state;
}

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
thread_local std::string_view t_request_id;  // see ScopedRequestId

std::shared_ptr<spdlog::logger> MakeLogger(spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("batchcall", std::move(sink));
  logger->set_pattern("%v");  // the line is formatted here, spdlog only writes it
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void Install(const LogOptions& options, spdlog::sink_ptr sink) {
  LoggerState& s = State();
  std::lock_guard lock(s.mu);
  s.logger = MakeLogger(std::move(sink));
  s.options = options;
  g_level.store(static_cast<int>(options.level));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsTokenChar(char c) { return IsDigit(c) || IsAlpha(c) || c == '_' || c == '-'; }
bool IsPhoneSeparator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Appends `text` with every digit but the last `keep` replaced by '*'.
void AppendMaskedDigits(std::string& out, std::string_view text, int keep) {
  int digits = 0;
  for (char c : text) digits += IsDigit(c) ? 1 : 0;
  int to_mask = digits > keep ? digits - keep : digits;
  for (char c : text) {
    if (IsDigit(c) && to_mask > 0) {
      out += '*';
      --to_mask;
    } else {
      out += c;
    }
  }
}

// A '+' at text[i] followed by digits (single separators allowed between
// groups): returns the end of the run if it holds 7+ digits, else i.
size_t PhoneEnd(std::string_view text, size_t i) {
  size_t j = i + 1, end = i;
  int digits = 0;
  while (j < text.size()) {
    if (IsDigit(text[j])) {
      ++digits;
      end = ++j;
      continue;
    }
    // Up to two separators ("-", " (", ") ") between digit groups.
    size_t k = j;
    while (k < text.size() && k - j < 2 && IsPhoneSeparator(text[k])) ++k;
    if (k == j || k >= text.size() || !IsDigit(text[k]) || digits == 0) break;
    j = k;
  }
  return digits >= 7 ? end : i;
}

// A word of [A-Za-z0-9_-]: secrets by prefix, otherwise bare numbers of 10+
// digits when the word has no letters (a uuid or hex id keeps its digits).
void AppendMaskedToken(std::string& out, std::string_view token) {
  if (token.size() >= 3 + 16 && token.substr(0, 3) == "bc_") {
    std::string_view rest = token.substr(3);
    bool hex = true;
    for (char c : rest) hex = hex && IsHex(c);
    if (hex) {
      out += "bc_****";
      out += rest.substr(rest.size() - 4);
      return;
    }
  }
  if (token.size() > 6 && token.substr(0, 6) == "whsec_") {
    out += "whsec_****";
    return;
  }
  for (char c : token) {
    if (IsAlpha(c)) {
      out += token;
      return;
    }
  }
  size_t i = 0;
  while (i < token.size()) {
    if (!IsDigit(token[i])) {
      out += token[i++];
      continue;
    }
    size_t j = i;
    while (j < token.size() && IsDigit(token[j])) ++j;
    std::string_view run = token.substr(i, j - i);
    if (run.size() >= 10) {
      AppendMaskedDigits(out, run, 4);
    } else {
      out += run;
    }
    i = j;
  }
}

// At text[i] == "://": the URL's userinfo password, if any, is masked.
size_t AppendUrlAuthority(std::string& out, std::string_view text, size_t i) {
  out += "://";
  size_t start = i + 3, j = start;
  while (j < text.size() && std::string_view("/?#@ \t\r\n\"'<>").find(text[j]) == std::string_view::npos) ++j;
  if (j < text.size() && text[j] == '@') {
    std::string_view userinfo = text.substr(start, j - start);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out += MaskSensitive(userinfo.substr(0, colon));
      out += ":****@";
      return j + 1;
    }
  }
  return start;
}

std::string LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string UpperLevelName(LogLevel level) {
  std::string s = LevelName(level);
  for (char& c : s) c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string FormatTime(TimePoint when) {
  long long ms = when.time_since_epoch().count();
  long long secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

// Escapes control characters, '"' and '\' so a value stays on one line.
void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
}

void AppendTextValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) quote = true;
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  AppendEscaped(out, v);
  out += '"';
}

std::string NumberText(double d) {
  if (!std::isfinite(d)) return "null";
  return nlohmann::json(d).dump();
}

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return InvalidArgument("log format must be text or json, got '" + std::string(name) + "'");
}

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return InvalidArgument("log level must be debug, info, warn or error, got '" + std::string(name) + "'");
}

void InitLogging(const LogOptions& options) {
  Install(options, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void InitLogging(const LogOptions& options, std::ostream& out) {
  Install(options, std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true));
}

LogOptions CurrentLogOptions() {
  LoggerState& s = State();
  std::lock_guard lock(s.mu);
  return s.options;
}

std::string MaskPhone(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  AppendMaskedDigits(out, number, 4);
  return out;
}

std::string MaskSensitive(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ':' && text.substr(i, 3) == "://") {
      i = AppendUrlAuthority(out, text, i);
      continue;
    }
    if (c == '+' && i + 1 < text.size() && IsDigit(text[i + 1])) {
      size_t end = PhoneEnd(text, i);
      if (end > i) {
        AppendMaskedDigits(out, text.substr(i, end - i), 4);
        i = end;
        continue;
      }
    }
    if (IsTokenChar(c) && (i == 0 || !IsTokenChar(text[i - 1]))) {
      size_t j = i;
      while (j < text.size() && IsTokenChar(text[j])) ++j;
      std::string_view token = text.substr(i, j - i);
      if ((EqualsIgnoreCase(token, "bearer") || EqualsIgnoreCase(token, "basic")) && j < text.size() &&
          text[j] == ' ') {
        size_t k = j + 1;
        while (k < text.size() && text[k] != ' ' && text[k] != '"' && text[k] != ',' && text[k] != '\n') ++k;
        if (k > j + 1) {
          out += token;
          out += " ****";
          i = k;
          continue;
        }
      }
      AppendMaskedToken(out, token);
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

ScopedRequestId::ScopedRequestId(std::string_view request_id) : previous_(t_request_id) {
  t_request_id = request_id;
}

ScopedRequestId::~ScopedRequestId() { t_request_id = previous_; }

namespace {

template <typename Fields>
std::string FormatEvent(LogFormat format, LogLevel level, TimePoint when, std::string_view message,
                        const Fields& fields) {
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["time"] = FormatTime(when);
    j["level"] = LevelName(level);
    j["msg"] = MaskSensitive(message);
    for (const LogField& f : fields) {
      std::string key(f.key);
      if (key == "time" || key == "level" || key == "msg") key = "field_" + key;
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string_view>) {
              j[key] = MaskSensitive(v);
            } else if constexpr (std::is_same_v<V, double>) {
              if (std::isfinite(v)) {
                j[key] = v;
              } else {
                j[key] = nullptr;
              }
            } else {
              j[key] = v;
            }
          },
          f.value);
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out = FormatTime(when);
  out += ' ';
  out += UpperLevelName(level);
  out += ' ';
  AppendEscaped(out, MaskSensitive(message));
  for (const LogField& f : fields) {
    out += ' ';
    AppendEscaped(out, f.key);
    out += '=';
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>) {
            AppendTextValue(out, MaskSensitive(v));
          } else if constexpr (std::is_same_v<V, double>) {
            out += NumberText(v);
          } else if constexpr (std::is_same_v<V, bool>) {
            out += v ? "true" : "false";
          } else {
            out += std::to_string(v);
          }
        },
        f.value);
  }
  return out;
}

}  // namespace

std::string FormatLogEvent(LogFormat format, LogLevel level, TimePoint when, std::string_view message,
                           std::initializer_list<LogField> fields) {
  return FormatEvent(format, level, when, message, fields);
}

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::shared_ptr<spdlog::logger> logger;
  LogFormat format;
  {
    LoggerState& s = State();
    std::lock_guard lock(s.mu);
    if (!s.logger) s.logger = MakeLogger(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger = s.logger;
    format = s.options.format;
  }
  const auto now = TimePoint(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())
                                 .time_since_epoch());
  bool add_request_id = !t_request_id.empty();
  for (const LogField& f : fields) add_request_id = add_request_id && f.key != "request_id";
  std::string line;
  if (add_request_id) {
    std::vector<LogField> all;
    all.reserve(fields.size() + 1);
    all.emplace_back("request_id", t_request_id);
    all.insert(all.end(), fields.begin(), fields.end());
    line = FormatEvent(format, level, now, message, all);
  } else {
    line = FormatEvent(format, level, now, message, fields);
  }
  logger->log(spdlog::level::info, "{}", line);
}

}  // namespace batchcall
