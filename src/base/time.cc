#include "base/time.h"

#include <date/date.h>

#include <cctype>
#include <cstdio>

namespace batchcall {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Reads exactly n decimal digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (Done() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  bool IsDigit() const { return !Done() && std::isdigit(static_cast<unsigned char>(s_[i_])); }
  void Next() { ++i_; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status Bad(std::string_view text, std::string_view why) {
  std::string m;
  m.append("'").append(text).append("' is not a valid ISO 8601 time with an offset: ");
  m.append(why).append(" (example: 2026-06-01T10:00:00+05:30).");
  return InvalidArgument(std::move(m));
}

}  // namespace

Result<TimePoint> ParseIso8601(std::string_view raw) {
  std::string_view text = Trim(raw);
  if (text.size() > 64) return Bad(text.substr(0, 64), "too long");
  Cursor c(text);
  int y, mo, d, h, mi, s = 0, ms = 0;
  if (!c.Digits(4, &y) || !c.Eat('-') || !c.Digits(2, &mo) || !c.Eat('-') || !c.Digits(2, &d)) {
    return Bad(text, "expected a date as YYYY-MM-DD");
  }
  if (!c.Eat('T') && !c.Eat('t') && !c.Eat(' ')) return Bad(text, "expected 'T' and a time of day");
  if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return Bad(text, "expected a time as hh:mm:ss");
  if (c.Eat(':')) {
    if (!c.Digits(2, &s)) return Bad(text, "expected two digits of seconds");
    if (c.Eat('.') || c.Eat(',')) {
      int n = 0;
      while (c.IsDigit()) {
        int digit;
        (void)c.Digits(1, &digit);
        if (n < 3) ms = ms * 10 + digit;
        if (++n > 9) return Bad(text, "too many fractional digits");
      }
      if (n == 0) return Bad(text, "expected digits after the decimal point");
      for (int k = n; k < 3; ++k) ms *= 10;
    }
  }
  int offset_minutes = 0;
  if (c.Eat('Z') || c.Eat('z')) {
    offset_minutes = 0;
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    c.Next();
    int oh, om = 0;
    if (!c.Digits(2, &oh)) return Bad(text, "expected an offset as +hh:mm");
    if (c.Eat(':')) {
      if (!c.Digits(2, &om)) return Bad(text, "expected an offset as +hh:mm");
    } else if (c.IsDigit()) {
      if (!c.Digits(2, &om)) return Bad(text, "expected an offset as +hhmm");
    }
    if (oh > 23 || om > 59) return Bad(text, "offset out of range");
    offset_minutes = sign * (oh * 60 + om);
  } else if (c.Done()) {
    return Bad(text, "the time has no offset; add Z or an offset such as +05:30");
  } else {
    return Bad(text, "unexpected characters after the time");
  }
  if (!c.Done()) return Bad(text, "unexpected characters after the offset");

  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return Bad(text, "no such calendar date");
  if (h > 23 || mi > 59 || s > 60) return Bad(text, "time of day out of range");
  if (s == 60) s = 59;  // a leap second is read as the last second of the minute
  auto local = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
               std::chrono::seconds{s} + std::chrono::milliseconds{ms};
  const auto utc = local - std::chrono::minutes{offset_minutes};
  // Years 0000-9999 in UTC only: what FormatRfc3339 writes with four digits
  // (9999-12-31T23:00-02:00 would be year 10000).
  static constexpr auto kFirst = date::sys_days{date::year{0} / 1 / 1};
  static constexpr auto kEnd = date::sys_days{date::year{10000} / 1 / 1};
  if (utc < kFirst || utc >= kEnd) return Bad(text, "the year in UTC must be from 0000 to 9999");
  return TimePoint(utc);
}

void AppendRfc3339(TimePoint t, std::string* out) {
  using std::chrono::milliseconds;
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  // Outside 0000-9999 (never parsed, only built from raw milliseconds) the
  // year has another width: date's own formatting writes it.
  if (year < 0 || year > 9999) {
    out->append(date::format("%Y-%m-%dT%H:%M:%S", t)).append("+00:00");
    return;
  }
  const date::hh_mm_ss<milliseconds> tod{t - day};
  // Fixed width, written digit by digit: this runs for every timestamp of an
  // export, where iostream formatting was a fifth of the CPU.
  char text[] = "0000-00-00T00:00:00.000+00:00";
  auto put = [&text](int pos, int width, long long value) {
    for (int i = pos + width - 1; i >= pos; --i, value /= 10) text[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, year);
  put(5, 2, static_cast<unsigned>(ymd.month()));
  put(8, 2, static_cast<unsigned>(ymd.day()));
  put(11, 2, tod.hours().count());
  put(14, 2, tod.minutes().count());
  put(17, 2, tod.seconds().count());
  put(20, 3, tod.subseconds().count());
  out->append(text, sizeof text - 1);
}

std::string FormatRfc3339(TimePoint t) {
  std::string out;
  AppendRfc3339(t, &out);
  return out;
}

std::string Humanize(TimePoint then, TimePoint now) {
  using namespace std::chrono;
  auto delta = duration_cast<seconds>(now - then).count();
  bool future = delta < 0;
  long long s = future ? -delta : delta;
  if (s < 45) return future ? "in a few seconds" : "just now";
  struct Unit {
    long long seconds;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{365LL * 86400, "year"}, {30LL * 86400, "month"}, {7LL * 86400, "week"},
                                    {86400, "day"},          {3600, "hour"},          {60, "minute"}};
  for (const Unit& u : kUnits) {
    if (s >= u.seconds) {
      long long n = (s + u.seconds / 2) / u.seconds;
      if (n == 0) n = 1;
      std::string text = std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
      return future ? "in " + text : text + " ago";
    }
  }
  return "just now";
}

}  // namespace batchcall
