// Legal holidays computed from their rules (never typed in as dates).
//
// US federal holidays (5 U.S.C. 6103): New Year's Day (Jan 1), Birthday of
// Martin Luther King Jr. (3rd Monday of January), Washington's Birthday (3rd
// Monday of February), Memorial Day (last Monday of May), Juneteenth (June
// 19, from 2021), Independence Day (July 4), Labor Day (1st Monday of
// September), Columbus Day (2nd Monday of October), Veterans Day (November
// 11), Thanksgiving Day (4th Thursday of November), Christmas Day (December
// 25). A fixed-date holiday on a Saturday is observed the Friday before, on a
// Sunday the Monday after (Executive Order 11582 and 5 U.S.C. 6103(b)); the
// Friday observed for a Saturday New Year's Day is December 31 of the year
// before.
//
// Pure functions; thread-safe.
#pragma once

#include <date/date.h>

#include <string_view>
#include <vector>

namespace batchcall {

struct Holiday {
  std::string_view name;
  date::year_month_day date;      // the holiday itself
  date::year_month_day observed;  // the day off (== date for weekday holidays)
};

// The calendars rule packs may name ("holidays": "<name>").
inline constexpr std::string_view kUsFederalHolidays = "us_federal";
bool IsKnownHolidayCalendar(std::string_view calendar);

// The holidays of `year` in `calendar`, in date order; empty for an unknown
// calendar. Juneteenth is listed from 2021.
std::vector<Holiday> HolidaysOf(std::string_view calendar, int year);

// True when `day` is a holiday of `calendar` or the day one is observed
// (both are treated as holidays: a rule "no calls on legal holidays" holds
// on either).
bool IsHoliday(std::string_view calendar, date::year_month_day day);

}  // namespace batchcall
