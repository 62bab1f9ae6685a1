// Compliance routes: GET /rule-packs (every rule pack agents may name, with
// its rules, sources and the holidays it observes this year and next) and
// GET /batches/{batch_id}/preview (what the calling rules would decide for
// every waiting execution at an instant: the dispatcher's own Decider) and
// GET /executions/{execution_id}/decisions (its audit trail: every hold,
// cancel and dial, oldest first).
#include <date/date.h>

#include <algorithm>

#include "api/api.h"
#include "api/views.h"
#include "base/ids.h"
#include "base/time.h"
#include "compliance/decider.h"
#include "compliance/holidays.h"

namespace batchcall {
namespace {

std::string IsoDate(date::year_month_day d) { return date::format("%F", date::sys_days{d}); }

}  // namespace

void Api::AddComplianceRoutes() {
  router_.Add("GET", "/rule-packs", [this](RouteContext& c) { return ListRulePacks(c); });
  router_.Add("GET", "/batches/{batch_id}/preview", [this](RouteContext& c) { return PreviewBatch(c); });
}

Result<HttpResponse> Api::PreviewBatch(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  BC_ASSIGN_OR_RETURN(Batch batch, LoadBatch(ctx));
  if (IsTerminal(batch.status))
    return Conflict("Batch " + batch.id + " is " + std::string(ToString(batch.status)) + ": nothing is left to decide.");
  TimePoint at = clock_.Now();
  if (auto text = req.Query("at")) {
    auto parsed = ParseIso8601(*text);
    if (!parsed.ok())
      return InvalidArgument("at must be an ISO 8601 date-time with an offset, e.g. 2026-12-07T20:30:00-05:00.");
    at = *parsed;
  }
  int64_t limit = 100;
  if (auto l = req.Query("limit")) {
    char* end = nullptr;
    long long v = std::strtoll(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 0 || v > 1000)
      return InvalidArgument("limit must be a whole number from 0 to 1000.");
    limit = v;
  }
  BC_ASSIGN_OR_RETURN(Agent agent, store_.GetAgent(ctx.account_id, batch.agent_id));
  const Decider decider(store_, packs_);

  // Every execution still waiting for a dial, in CSV order, decided a page at a time.
  ExecutionQuery q;
  q.account_id = ctx.account_id;
  q.batch_id = batch.id;
  q.statuses = {ExecutionStatus::kPrepared, ExecutionStatus::kQueued, ExecutionStatus::kScheduled,
                ExecutionStatus::kRescheduled};
  q.csv_columns_only = true;
  q.limit = 5000;
  int64_t eligible = 0;
  std::map<std::string, int64_t> held, blocked;
  OrderedJson listed = OrderedJson::array();
  std::vector<std::string> ids, numbers;
  for (;;) {
    ids.clear();
    numbers.clear();
    int64_t last_row = -1;
    BC_RETURN_IF_ERROR(store_.ScanExecutions(q, [&](const ExecutionRow& row) -> Status {
      ids.emplace_back(row.id);
      numbers.emplace_back(row.contact_number);
      last_row = row.row_index;
      return Status::Ok();
    }));
    if (ids.empty()) break;
    BC_ASSIGN_OR_RETURN(auto decisions, decider.Decide(agent, batch, numbers, at));
    for (size_t i = 0; i < decisions.size(); ++i) {
      const Decision& d = decisions[i];
      if (d.verdict == Verdict::kEligible) ++eligible;
      if (d.verdict == Verdict::kHeld) ++held[d.reason];
      if (d.verdict == Verdict::kBlocked) ++blocked[d.reason];
      if (static_cast<int64_t>(listed.size()) < limit) {
        OrderedJson e = {{"id", ids[i]}, {"user_number", numbers[i]}, {"verdict", std::string(ToString(d.verdict))}};
        e["hold_reason"] = d.reason.empty() ? OrderedJson(nullptr) : OrderedJson(d.reason);
        e["eligible_at"] = d.verdict == Verdict::kHeld ? OrderedJson(FormatRfc3339(d.eligible_at))
                           : d.verdict == Verdict::kEligible ? OrderedJson(FormatRfc3339(at))
                                                             : OrderedJson(nullptr);
        e["time_zone"] = d.time_zone;
        listed.push_back(std::move(e));
      }
    }
    if (static_cast<int64_t>(ids.size()) < q.limit) break;
    q.after_row_index = last_row;
  }
  OrderedJson held_json = OrderedJson::object(), blocked_json = OrderedJson::object();
  for (const auto& [reason, n] : held) held_json[reason] = n;
  for (const auto& [reason, n] : blocked) blocked_json[reason] = n;
  OrderedJson body = {{"batch_id", batch.id},     {"at", FormatRfc3339(at)}, {"eligible", eligible},
                      {"held", held_json},        {"blocked", blocked_json}, {"executions", listed}};
  return JsonResponse(200, body.dump());
}

Result<HttpResponse> Api::GetDecisions(RouteContext& ctx) {
  const std::string& raw = ctx.Param("execution_id");
  auto id = NormalizeUuid(raw);
  if (!id) return NotFound("Execution " + raw.substr(0, 64) + " not found.");
  BC_ASSIGN_OR_RETURN(Execution e, store_.GetExecution(ctx.account_id, *id));
  BC_ASSIGN_OR_RETURN(auto attempts, store_.ListAttempts(e.id));
  BC_ASSIGN_OR_RETURN(auto holds, store_.ListHolds(e.id));
  // Oldest first: every hold and cancel, and every dial (an attempt begun).
  struct Entry {
    TimePoint at;
    OrderedJson json;
  };
  std::vector<Entry> entries;
  for (const HoldRecord& h : holds) {
    OrderedJson j = {{"at", FormatRfc3339(h.at)}, {"decision", h.canceled ? "canceled" : "held"},
                     {"reason", h.reason},        {"attempt", h.attempt}};
    j["eligible_at"] = h.until ? OrderedJson(FormatRfc3339(*h.until)) : OrderedJson(nullptr);
    entries.push_back({h.at, std::move(j)});
  }
  for (const Attempt& a : attempts) {
    OrderedJson j = {{"at", FormatRfc3339(a.started_at)}, {"decision", "dialled"}, {"reason", nullptr},
                     {"attempt", a.number},               {"eligible_at", nullptr}};
    entries.push_back({a.started_at, std::move(j)});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.at < y.at; });
  OrderedJson out = OrderedJson::array();
  for (Entry& entry : entries) out.push_back(std::move(entry.json));
  return JsonResponse(200, out.dump());
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
