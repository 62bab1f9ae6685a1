#include "compliance/decision.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace batchcall {
namespace {

TimePoint T(const char* iso) {
  auto t = ParseIso8601(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : TimePoint{};
}

CallingGuardrails Hours(int start, int end, const char* zone = "America/New_York") {
  CallingGuardrails g;
  g.call_start_hour = start;
  g.call_end_hour = end;
  g.default_timezone = zone;
  return g;
}

CallingRules Rules(std::optional<CallingGuardrails> g, std::vector<ContactLimit> limits = {}) {
  Agent a;
  a.calling_guardrails = std::move(g);
  a.contact_limits = std::move(limits);
  return CallingRules::For(a, false, RulePackSet::BuiltIn());
}

CallingRules UsPack(CallingGuardrails g = Hours(9, 21)) {
  g.rule_packs = {"us"};
  return Rules(g);
}

Decision At(const CallingRules& r, const char* number, const char* at, std::vector<TimePoint> dials = {}) {
  return Decide(r, DecisionInput{number, T(at), dials});
}

void ExpectHeld(const Decision& d, const char* reason, const char* eligible_at) {
  EXPECT_EQ(d.verdict, Verdict::kHeld);
  EXPECT_EQ(d.reason, reason);
  EXPECT_EQ(FormatRfc3339(d.eligible_at), FormatRfc3339(T(eligible_at)));
}

void ExpectEligible(const Decision& d, const char* at) {
  EXPECT_EQ(d.verdict, Verdict::kEligible) << d.reason;
  EXPECT_EQ(d.reason, "");
  EXPECT_EQ(FormatRfc3339(d.eligible_at), FormatRfc3339(T(at)));
}

constexpr const char* kNewYork = "+12125550123";
constexpr const char* kFlorida = "+13055550123";    // America/New_York
constexpr const char* kTexas = "+12145550123";      // America/Chicago
constexpr const char* kAlabama = "+12055551234";    // America/Chicago
constexpr const char* kPennsylvania = "+12155551234";
constexpr const char* kToronto = "+14165550123";
constexpr const char* kTollFree = "+18005550123";
constexpr const char* kAuMobile = "+61412345678";

TEST(DecisionTest, NoRulesAlwaysEligible) {
  ExpectEligible(At(Rules(std::nullopt), kNewYork, "2026-12-07T03:00:00Z"), "2026-12-07T03:00:00Z");
}

TEST(DecisionTest, DoNotCallBlocks) {
  auto d = Decide(Rules(Hours(9, 21)), DecisionInput{kNewYork, T("2026-12-07T15:00:00Z"), {}, true});
  EXPECT_EQ(d.verdict, Verdict::kBlocked);
  EXPECT_EQ(d.reason, "do_not_call");
  DecisionInput opted{kNewYork, T("2026-12-07T03:00:00Z"), {}};
  opted.opted_out = true;  // blocked even outside the hours, and says why
  d = Decide(Rules(Hours(9, 21)), opted);
  EXPECT_EQ(d.verdict, Verdict::kBlocked);
  EXPECT_EQ(d.reason, "opted_out");
  EXPECT_TRUE(IsBlockingReason("opted_out"));
  EXPECT_FALSE(IsBlockingReason("state_hours:FL"));
}

TEST(DecisionTest, AgentHoursAndDays) {
  // 07:00 EST: opens at 09:00 EST.
  ExpectHeld(At(Rules(Hours(9, 21)), kNewYork, "2026-12-07T12:00:00Z"), "calling_hours", "2026-12-07T14:00:00Z");
  ExpectEligible(At(Rules(Hours(9, 21)), kNewYork, "2026-12-07T14:00:00Z"), "2026-12-07T14:00:00Z");
  auto weekdays = Hours(9, 21);
  weekdays.call_days = 0b0011111;
  // Saturday 10:00 EST -> Monday 09:00 EST.
  ExpectHeld(At(Rules(weekdays), kNewYork, "2026-12-05T15:00:00Z"), "call_days", "2026-12-07T14:00:00Z");
  // Friday 22:00 EST: the hours close first, the days skip the weekend.
  ExpectHeld(At(Rules(weekdays), kNewYork, "2026-12-05T03:00:00Z"), "calling_hours", "2026-12-07T14:00:00Z");
}

TEST(DecisionTest, UsPackHoldsFloridaAtHalfPastEightInTheEvening) {
  // Monday 20:30 in New York.
  ExpectEligible(At(UsPack(), kNewYork, "2026-12-08T01:30:00Z"), "2026-12-08T01:30:00Z");
  ExpectHeld(At(UsPack(), kFlorida, "2026-12-08T01:30:00Z"), "state_hours:FL", "2026-12-08T14:00:00Z");
}

TEST(DecisionTest, UsPackTexasSundayAlabamaSundayPennsylvaniaHoliday) {
  // Sunday 10:00 CST: Texas opens at noon, Alabama on Monday.
  ExpectHeld(At(UsPack(), kTexas, "2026-12-06T16:00:00Z"), "state_days:TX", "2026-12-06T18:00:00Z");
  ExpectHeld(At(UsPack(), kAlabama, "2026-12-06T16:00:00Z"), "state_days:AL", "2026-12-07T15:00:00Z");
  // Independence Day 2026 is a Saturday, observed Friday 3 July: no calls
  // on either; Sunday 5 July is fine for Pennsylvania.
  ExpectHeld(At(UsPack(), kPennsylvania, "2026-07-03T14:00:00Z"), "holiday:PA", "2026-07-05T13:00:00Z");
  ExpectHeld(At(UsPack(), kPennsylvania, "2026-07-04T14:00:00Z"), "holiday:PA", "2026-07-05T13:00:00Z");
  ExpectEligible(At(UsPack(), kNewYork, "2026-07-04T14:00:00Z"), "2026-07-04T14:00:00Z");
}

TEST(DecisionTest, FederalHoursApplyToUsNumbersOnly) {
  // Agent hours 06-23; 07:00 EST: the federal 08-21 holds New York, not Toronto.
  ExpectHeld(At(UsPack(Hours(6, 23)), kNewYork, "2026-12-07T12:00:00Z"), "state_hours:US", "2026-12-07T13:00:00Z");
  ExpectEligible(At(UsPack(Hours(6, 23)), kToronto, "2026-12-07T12:00:00Z"), "2026-12-07T12:00:00Z");
  // A toll-free number has no state: the federal row only (default policy).
  ExpectEligible(At(UsPack(), kTollFree, "2026-12-06T16:00:00Z"), "2026-12-06T16:00:00Z");
}

TEST(DecisionTest, UnknownStateUnderStrictestGetsEveryRow) {
  auto g = Hours(9, 21);
  g.ambiguous_timezone = AmbiguousZonePolicy::kStrictest;
  auto d = At(UsPack(g), kTollFree, "2026-12-06T23:30:00Z");  // a Sunday in every US zone
  EXPECT_EQ(d.verdict, Verdict::kHeld);
  EXPECT_EQ(d.reason.substr(0, 11), "state_days:");
  EXPECT_GT(d.eligible_at, T("2026-12-07T00:00:00Z"));
}

TEST(DecisionTest, ContactLimits) {
  const auto limit = std::vector<ContactLimit>{{2, 24}};
  // Two dials in the last 24 h: free when the older one leaves the window.
  ExpectHeld(At(Rules(std::nullopt, limit), kNewYork, "2026-12-07T15:00:00Z",
                {T("2026-12-07T05:00:00Z"), T("2026-12-07T13:00:00Z")}),
             "contact_limit", "2026-12-08T05:00:00Z");
  // ... and the calling hours then move it to the next morning.
  ExpectHeld(At(Rules(Hours(9, 21), limit), kNewYork, "2026-12-07T15:00:00Z",
                {T("2026-12-07T05:00:00Z"), T("2026-12-07T13:00:00Z")}),
             "contact_limit", "2026-12-08T14:00:00Z");
  // A dial exactly one window ago no longer counts; older ones neither.
  ExpectEligible(At(Rules(std::nullopt, limit), kNewYork, "2026-12-07T15:00:00Z",
                    {T("2026-12-01T15:00:00Z"), T("2026-12-06T15:00:00Z"), T("2026-12-07T13:00:00Z")}),
                 "2026-12-07T15:00:00Z");
  // Several limits: the weekly one decides.
  ExpectHeld(At(Rules(std::nullopt, {{2, 24}, {3, 168}}), kNewYork, "2026-12-07T15:00:00Z",
                {T("2026-12-02T10:00:00Z"), T("2026-12-04T10:00:00Z"), T("2026-12-06T10:00:00Z")}),
             "contact_limit", "2026-12-09T10:00:00Z");
}

TEST(DecisionTest, StatePackCapCountsDials) {
  // Florida: at most 3 per 24 h. 10:00 EST Monday after three dials.
  const std::vector<TimePoint> dials = {T("2026-12-07T06:00:00Z"), T("2026-12-07T10:00:00Z"), T("2026-12-07T14:00:00Z")};
  ExpectHeld(At(UsPack(), kFlorida, "2026-12-07T15:00:00Z", dials), "state_limit:FL", "2026-12-08T14:00:00Z");
  ExpectEligible(At(UsPack(), kNewYork, "2026-12-07T15:00:00Z", dials), "2026-12-07T15:00:00Z");
  EXPECT_EQ(UsPack().HistoryWindow(), std::chrono::hours{24});
  EXPECT_EQ(Rules(std::nullopt, {{1, 2}, {1, 300}}).HistoryWindow(), std::chrono::hours{300});
  EXPECT_EQ(Rules(Hours(9, 21)).HistoryWindow(), std::chrono::hours{0});
}

TEST(DecisionTest, StrictestZoneNeedsEveryCandidateZoneOpen) {
  // An Australian mobile: zones from Cocos (+06:30) to Lord Howe (+11 in
  // December). 09-17 in all of them: 02:30Z (09:00 Cocos) to 06:00Z (17:00 Lord Howe).
  auto g = Hours(9, 17, "Australia/Sydney");
  g.ambiguous_timezone = AmbiguousZonePolicy::kStrictest;
  ExpectHeld(At(Rules(g), kAuMobile, "2026-12-07T00:00:00Z"), "calling_hours", "2026-12-07T02:30:00Z");
  ExpectEligible(At(Rules(g), kAuMobile, "2026-12-07T05:59:00Z"), "2026-12-07T05:59:00Z");
  ExpectHeld(At(Rules(g), kAuMobile, "2026-12-07T06:00:00Z"), "calling_hours", "2026-12-08T02:30:00Z");
  // The default policy: Sydney only (11:00 there).
  g.ambiguous_timezone = AmbiguousZonePolicy::kDefault;
  ExpectEligible(At(Rules(g), kAuMobile, "2026-12-07T00:00:00Z"), "2026-12-07T00:00:00Z");
  EXPECT_EQ(At(Rules(g), kAuMobile, "2026-12-07T00:00:00Z").time_zone, "Australia/Sydney");
}

TEST(DecisionTest, AcrossDstChanges) {
  // Spring forward in New York, 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z):
  // a window from 02:00 opens at the transition.
  ExpectHeld(At(Rules(Hours(2, 21)), kNewYork, "2026-03-08T06:30:00Z"), "calling_hours", "2026-03-08T07:00:00Z");
  // A 24 h limit counts real hours across the change (23 local hours later is not enough).
  ExpectHeld(At(Rules(Hours(9, 21), {{1, 24}}), kNewYork, "2026-03-08T14:30:00Z", {T("2026-03-07T15:00:00Z")}),
             "contact_limit", "2026-03-08T15:00:00Z");
  // Fall back, 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z): a window from
  // 01:00 opens at the first 01:00 and stays open through the repeated hour.
  ExpectHeld(At(Rules(Hours(1, 21)), kNewYork, "2026-11-01T04:30:00Z"), "calling_hours", "2026-11-01T05:00:00Z");
  ExpectEligible(At(Rules(Hours(1, 21)), kNewYork, "2026-11-01T06:30:00Z"), "2026-11-01T06:30:00Z");
  // Florida's 20:00 close on the fall-back day is 20:00 EST (01:00Z).
  ExpectHeld(At(UsPack(), kFlorida, "2026-11-02T01:00:00Z"), "state_hours:FL", "2026-11-02T14:00:00Z");
  ExpectEligible(At(UsPack(), kFlorida, "2026-11-02T00:59:00Z"), "2026-11-02T00:59:00Z");
}

TEST(DecisionTest, BypassKeepsContactLimits) {
  Agent a;
  a.calling_guardrails = Hours(9, 21);
  a.calling_guardrails->rule_packs = {"us", "gone"};
  a.contact_limits = {{1, 24}};
  std::vector<std::string> missing;
  auto normal = CallingRules::For(a, false, RulePackSet::BuiltIn(), &missing);
  EXPECT_EQ(normal.packs.size(), 1u);
  EXPECT_EQ(missing, (std::vector<std::string>{"gone"}));
  auto bypass = CallingRules::For(a, true, RulePackSet::BuiltIn());
  EXPECT_FALSE(bypass.guardrails.has_value());
  EXPECT_TRUE(bypass.packs.empty());
  ExpectHeld(Decide(bypass, DecisionInput{kNewYork, T("2026-12-07T03:00:00Z"), std::vector<TimePoint>{T("2026-12-07T02:00:00Z")}}),
             "contact_limit", "2026-12-08T02:00:00Z");
}

TEST(DecisionTest, RulesThatNeverOpenHoldForTheHorizon) {
  auto g = Hours(9, 21);
  g.call_days = 1u << 6;  // Sundays only...
  g.rule_packs = {"us"};
  auto d = At(Rules(g), kAlabama, "2026-12-07T15:00:00Z");  // ...and Alabama has none
  EXPECT_EQ(d.verdict, Verdict::kHeld);
  EXPECT_EQ(d.reason, "call_days");
  EXPECT_GE(d.eligible_at, T("2027-01-07T15:00:00Z"));
}

}  // namespace
}  // namespace batchcall
