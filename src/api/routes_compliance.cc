// Compliance routes: GET /rule-packs (every rule pack agents may name, with
// its rules, sources and the holidays it observes this year and next).
#include <date/date.h>

#include "api/api.h"
#include "api/views.h"
#include "compliance/holidays.h"

namespace batchcall {
namespace {

std::string IsoDate(date::year_month_day d) { return date::format("%F", date::sys_days{d}); }

}  // namespace

void Api::AddComplianceRoutes() {
  router_.Add("GET", "/rule-packs", [this](RouteContext& c) { return ListRulePacks(c); });
}

Result<HttpResponse> Api::ListRulePacks(RouteContext&) {
  const int year = static_cast<int>(date::year_month_day{std::chrono::floor<date::days>(clock_.Now())}.year());
  OrderedJson out = OrderedJson::array();
  for (const RulePack* pack : packs_.All()) {
    OrderedJson j = OrderedJson::parse(RulePackJson(*pack).dump());
    if (!pack->holidays.empty()) {
      OrderedJson days = OrderedJson::array();
      for (int y : {year, year + 1}) {
        for (const Holiday& h : HolidaysOf(pack->holidays, y))
          days.push_back({{"name", h.name}, {"date", IsoDate(h.date)}, {"observed", IsoDate(h.observed)}});
      }
      j["holiday_dates"] = std::move(days);
    }
    out.push_back(std::move(j));
  }
  OrderedJson body = {{"rule_packs", std::move(out)}};
  return JsonResponse(200, body.dump());
}

}  // namespace batchcall
