#include "engine/calling_window.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <unordered_map>

#include "base/thread_annotations.h"
#include "base/time.h"
#include "phone/number_timezones.h"

namespace batchcall {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// Process-wide cache of date::locate_zone results, including misses (a miss
// costs an exception). Bounded so that arbitrary names cannot grow it forever.
class ZoneCache {
 public:
  // The zone, or nullptr when the tz database does not know `name`.
  const date::time_zone* Find(std::string_view name) EXCLUDES(mu_) {
    {
      ReaderMutexLock lock(mu_);
      auto it = zones_.find(name);
      if (it != zones_.end()) return it->second;
    }
    const date::time_zone* zone = nullptr;
    try {
      zone = date::locate_zone(name);
    } catch (const std::exception&) {
      zone = nullptr;  // unknown name, or no tz database at all
    }
    WriterMutexLock lock(mu_);
    if (zones_.size() < kMaxEntries) zones_.emplace(std::string(name), zone);
    return zone;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  SharedMutex mu_;
  std::unordered_map<std::string, const date::time_zone*, Hash, std::equal_to<>> zones_ GUARDED_BY(mu_);
};

ZoneCache& Zones() {
  static ZoneCache* cache = new ZoneCache();  // never destroyed: usable during exit
  return *cache;
}

}  // namespace

const date::time_zone* FindTimeZone(std::string_view name) { return Zones().Find(name); }

namespace {

struct ResolvedZone {
  const date::time_zone* zone;  // nullptr: plain UTC arithmetic
  std::string_view name;
  ZoneSource source;
};

constexpr std::string_view kUtc = "UTC";

ResolvedZone Resolve(const CallingGuardrails& g, std::string_view e164) {
  TimeZoneList zones = TimeZonesForNumber(e164);
  if (zones.size() == 1) {
    if (const date::time_zone* z = Zones().Find(zones.front()))
      return {z, zones.front(), ZoneSource::kNumber};
  }
  const ZoneSource source =
      zones.size() > 1 ? ZoneSource::kDefaultAmbiguous : ZoneSource::kDefaultUnknown;
  if (const date::time_zone* z = Zones().Find(g.default_timezone))
    return {z, g.default_timezone, source};
  return {Zones().Find(kUtc), kUtc, ZoneSource::kUtcFallback};
}

// Windows are searched from now's local day on. An earlier day's window is
// always over: it closes by the first instant whose local time is >= today
// 00:00, which is <= now. Only transition days can have empty windows, so a
// week ahead is plenty.
constexpr int kMaxDaysAhead = 7;

void Decide(const date::time_zone* zone, int start_hour, int end_hour, TimePoint now,
            WindowDecision& d) {
  const date::local_days today = LocalDay(zone, now);
  for (int k = 0; k <= kMaxDaysAhead; ++k) {
    const date::local_days day = today + date::days{k};
    const date::sys_seconds open = FirstInstantAtOrAfter(zone, day + hours{start_hour});
    const date::sys_seconds close = FirstInstantAtOrAfter(zone, day + hours{end_hour});
    if (open >= close || now >= close) continue;  // empty, or already over
    d.open = now >= open;
    d.next_open = d.open ? now : TimePoint(open);
    d.closes_at = TimePoint(close);
    return;
  }
  // Unreachable with 0 <= start < end <= 24; stay closed for a day rather than call.
  d.open = false;
  d.next_open = now + hours{24};
  d.closes_at = now + hours{25};
}

}  // namespace

date::sys_seconds FirstInstantAtOrAfter(const date::time_zone* zone, date::local_seconds local) {
  const date::sys_seconds as_utc{local.time_since_epoch()};
  if (zone == nullptr) return as_utc;
  const date::local_info info = zone->get_info(local);
  if (info.result == date::local_info::nonexistent) return info.first.end;  // the jump forward
  // unique, or ambiguous: the earlier of the two instants.
  return as_utc - info.first.offset;
}

date::local_days LocalDay(const date::time_zone* zone, TimePoint now) {
  const date::sys_seconds t = std::chrono::floor<seconds>(now);
  const seconds offset = zone == nullptr ? seconds{0} : zone->get_info(t).offset;
  return std::chrono::floor<date::days>(date::local_seconds{(t + offset).time_since_epoch()});
}

namespace {

std::string TwoDigits(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

}  // namespace

std::string_view ZoneSourceName(ZoneSource source) {
  switch (source) {
    case ZoneSource::kNumber: return "number";
    case ZoneSource::kDefaultAmbiguous: return "default_ambiguous_number";
    case ZoneSource::kDefaultUnknown: return "default_unknown_number";
    case ZoneSource::kUtcFallback: return "utc_fallback";
  }
  return "unknown";
}

ZoneChoice ChooseTimeZone(const CallingGuardrails& guardrails, std::string_view e164) {
  const ResolvedZone r = Resolve(guardrails, e164);
  return {std::string(r.name), r.source};
}

WindowDecision EvaluateCallingWindow(const CallingGuardrails& guardrails, std::string_view e164,
                                     TimePoint now) {
  const ResolvedZone r = Resolve(guardrails, e164);
  const int start = std::clamp(guardrails.call_start_hour, 0, 23);
  const int end = std::clamp(guardrails.call_end_hour, start + 1, 24);
  WindowDecision d;
  d.time_zone = std::string(r.name);
  d.zone_source = r.source;
  d.zone_from_number = r.source == ZoneSource::kNumber;
  Decide(r.zone, start, end, now, d);
  return d;
}

std::string DescribeWindow(const CallingGuardrails& guardrails, const WindowDecision& decision) {
  std::string out = decision.open ? "inside" : "outside";
  out.append(" calling hours ")
      .append(TwoDigits(guardrails.call_start_hour))
      .append(":00-")
      .append(TwoDigits(guardrails.call_end_hour))
      .append(":00 ")
      .append(decision.time_zone)
      .append(" (");
  switch (decision.zone_source) {
    case ZoneSource::kNumber: out.append("zone of the number"); break;
    case ZoneSource::kDefaultAmbiguous: out.append("default; the number spans several zones"); break;
    case ZoneSource::kDefaultUnknown: out.append("default; no zone known for the number"); break;
    case ZoneSource::kUtcFallback:
      out.append("default_timezone \"").append(guardrails.default_timezone).append("\" is unknown");
      break;
  }
  const TimePoint when = decision.open ? decision.closes_at : decision.next_open;
  out.append(decision.open ? "); closes " : "); opens ");
  if (const date::time_zone* zone = Zones().Find(decision.time_zone)) {
    out.append(date::format("%Y-%m-%d %H:%M %Z", date::zoned_time<seconds>(
                                                   zone, std::chrono::floor<seconds>(when))))
        .append(" (")
        .append(FormatRfc3339(when))
        .append(")");
  } else {
    out.append(FormatRfc3339(when));
  }
  return out;
}

}  // namespace batchcall
