// Logging: structured events on top of spdlog, written as JSON lines or as
// human-readable text (--log-format json|text), at a chosen level.
//
//   LogInfo("batch started", {{"batch_id", id}, {"contacts", n}});
//
// Every message and field value passes through MaskSensitive before it is
// written, so an E.164 number or a known secret never reaches the log in full
// at any level. Thread-safe after InitLogging.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>

#include "base/clock.h"
#include "base/status.h"

namespace batchcall {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

Result<LogFormat> ParseLogFormat(std::string_view name);  // "text" | "json"
Result<LogLevel> ParseLogLevel(std::string_view name);    // "debug" | "info" | "warn" | "error"

struct LogOptions {
  LogFormat format = LogFormat::kText;
  LogLevel level = LogLevel::kInfo;
};

// Replaces the default logger (stderr). Call once from main before threads start;
// without it, text at info level.
void InitLogging(const LogOptions& options);
// Same, writing to `out` instead of stderr (tests capture the log this way).
// `out` must outlive every later Log call or the next InitLogging.
void InitLogging(const LogOptions& options, std::ostream& out);
// The options of the last InitLogging (defaults before it).
LogOptions CurrentLogOptions();

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
inline void LogDebug(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, m, f); }
inline void LogInfo(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarn(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, m, f); }
inline void LogError(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, m, f); }

// One event as Log writes it (masked, no trailing newline), for output that
// must look like the log but goes elsewhere (start-up lines on stdout):
//   json: {"time":"2026-11-29T03:00:00.123Z","level":"info","msg":"...","k":"v"}
//   text: 2026-11-29T03:00:00.123Z INFO ... k=v   (values with spaces, quotes or
//         '=' are quoted; control characters are escaped in both formats)
std::string FormatLogEvent(LogFormat format, LogLevel level, TimePoint when, std::string_view message,
                           std::initializer_list<LogField> fields = {});

// While alive, every event logged on this thread gets a request_id field
// (unless it names one itself). The HTTP server sets it around a handler, so
// what a route logs can be matched to the access log line. Nests.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string_view request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string_view previous_;
};

// "+14155550123" -> "+*******0123": keeps the last 4 digits of a phone number.
std::string MaskPhone(std::string_view number);
// Masks, inside free text, every run that looks like a phone number (a '+'
// followed by 7-15 digits, or 10+ bare digits) and every known secret shape
// (API keys, whsec_ signing secrets, Bearer tokens, Twilio auth tokens
// in URLs: user:password@).
std::string MaskSensitive(std::string_view text);

}  // namespace batchcall
