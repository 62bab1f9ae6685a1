// Calling windows: may this person be called now, and if not, from when?
//
// Calling hours (CallingGuardrails: [call_start_hour, call_end_hour) o'clock)
// are judged in the recipient's local time. The zone is the number's, when
// the number maps to exactly one zone (phone/number_timezones.h); otherwise
// the guardrails' default_timezone. Local times are converted with the OS tz
// database (/usr/share/zoneinfo, via date/tz), DST included:
//
//  - The window of local day D is [Open(D), Close(D)) where Open(D) is the
//    first instant whose local time is >= D start_hour:00 and Close(D) the
//    first instant whose local time is >= D end_hour:00 (end 24 = the next
//    local midnight). So a start hour skipped by a spring-forward opens the
//    window at the transition (03:00 local); a fall-back hour repeated inside
//    the window is one continuous stretch of it (the window does not reopen
//    and its start does not move; it lasts an hour longer in real time); a
//    window whose hours were all skipped is empty that day.
//  - Open windows never overlap and follow one another in time, so "next
//    opening" is the Open of the first window that has not closed yet.
//
// Errors are not reported as Status: the decision always applies some zone
// and says which (zone_source). A number zone missing from the tz database
// falls back to default_timezone; a default_timezone missing from it (the
// API rejects such agents, so only a changed OS tz database can cause it)
// falls back to UTC (kUtcFallback), which callers should log. Hours outside
// 0 <= start < end <= 24 (also rejected by the API) are clamped into range.
// Beyond 2037 the OS database as read by date/tz has no DST rules.
//
// Thread-safe: all functions may be called from any thread. Zone lookups are
// cached in a process-wide, mutex-guarded table (date::locate_zone is not free).
#pragma once

#include <date/tz.h>

#include <string>
#include <string_view>

#include "base/clock.h"
#include "domain/model.h"

namespace batchcall {

// Why a zone was applied. The names from ZoneSourceName() are stable strings.
enum class ZoneSource {
  kNumber,            // "number": the number maps to exactly one zone
  kDefaultAmbiguous,  // "default_ambiguous_number": it spans several zones
  kDefaultUnknown,    // "default_unknown_number": no (usable) zone known for it
  kUtcFallback,       // "utc_fallback": default_timezone is not a known zone
};
std::string_view ZoneSourceName(ZoneSource source);

struct ZoneChoice {
  std::string time_zone;  // IANA name, e.g. "America/New_York"
  ZoneSource source = ZoneSource::kDefaultUnknown;
};

// The zone calling hours use for `e164` under `guardrails` (see above).
ZoneChoice ChooseTimeZone(const CallingGuardrails& guardrails, std::string_view e164);

struct WindowDecision {
  bool open = false;      // now is inside a calling window
  TimePoint next_open;    // == now when open; else the next window's opening (> now)
  TimePoint closes_at;    // end of the open window, or of the one opening at next_open
  std::string time_zone;  // the zone applied
  bool zone_from_number = false;  // == (zone_source == ZoneSource::kNumber)
  ZoneSource zone_source = ZoneSource::kDefaultUnknown;
};

// Decides for the recipient `e164` at `now`. Costs one number -> zone lookup
// (a libphonenumber parse) and a few tz conversions; no I/O after the first
// use of a zone.
WindowDecision EvaluateCallingWindow(const CallingGuardrails& guardrails, std::string_view e164,
                                     TimePoint now);

// Zone arithmetic, shared with the compliance rules (compliance/decision.h).
//
// The zone named `name` from the OS tz database (cached, misses included);
// nullptr when it does not know the name.
const date::time_zone* FindTimeZone(std::string_view name);
// The first instant whose local time in `zone` is >= `local`: a local time
// skipped by a spring-forward gives the transition; a repeated one the
// earlier instant. `zone` nullptr means UTC.
date::sys_seconds FirstInstantAtOrAfter(const date::time_zone* zone, date::local_seconds local);
// The local day (in `zone`; nullptr = UTC) that contains `now`.
date::local_days LocalDay(const date::time_zone* zone, TimePoint now);

// One line for logs and execution messages, e.g.
// "outside calling hours 09:00-21:00 America/New_York (zone of the number);
//  opens 2026-03-09 09:00 EDT (2026-03-09T13:00:00.000+00:00)".
std::string DescribeWindow(const CallingGuardrails& guardrails, const WindowDecision& decision);

}  // namespace batchcall
