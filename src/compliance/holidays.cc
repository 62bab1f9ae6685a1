#include "compliance/holidays.h"

#include <algorithm>

namespace batchcall {
namespace {

using date::day;
using date::month;
using date::weekday;
using date::year;
using date::year_month_day;

// The n-th (1-based) `wd` of year/month.
year_month_day Nth(int y, unsigned m, weekday wd, unsigned n) {
  return year_month_day{date::year_month_weekday{year{y} / month{m} / wd[n]}};
}

year_month_day Last(int y, unsigned m, weekday wd) {
  return year_month_day{date::year_month_weekday_last{year{y} / month{m} / wd[date::last]}};
}

// Saturday -> the Friday before, Sunday -> the Monday after.
year_month_day Observed(year_month_day d) {
  const date::sys_days days{d};
  const weekday wd{days};
  if (wd == date::Saturday) return year_month_day{days - date::days{1}};
  if (wd == date::Sunday) return year_month_day{days + date::days{1}};
  return d;
}

Holiday Fixed(std::string_view name, int y, unsigned m, unsigned d) {
  const year_month_day date{year{y} / month{m} / day{d}};
  return {name, date, Observed(date)};
}

Holiday Floating(std::string_view name, year_month_day d) { return {name, d, d}; }

std::vector<Holiday> UsFederal(int y) {
  std::vector<Holiday> out;
  out.push_back(Fixed("New Year's Day", y, 1, 1));
  out.push_back(Floating("Birthday of Martin Luther King, Jr.", Nth(y, 1, date::Monday, 3)));
  out.push_back(Floating("Washington's Birthday", Nth(y, 2, date::Monday, 3)));
  out.push_back(Floating("Memorial Day", Last(y, 5, date::Monday)));
  if (y >= 2021) out.push_back(Fixed("Juneteenth National Independence Day", y, 6, 19));
  out.push_back(Fixed("Independence Day", y, 7, 4));
  out.push_back(Floating("Labor Day", Nth(y, 9, date::Monday, 1)));
  out.push_back(Floating("Columbus Day", Nth(y, 10, date::Monday, 2)));
  out.push_back(Fixed("Veterans Day", y, 11, 11));
  out.push_back(Floating("Thanksgiving Day", Nth(y, 11, date::Thursday, 4)));
  out.push_back(Fixed("Christmas Day", y, 12, 25));
  return out;
}

}  // namespace

bool IsKnownHolidayCalendar(std::string_view calendar) { return calendar == kUsFederalHolidays; }

std::vector<Holiday> HolidaysOf(std::string_view calendar, int y) {
  if (calendar == kUsFederalHolidays) return UsFederal(y);
  return {};
}

bool IsHoliday(std::string_view calendar, year_month_day d) {
  if (!IsKnownHolidayCalendar(calendar) || !d.ok()) return false;
  // The days off of one year, including the December 31 observed for the
  // next New Year's Day; computed once per thread and year (decisions ask
  // for the same few days again and again).
  thread_local int cached_year = 0;
  thread_local std::vector<date::sys_days> cached;
  const int y = static_cast<int>(d.year());
  if (cached_year != y || cached.empty()) {
    cached.clear();
    for (int year_of : {y, y + 1}) {
      for (const Holiday& h : HolidaysOf(calendar, year_of)) {
        for (year_month_day x : {h.date, h.observed})
          if (x.year() == d.year()) cached.push_back(date::sys_days{x});
      }
    }
    std::sort(cached.begin(), cached.end());
    cached_year = y;
  }
  return std::binary_search(cached.begin(), cached.end(), date::sys_days{d});
}

}  // namespace batchcall
