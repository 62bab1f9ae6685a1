// Expected UTC instants are worked out by hand in the comments (2026 rules:
// New York EST = UTC-5, EDT = UTC-4, DST 2026-03-08 02:00 EST -> 03:00 EDT
// (07:00 UTC) until 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC); London
// GMT = UTC, BST = UTC+1, 2026-03-29 01:00 GMT -> 02:00 BST (01:00 UTC) until
// 2026-10-25 02:00 BST -> 01:00 GMT (01:00 UTC); India UTC+5:30, Tokyo UTC+9,
// Perth UTC+8, no DST).
#include "engine/calling_window.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "phone/number_timezones.h"

namespace batchcall {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr char kNewYork[] = "+12125551234";     // America/New_York
constexpr char kLosAngeles[] = "+14155552671";  // America/Los_Angeles
constexpr char kIndia[] = "+919876543210";      // Asia/Kolkata
constexpr char kParis[] = "+33612345678";       // Europe/Paris
constexpr char kUkMobile[] = "+447911123456";   // 4 zones: uses the default
constexpr char kAuMobile[] = "+61412345678";    // 8 zones: uses the default
constexpr char kSydney[] = "+61291234567";      // Australia/Sydney (fixed line)
constexpr char kNoZone[] = "+80012345678";      // international freephone: no zone

TimePoint Utc(int y, unsigned m, unsigned d, int h, int mi = 0) {
  return TimePoint(date::sys_days{date::year{y} / date::month{m} / date::day{d}} + hours{h} +
                   minutes{mi});
}

// A wall-clock time in `zone`, converted with date/tz (earliest or latest of a repeated time).
TimePoint Local(const char* zone, int y, unsigned m, unsigned d, int h, int mi = 0,
                date::choose choose = date::choose::earliest) {
  const auto local = date::local_days{date::year{y} / date::month{m} / date::day{d}} + hours{h} +
                     minutes{mi};
  return TimePoint(date::locate_zone(zone)->to_sys(local, choose));
}

CallingGuardrails Hours(int start, int end, std::string default_zone = "UTC") {
  CallingGuardrails g;
  g.call_start_hour = start;
  g.call_end_hour = end;
  g.default_timezone = std::move(default_zone);
  return g;
}

constexpr milliseconds kMs{1};

TEST(CallingWindowTest, StartInclusiveEndExclusiveInNewYork) {
  const CallingGuardrails g = Hours(9, 21);
  // 2026-06-15 09:00 EDT = 13:00 UTC; 21:00 EDT = 2026-06-16 01:00 UTC.
  ASSERT_EQ(Local("America/New_York", 2026, 6, 15, 9), Utc(2026, 6, 15, 13));
  WindowDecision before = EvaluateCallingWindow(g, kNewYork, Utc(2026, 6, 15, 13) - kMs);
  EXPECT_FALSE(before.open);
  EXPECT_EQ(before.next_open, Utc(2026, 6, 15, 13));
  EXPECT_EQ(before.closes_at, Utc(2026, 6, 16, 1));
  EXPECT_EQ(before.time_zone, "America/New_York");
  EXPECT_TRUE(before.zone_from_number);
  EXPECT_EQ(before.zone_source, ZoneSource::kNumber);

  WindowDecision at_start = EvaluateCallingWindow(g, kNewYork, Utc(2026, 6, 15, 13));
  EXPECT_TRUE(at_start.open);
  EXPECT_EQ(at_start.next_open, Utc(2026, 6, 15, 13));
  EXPECT_EQ(at_start.closes_at, Utc(2026, 6, 16, 1));

  EXPECT_TRUE(EvaluateCallingWindow(g, kNewYork, Utc(2026, 6, 16, 1) - kMs).open);
  WindowDecision at_end = EvaluateCallingWindow(g, kNewYork, Utc(2026, 6, 16, 1));
  EXPECT_FALSE(at_end.open);
  EXPECT_EQ(at_end.next_open, Utc(2026, 6, 16, 13));  // 09:00 EDT the next day
  EXPECT_EQ(at_end.closes_at, Utc(2026, 6, 17, 1));
}

TEST(CallingWindowTest, EdgesInIndiaHalfHourOffset) {
  const CallingGuardrails g = Hours(9, 21);
  // 09:00 IST = 03:30 UTC; 21:00 IST = 15:30 UTC.
  EXPECT_FALSE(EvaluateCallingWindow(g, kIndia, Utc(2026, 1, 10, 3, 30) - kMs).open);
  WindowDecision open = EvaluateCallingWindow(g, kIndia, Utc(2026, 1, 10, 3, 30));
  EXPECT_TRUE(open.open);
  EXPECT_EQ(open.time_zone, "Asia/Kolkata");
  EXPECT_EQ(open.closes_at, Utc(2026, 1, 10, 15, 30));
  WindowDecision closed = EvaluateCallingWindow(g, kIndia, Utc(2026, 1, 10, 15, 30));
  EXPECT_FALSE(closed.open);
  EXPECT_EQ(closed.next_open, Utc(2026, 1, 11, 3, 30));
}

TEST(CallingWindowTest, SameInstantDiffersByRecipient) {
  const CallingGuardrails g = Hours(9, 21);
  const TimePoint now = Utc(2026, 1, 10, 4);  // 09:30 IST; 23:00 EST and 20:00 PST on Jan 9
  WindowDecision india = EvaluateCallingWindow(g, kIndia, now);
  EXPECT_TRUE(india.open);
  EXPECT_EQ(india.closes_at, Utc(2026, 1, 10, 15, 30));
  WindowDecision ny = EvaluateCallingWindow(g, kNewYork, now);
  EXPECT_FALSE(ny.open);
  EXPECT_EQ(ny.next_open, Utc(2026, 1, 10, 14));  // 09:00 EST
  WindowDecision la = EvaluateCallingWindow(g, kLosAngeles, now);
  EXPECT_TRUE(la.open);
  EXPECT_EQ(la.closes_at, Utc(2026, 1, 10, 5));  // 21:00 PST
}

TEST(CallingWindowTest, NextOpeningCrossesMidnight) {
  const CallingGuardrails g = Hours(9, 21);
  // Paris in January is UTC+1. 22:30 CET on Jan 15 -> opens 09:00 CET Jan 16 = 08:00 UTC.
  WindowDecision late = EvaluateCallingWindow(g, kParis, Utc(2026, 1, 15, 21, 30));
  EXPECT_FALSE(late.open);
  EXPECT_EQ(late.next_open, Utc(2026, 1, 16, 8));
  EXPECT_EQ(late.closes_at, Utc(2026, 1, 16, 20));
  // 00:30 CET Jan 16 (still Jan 15 in UTC): the same opening.
  EXPECT_EQ(EvaluateCallingWindow(g, kParis, Utc(2026, 1, 15, 23, 30)).next_open,
            Utc(2026, 1, 16, 8));
}

TEST(CallingWindowTest, NewYorkSpringForwardSkippedStartHour) {
  // 2026-03-08: local 02:00-03:00 does not exist; clocks jump at 07:00 UTC.
  const CallingGuardrails g = Hours(2, 21);
  WindowDecision before = EvaluateCallingWindow(g, kNewYork, Utc(2026, 3, 8, 6, 30));  // 01:30 EST
  EXPECT_FALSE(before.open);
  EXPECT_EQ(before.next_open, Utc(2026, 3, 8, 7));   // first instant >= 02:00 local: 03:00 EDT
  EXPECT_EQ(before.closes_at, Utc(2026, 3, 9, 1));   // 21:00 EDT
  EXPECT_FALSE(EvaluateCallingWindow(g, kNewYork, Utc(2026, 3, 8, 7) - kMs).open);
  EXPECT_TRUE(EvaluateCallingWindow(g, kNewYork, Utc(2026, 3, 8, 7)).open);

  // A window made only of the skipped hour is empty that day: next is 02:00 EDT Mar 9.
  const CallingGuardrails skipped = Hours(2, 3);
  WindowDecision empty = EvaluateCallingWindow(skipped, kNewYork, Utc(2026, 3, 8, 6, 30));
  EXPECT_FALSE(empty.open);
  EXPECT_EQ(empty.next_open, Utc(2026, 3, 9, 6));
  EXPECT_EQ(empty.closes_at, Utc(2026, 3, 9, 7));
  EXPECT_FALSE(EvaluateCallingWindow(skipped, kNewYork, Utc(2026, 3, 8, 7)).open);

  // 09:00 is 14:00 UTC on Mar 7 (EST) and 13:00 UTC on Mar 8 (EDT).
  const CallingGuardrails day = Hours(9, 21);
  EXPECT_EQ(EvaluateCallingWindow(day, kNewYork, Utc(2026, 3, 7, 2)).next_open, Utc(2026, 3, 7, 14));
  EXPECT_EQ(EvaluateCallingWindow(day, kNewYork, Utc(2026, 3, 8, 2)).next_open, Utc(2026, 3, 8, 13));
}

TEST(CallingWindowTest, NewYorkFallBackRepeatedHourOpensOnce) {
  // 2026-11-01: 01:00-02:00 local happens twice (05:00-06:00 UTC EDT, 06:00-07:00 UTC EST).
  const CallingGuardrails g = Hours(1, 2);
  ASSERT_EQ(Local("America/New_York", 2026, 11, 1, 1, 30, date::choose::latest),
            Utc(2026, 11, 1, 6, 30));
  WindowDecision before = EvaluateCallingWindow(g, kNewYork, Utc(2026, 11, 1, 5) - kMs);
  EXPECT_FALSE(before.open);
  EXPECT_EQ(before.next_open, Utc(2026, 11, 1, 5));  // first 01:00 (EDT)
  EXPECT_EQ(before.closes_at, Utc(2026, 11, 1, 7));  // 02:00 EST
  for (TimePoint t : {Utc(2026, 11, 1, 5), Utc(2026, 11, 1, 5, 59), Utc(2026, 11, 1, 6),
                      Utc(2026, 11, 1, 6, 30)}) {
    WindowDecision d = EvaluateCallingWindow(g, kNewYork, t);
    EXPECT_TRUE(d.open);
    EXPECT_EQ(d.closes_at, Utc(2026, 11, 1, 7));  // one window, not reopened at 06:00 UTC
  }
  WindowDecision after = EvaluateCallingWindow(g, kNewYork, Utc(2026, 11, 1, 7));
  EXPECT_FALSE(after.open);
  EXPECT_EQ(after.next_open, Utc(2026, 11, 2, 6));  // 01:00 EST Nov 2

  // Starting at 02:00: 02:00 EDT never happens that day; opens 02:00 EST = 07:00 UTC.
  const CallingGuardrails two = Hours(2, 21);
  EXPECT_FALSE(EvaluateCallingWindow(two, kNewYork, Utc(2026, 11, 1, 6, 30)).open);
  EXPECT_EQ(EvaluateCallingWindow(two, kNewYork, Utc(2026, 11, 1, 5, 30)).next_open,
            Utc(2026, 11, 1, 7));
  EXPECT_EQ(EvaluateCallingWindow(two, kNewYork, Utc(2026, 11, 1, 7)).closes_at,
            Utc(2026, 11, 2, 2));  // 21:00 EST
}

TEST(CallingWindowTest, LondonDstBothWays) {
  // UK mobiles span 4 zones, so default_timezone applies.
  const CallingGuardrails skipped = Hours(1, 2, "Europe/London");
  WindowDecision spring = EvaluateCallingWindow(skipped, kUkMobile, Utc(2026, 3, 29, 0, 30));
  EXPECT_EQ(spring.time_zone, "Europe/London");
  EXPECT_EQ(spring.zone_source, ZoneSource::kDefaultAmbiguous);
  EXPECT_FALSE(spring.open);
  EXPECT_EQ(spring.next_open, Utc(2026, 3, 30, 0));  // 01:00 BST Mar 30; Mar 29 had no 01:xx
  EXPECT_EQ(spring.closes_at, Utc(2026, 3, 30, 1));

  const CallingGuardrails from_one = Hours(1, 21, "Europe/London");
  WindowDecision jump = EvaluateCallingWindow(from_one, kUkMobile, Utc(2026, 3, 29, 0, 30));
  EXPECT_EQ(jump.next_open, Utc(2026, 3, 29, 1));  // the jump: 02:00 BST
  EXPECT_EQ(jump.closes_at, Utc(2026, 3, 29, 20));  // 21:00 BST

  // Oct 25: 01:00 BST = 00:00 UTC opens; 01:30 GMT (01:30 UTC) is the same window;
  // 02:00 GMT = 02:00 UTC closes.
  WindowDecision fall = EvaluateCallingWindow(skipped, kUkMobile, Utc(2026, 10, 25, 1, 30));
  EXPECT_TRUE(fall.open);
  EXPECT_EQ(fall.closes_at, Utc(2026, 10, 25, 2));
  EXPECT_EQ(EvaluateCallingWindow(skipped, kUkMobile, Utc(2026, 10, 24, 23)).next_open,
            Utc(2026, 10, 25, 0));

  // 09:00 BST = 08:00 UTC on Oct 24; 09:00 GMT = 09:00 UTC on Oct 25.
  const CallingGuardrails day = Hours(9, 21, "Europe/London");
  WindowDecision evening = EvaluateCallingWindow(day, kUkMobile, Utc(2026, 10, 24, 20));
  EXPECT_FALSE(evening.open);
  EXPECT_EQ(evening.next_open, Utc(2026, 10, 25, 9));
  EXPECT_EQ(evening.closes_at, Utc(2026, 10, 25, 21));
}

TEST(CallingWindowTest, FallBackAtMidnightKeepsRepeatedEveningInOneWindow) {
  // Santiago 2026-04-05 03:00 UTC: Sat 23:59:59 (UTC-3) -> Sat 23:00 (UTC-4), so
  // local Sun 00:00 first happens at 04:00 UTC.
  const CallingGuardrails g = Hours(18, 24, "America/Santiago");
  WindowDecision sat = EvaluateCallingWindow(g, kNoZone, Utc(2026, 4, 4, 21));  // Sat 18:00 -03
  EXPECT_TRUE(sat.open);
  EXPECT_EQ(sat.closes_at, Utc(2026, 4, 5, 4));
  // 03:30 UTC reads Sat 23:30 a second time: still the same window.
  WindowDecision again = EvaluateCallingWindow(g, kNoZone, Utc(2026, 4, 5, 3, 30));
  EXPECT_TRUE(again.open);
  EXPECT_EQ(again.closes_at, Utc(2026, 4, 5, 4));
  WindowDecision over = EvaluateCallingWindow(g, kNoZone, Utc(2026, 4, 5, 4));
  EXPECT_FALSE(over.open);
  EXPECT_EQ(over.next_open, Utc(2026, 4, 5, 22));  // Sun 18:00 -04
  EXPECT_EQ(over.closes_at, Utc(2026, 4, 6, 4));
}

TEST(CallingWindowTest, AmbiguousOrUnknownNumberUsesDefaultZone) {
  const CallingGuardrails g = Hours(9, 21, "Australia/Perth");
  const TimePoint now = Utc(2026, 1, 10, 0, 30);  // 08:30 AWST, 11:30 AEDT
  WindowDecision au = EvaluateCallingWindow(g, kAuMobile, now);
  EXPECT_EQ(au.time_zone, "Australia/Perth");
  EXPECT_FALSE(au.zone_from_number);
  EXPECT_EQ(au.zone_source, ZoneSource::kDefaultAmbiguous);
  EXPECT_FALSE(au.open);
  EXPECT_EQ(au.next_open, Utc(2026, 1, 10, 1));
  WindowDecision sydney = EvaluateCallingWindow(g, kSydney, now);
  EXPECT_EQ(sydney.time_zone, "Australia/Sydney");
  EXPECT_TRUE(sydney.open);

  for (const char* number : {kNoZone, "", "not a number"}) {
    WindowDecision d = EvaluateCallingWindow(g, number, now);
    EXPECT_EQ(d.time_zone, "Australia/Perth") << number;
    EXPECT_EQ(d.zone_source, ZoneSource::kDefaultUnknown) << number;
  }
  EXPECT_EQ(ChooseTimeZone(g, kIndia).time_zone, "Asia/Kolkata");
  EXPECT_EQ(ChooseTimeZone(g, kAuMobile).source, ZoneSource::kDefaultAmbiguous);
}

TEST(CallingWindowTest, UnknownDefaultZoneFallsBackToUtc) {
  const CallingGuardrails g = Hours(9, 21, "Mars/Olympus_Mons");
  WindowDecision d = EvaluateCallingWindow(g, kNoZone, Utc(2026, 1, 10, 8));
  EXPECT_EQ(d.time_zone, "UTC");
  EXPECT_EQ(d.zone_source, ZoneSource::kUtcFallback);
  EXPECT_EQ(ZoneSourceName(d.zone_source), "utc_fallback");
  EXPECT_FALSE(d.open);
  EXPECT_EQ(d.next_open, Utc(2026, 1, 10, 9));
  // A number with its own zone does not need the default.
  EXPECT_EQ(EvaluateCallingWindow(g, kIndia, Utc(2026, 1, 10, 8)).zone_source, ZoneSource::kNumber);
}

TEST(CallingWindowTest, EndHour24AndStartHour0) {
  const CallingGuardrails evening = Hours(18, 24, "Asia/Tokyo");
  // 23:59:59.999 JST Jan 10 = 14:59:59.999 UTC; local midnight = 15:00 UTC.
  WindowDecision last = EvaluateCallingWindow(evening, kNoZone, Utc(2026, 1, 10, 15) - kMs);
  EXPECT_TRUE(last.open);
  EXPECT_EQ(last.closes_at, Utc(2026, 1, 10, 15));
  WindowDecision midnight = EvaluateCallingWindow(evening, kNoZone, Utc(2026, 1, 10, 15));
  EXPECT_FALSE(midnight.open);
  EXPECT_EQ(midnight.next_open, Utc(2026, 1, 11, 9));  // 18:00 JST Jan 11

  const CallingGuardrails night = Hours(0, 6, "Asia/Tokyo");
  WindowDecision at_zero = EvaluateCallingWindow(night, kNoZone, Utc(2026, 1, 10, 15));
  EXPECT_TRUE(at_zero.open);
  EXPECT_EQ(at_zero.closes_at, Utc(2026, 1, 10, 21));  // 06:00 JST Jan 11
  EXPECT_EQ(EvaluateCallingWindow(night, kNoZone, Utc(2026, 1, 10, 15) - kMs).next_open,
            Utc(2026, 1, 10, 15));

  // All day: always open, until the next local midnight (00:00 EDT Mar 9 = 04:00 UTC).
  WindowDecision all = EvaluateCallingWindow(Hours(0, 24), kNewYork, Utc(2026, 3, 8, 6, 59));
  EXPECT_TRUE(all.open);
  EXPECT_EQ(all.closes_at, Utc(2026, 3, 9, 4));
}

TEST(CallingWindowTest, OutOfRangeHoursAreClamped) {
  WindowDecision d = EvaluateCallingWindow(Hours(-3, 30), kNoZone, Utc(2026, 1, 10, 23, 59));
  EXPECT_TRUE(d.open);  // 0..24
  EXPECT_EQ(d.closes_at, Utc(2026, 1, 11, 0));
  WindowDecision inverted = EvaluateCallingWindow(Hours(10, 5), kNoZone, Utc(2026, 1, 10, 11));
  EXPECT_FALSE(inverted.open);  // 10..11
  EXPECT_EQ(inverted.next_open, Utc(2026, 1, 11, 10));
}

TEST(CallingWindowTest, DescribeNamesZoneSourceAndTimes) {
  const CallingGuardrails g = Hours(9, 21);
  WindowDecision d = EvaluateCallingWindow(g, kNewYork, Utc(2026, 6, 16, 1));
  EXPECT_EQ(DescribeWindow(g, d),
            "outside calling hours 09:00-21:00 America/New_York (zone of the number); opens "
            "2026-06-16 09:00 EDT (2026-06-16T13:00:00.000+00:00)");
  const CallingGuardrails bad = Hours(9, 21, "Nowhere/Zone");
  WindowDecision u = EvaluateCallingWindow(bad, kNoZone, Utc(2026, 6, 16, 10));
  EXPECT_EQ(DescribeWindow(bad, u),
            "inside calling hours 09:00-21:00 UTC (default_timezone \"Nowhere/Zone\" is unknown); "
            "closes 2026-06-16 21:00 UTC (2026-06-16T21:00:00.000+00:00)");
}

TEST(CallingWindowTest, EveryNumberZoneIsInTheTzDatabase) {
  for (std::string_view zone : AllNumberTimeZones())
    EXPECT_NO_THROW((void)date::locate_zone(zone)) << zone;
}

TEST(CallingWindowTest, ConcurrentCallersAgree) {
  const CallingGuardrails g = Hours(9, 21, "Europe/Berlin");
  const char* numbers[] = {kNewYork, kIndia, kParis, kAuMobile, kNoZone};
  std::vector<std::thread> threads;
  std::vector<int> opened(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        opened[t] += EvaluateCallingWindow(g, numbers[i % 5], Utc(2026, 1, 10, 12)).open;
    });
  }
  for (auto& th : threads) th.join();
  // 12:00 UTC: NY 07:00 closed; IST 17:30, Paris 13:00, Berlin 13:00 (x2) open.
  for (int n : opened) EXPECT_EQ(n, 160);
}

}  // namespace
}  // namespace batchcall
