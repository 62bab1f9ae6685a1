#include "base/time.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <random>

namespace batchcall {
namespace {

TimePoint Utc(const char* rfc) {
  auto r = ParseIso8601(rfc);
  EXPECT_TRUE(r.ok()) << rfc << ": " << r.status().ToString();
  return r.ok() ? *r : TimePoint{};
}

// FormatRfc3339 writes exactly what date's iostream formatting wrote (its
// previous body), for instants across and beyond years 0000-9999.
TEST(FormatRfc3339, SameTextAsDateFormat) {
  auto reference = [](TimePoint t) { return date::format("%Y-%m-%dT%H:%M:%S", t) + "+00:00"; };
  std::vector<int64_t> millis = {0, -1, 1, 999, 1000, 86'399'999, 86'400'000, -86'400'000,
                                 951'782'400'000,      // 2000-02-29T00:00Z
                                 253'402'300'799'999,  // 9999-12-31T23:59:59.999Z
                                 253'402'300'800'000,  // 10000-01-01
                                 -62'167'219'200'000,  // 0000-01-01
                                 -62'167'219'200'001};
  std::mt19937_64 random(20261204);
  std::uniform_int_distribution<int64_t> any(-100'000'000'000'000, 400'000'000'000'000);
  for (int i = 0; i < 50'000; ++i) millis.push_back(any(random));
  for (int64_t ms : millis) {
    const TimePoint t = FromUnixMillis(ms);
    ASSERT_EQ(FormatRfc3339(t), reference(t)) << ms;
  }
}

TEST(ParseIso8601, AcceptsOffsetsAndNormalizesToUtc) {
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00+05:30")), "2026-06-01T04:30:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00+0530")), "2026-06-01T04:30:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00+05")), "2026-06-01T05:00:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00Z")), "2026-06-01T10:00:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01t10:00:00z")), "2026-06-01T10:00:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01 10:00:00-04:00")), "2026-06-01T14:00:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00Z")), "2026-06-01T10:00:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("  2026-06-01T10:00:00Z ")), "2026-06-01T10:00:00.000+00:00");
}

TEST(ParseIso8601, KeepsMillisecondsAndTruncatesFinerDigits) {
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00.5Z")), "2026-06-01T10:00:00.500+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2026-06-01T10:00:00.123456789Z")), "2026-06-01T10:00:00.123+00:00");
}

TEST(ParseIso8601, CrossesDayAndYearBoundaries) {
  EXPECT_EQ(FormatRfc3339(Utc("2027-01-01T02:00:00+05:30")), "2026-12-31T20:30:00.000+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("2028-02-29T23:00:00-02:00")), "2028-03-01T01:00:00.000+00:00");
}

TEST(ParseIso8601, RejectsNaiveAndMalformedTimes) {
  const char* bad[] = {
      "2026-06-01T10:00:00",       // naive
      "2026-06-01",                // date only
      "2026-06-01T10:00:00+5:30",  // one-digit hour offset
      "2026-06-01T10:00:00+05:3",  // truncated offset
      "2026-06-01T10:00:00+24:00", // offset out of range
      "2026-02-30T10:00:00Z",      // no such date
      "2026-06-01T25:00:00Z",      // hour out of range
      "2026-06-01T10:61:00Z",      // minute out of range
      "2026-06-01T10:00:00Zjunk",  // trailing characters
      "2026-06-01T10:00:00.Z",     // empty fraction
      "tomorrow",
      "",
      "now",                       // handled by the API, not here
  };
  for (const char* text : bad) {
    auto r = ParseIso8601(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(r.status().message().empty());
    }
  }
}

TEST(ParseIso8601, NaiveTimeMessageExplainsTheFix) {
  auto r = ParseIso8601("2026-06-01T10:00:00");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offset"), std::string::npos);
}

// Found by fuzzing: an offset could carry 9999-12-31 into year 10000, which
// FormatRfc3339 then wrote with five digits (not RFC 3339, not parseable).
TEST(ParseIso8601, YearsOutsideFourDigitsInUtcAreRefused) {
  for (const char* text : {"9999-12-31T23:00:00-02:00", "0000-01-01T00:30:00+01:00", "10000-01-01T00:00:00Z",
                           "+10000-01-01T00:00:00Z", "99999-01-01T00:00:00Z"}) {
    auto r = ParseIso8601(text);
    EXPECT_FALSE(r.ok()) << text;
  }
  TimePoint last = Utc("9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(last), "9999-12-31T23:59:59.999+00:00");
  EXPECT_EQ(FormatRfc3339(Utc("0000-01-01T01:00:00+01:00")), "0000-01-01T00:00:00.000+00:00");
}

TEST(Humanize, DescribesDistances) {
  TimePoint now = Utc("2026-06-01T10:00:00Z");
  EXPECT_EQ(Humanize(now, now), "just now");
  EXPECT_EQ(Humanize(now - std::chrono::minutes(5), now), "5 minutes ago");
  EXPECT_EQ(Humanize(now - std::chrono::minutes(1), now), "1 minute ago");
  EXPECT_EQ(Humanize(now - std::chrono::hours(3), now), "3 hours ago");
  EXPECT_EQ(Humanize(now - std::chrono::hours(48), now), "2 days ago");
  EXPECT_EQ(Humanize(now + std::chrono::minutes(10), now), "in 10 minutes");
}

}  // namespace
}  // namespace batchcall
