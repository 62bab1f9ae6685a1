// Time parsing and formatting for the API boundary. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace batchcall {

// Parses an ISO 8601 / RFC 3339 date-time that carries an explicit offset:
//   2026-06-01T10:00:00+05:30, 2026-06-01T10:00:00.250+0530, 2026-06-01 04:30:00Z,
//   2026-06-01T10:00+05:30 (seconds optional), fractional seconds up to 9 digits
//   (kept to the millisecond, truncated).
// A time without an offset ("naive") is InvalidArgument: a batch must never start
// at a guessed time. So is one whose UTC year is not 0000-9999. The whole input must be consumed; surrounding spaces are
// ignored.
Result<TimePoint> ParseIso8601(std::string_view text);

// RFC 3339 in UTC with milliseconds and a numeric offset:
// "2026-06-01T04:10:00.000+00:00".
std::string FormatRfc3339(TimePoint t);
// FormatRfc3339, appended to *out.
void AppendRfc3339(TimePoint t, std::string* out);

// "just now", "5 minutes ago", "3 hours ago", "2 days ago", "in 10 minutes".
std::string Humanize(TimePoint then, TimePoint now);

}  // namespace batchcall
