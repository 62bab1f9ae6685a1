#include "compliance/holidays.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

using date::year_month_day;
using namespace date::literals;

bool Off(year_month_day d) { return IsHoliday(kUsFederalHolidays, d); }

TEST(HolidaysTest, FederalHolidaysOf2026) {
  auto h = HolidaysOf(kUsFederalHolidays, 2026);
  ASSERT_EQ(h.size(), 11u);
  EXPECT_EQ(h[1].date, 2026_y / date::January / 19);   // MLK: 3rd Monday
  EXPECT_EQ(h[2].date, 2026_y / date::February / 16);  // 3rd Monday
  EXPECT_EQ(h[3].date, 2026_y / date::May / 25);       // last Monday
  EXPECT_EQ(h[5].date, 2026_y / date::July / 4);       // a Saturday...
  EXPECT_EQ(h[5].observed, 2026_y / date::July / 3);   // ...observed Friday
  EXPECT_EQ(h[6].date, 2026_y / date::September / 7);
  EXPECT_EQ(h[7].date, 2026_y / date::October / 12);
  EXPECT_EQ(h[8].observed, 2026_y / date::November / 11);  // a Wednesday
  EXPECT_EQ(h[9].date, 2026_y / date::November / 26);      // 4th Thursday
  EXPECT_TRUE(HolidaysOf("mars", 2026).empty());
}

TEST(HolidaysTest, ObservedDaysAndEdges) {
  EXPECT_TRUE(Off(2026_y / date::July / 4));
  EXPECT_TRUE(Off(2026_y / date::July / 3));
  EXPECT_FALSE(Off(2026_y / date::July / 6));
  EXPECT_TRUE(Off(2027_y / date::December / 24));  // Christmas 2027 is a Saturday
  EXPECT_TRUE(Off(2022_y / date::December / 26));  // Christmas 2022 was a Sunday
  EXPECT_TRUE(Off(2021_y / date::December / 31));  // New Year's Day 2022, a Saturday, observed the year before
  EXPECT_TRUE(Off(2023_y / date::January / 2));    // New Year's Day 2023, a Sunday
  EXPECT_TRUE(Off(2021_y / date::June / 18));      // Juneteenth 2021 (Saturday) observed
  EXPECT_FALSE(Off(2020_y / date::June / 19));     // not yet a holiday
  EXPECT_FALSE(Off(2026_y / date::December / 7));
  EXPECT_FALSE(IsHoliday("mars", 2026_y / date::July / 4));
}

}  // namespace
}  // namespace batchcall
