// Execution routes: list (JSON, keyset pages, CSV export), get one, and the
// rejected-row report. Large results are streamed page by page.
#include <algorithm>
#include <memory>

#include "api/api.h"
#include "api/export_rows.h"
#include "api/views.h"
#include "base/ids.h"

namespace batchcall {
namespace {

constexpr int64_t kMaxPageLimit = 1000;

Result<std::vector<ExecutionStatus>> StatusFilter(const HttpRequest& req) {
  std::vector<ExecutionStatus> out;
  for (auto [it, end] = req.query.equal_range("status"); it != end; ++it) {
    std::string_view list = it->second;
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      if (!name.empty()) {
        auto s = ParseExecutionStatus(name);
        if (!s) {
          return InvalidArgument("status \"" + std::string(name.substr(0, 40)) +
                                 "\" is unknown; use execution statuses such as completed, no-answer, busy.");
        }
        out.push_back(*s);
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return out;
}

// Rows of the first page of a streamed listing (later pages are
// ApiOptions::stream_page_rows).
constexpr int64_t kFirstPageRows = 100;

// Produces the body of a streamed listing: a prefix, then rows fetched a page
// at a time, then a suffix. Holds only one page in memory.
class PagedStream {
 public:
  using Fetch = std::function<Result<std::vector<std::string>>(bool first)>;
  PagedStream(std::string prefix, std::string suffix, Fetch fetch)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)), fetch_(std::move(fetch)) {}

  std::optional<std::string> Next() {
    if (done_) return std::nullopt;
    std::string out;
    if (!started_) {
      started_ = true;
      out = prefix_;
    }
    auto rows = fetch_(first_page_);
    first_page_ = false;
    if (!rows.ok() || rows->empty()) {
      // A store failure mid-stream cannot change the status line any more; end
      // the body so the client sees a truncated (invalid) document.
      done_ = true;
      if (rows.ok()) out += suffix_;
      return out;
    }
    if (out.empty() && rows->size() == 1) return std::move(rows->front());  // no copy of a whole page
    for (auto& r : *rows) out += r;
    return out;
  }

 private:
  std::string prefix_, suffix_;
  Fetch fetch_;
  bool started_ = false, first_page_ = true, done_ = false;
};

HttpResponse StreamResponse(std::string content_type, std::shared_ptr<PagedStream> stream,
                            std::string disposition = "") {
  HttpResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  if (!disposition.empty()) r.headers.emplace_back("Content-Disposition", std::move(disposition));
  r.stream = [stream] { return stream->Next(); };
  return r;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

void Api::AddExecutionRoutes() {
  router_.Add("GET", "/batches/{batch_id}/executions", [this](RouteContext& c) { return ListExecutions(c); });
  router_.Add("GET", "/batches/{batch_id}/report", [this](RouteContext& c) { return GetReport(c); });
  router_.Add("GET", "/executions/{execution_id}", [this](RouteContext& c) { return GetExecution(c); });
  router_.Add("GET", "/executions/{execution_id}/decisions", [this](RouteContext& c) { return GetDecisions(c); });
}

Result<HttpResponse> Api::ListExecutions(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  auto statuses = StatusFilter(req);
  if (!statuses.ok()) return statuses.status();
  auto csv = api_internal::WantsCsv(req);
  if (!csv.ok()) return csv.status();

  ExecutionQuery q;
  q.account_id = ctx.account_id;
  q.batch_id = batch->id;
  q.statuses = *statuses;
  if (auto after = req.Query("after")) {
    auto id = NormalizeUuid(*after);
    auto e = id ? store_.GetExecution(ctx.account_id, *id) : Result<Execution>(NotFound(""));
    if (!e.ok() || e->batch_id != batch->id)
      return InvalidArgument("after must be the id of an execution of this batch.");
    q.after_row_index = e->row_index;
  }
  std::optional<int64_t> limit;
  if (auto l = req.Query("limit")) {
    char* end = nullptr;
    long long v = std::strtoll(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 1 || v > kMaxPageLimit)
      return InvalidArgument("limit must be a whole number from 1 to " + std::to_string(kMaxPageLimit) + ".");
    limit = v;
  }

  const Batch& b = *batch;
  if (limit) {
    q.limit = *limit + 1;
    q.csv_columns_only = *csv;
    HttpResponse r;
    r.body = *csv ? ExecutionCsvHeader(b.columns) : "[";
    int64_t rows = 0;
    std::string last_id;
    const bool as_csv = *csv;
    BC_RETURN_IF_ERROR(store_.ScanExecutions(q, [&](const ExecutionRow& row) -> Status {
      if (++rows > *limit) return Status::Ok();  // only says there is a next page
      last_id = row.id;
      if (as_csv) return AppendExecutionCsv(row, &r.body);
      if (rows > 1) r.body.push_back(',');
      return AppendExecutionJson(row, b, &r.body);
    }));
    if (!as_csv) r.body.push_back(']');
    r.headers.emplace_back("Content-Type", as_csv ? "text/csv; charset=utf-8" : "application/json");
    if (rows > *limit) {
      std::string next = "/batches/" + b.id + "/executions?limit=" + std::to_string(*limit) + "&after=" + last_id;
      if (auto s = req.Query("status")) next += "&status=" + UrlEncode(*s);
      if (as_csv && req.Query("format")) next += "&format=csv";
      r.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    }
    return r;
  }

  // No limit: stream every matching execution, one store page at a time,
  // each page rendered into one string straight from the stored rows.
  q.limit = options_.stream_page_rows;
  q.csv_columns_only = *csv;
  auto state = std::make_shared<ExecutionQuery>(q);
  auto shared_batch = std::make_shared<Batch>(b);
  Store* store = &store_;
  const bool as_csv = *csv;
  const int64_t page_rows = state->limit;
  auto row_bytes = std::make_shared<size_t>(as_csv ? 128 : 1024);
  auto fetch = [store, state, shared_batch, as_csv, page_rows, row_bytes](bool first) -> Result<std::vector<std::string>> {
    // A short first page: the first byte leaves at once, then full pages.
    state->limit = first ? std::min<int64_t>(page_rows, kFirstPageRows) : page_rows;
    std::vector<std::string> out;
    std::string& page = out.emplace_back();
    // Room for a page as big as the last one per row (one allocation a page).
    page.reserve(static_cast<size_t>(state->limit) * (*row_bytes + 64));
    int64_t rows = 0, last_row = 0;
    BC_RETURN_IF_ERROR(store->ScanExecutions(*state, [&](const ExecutionRow& row) -> Status {
      last_row = row.row_index;
      if (as_csv) return ++rows, AppendExecutionCsv(row, &page);
      if (!first || rows > 0) page.push_back(',');
      ++rows;
      return AppendExecutionJson(row, *shared_batch, &page);
    }));
    if (rows == 0) return std::vector<std::string>{};  // the end
    state->after_row_index = last_row;
    *row_bytes = std::max<size_t>(*row_bytes, page.size() / static_cast<size_t>(rows));
    return out;
  };
  if (as_csv) {
    return StreamResponse("text/csv; charset=utf-8",
                          std::make_shared<PagedStream>(ExecutionCsvHeader(b.columns), "", fetch),
                          "attachment; filename=\"executions-" + b.id + ".csv\"");
  }
  return StreamResponse("application/json", std::make_shared<PagedStream>("[", "]", fetch));
}

Result<HttpResponse> Api::GetExecution(RouteContext& ctx) {
  const std::string& raw = ctx.Param("execution_id");
  auto id = NormalizeUuid(raw);
  if (!id) return NotFound("Execution " + raw.substr(0, 64) + " not found.");
  auto e = store_.GetExecution(ctx.account_id, *id);
  if (!e.ok()) return e.status();
  auto batch = store_.GetBatch(ctx.account_id, e->batch_id);
  if (!batch.ok()) return batch.status();
  return JsonResponse(200, ExecutionView(*e, batch->columns).dump());
}

Result<HttpResponse> Api::GetReport(RouteContext& ctx) {
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  auto csv = api_internal::WantsCsv(ctx.request);
  if (!csv.ok()) return csv.status();
  auto after_line = std::make_shared<int64_t>(0);
  Store* store = &store_;
  std::string batch_id = batch->id;
  int64_t page_rows = options_.stream_page_rows;
  bool as_csv = *csv;
  auto fetch = [store, after_line, batch_id, page_rows, as_csv](bool first) -> Result<std::vector<std::string>> {
    auto page = store->ListRejects(batch_id, *after_line, page_rows);
    if (!page.ok()) return page.status();
    std::vector<std::string> rows;
    bool lead_comma = !first;
    for (const auto& r : *page) {
      if (as_csv) {
        rows.push_back(RejectCsvRow(r));
      } else {
        rows.push_back((lead_comma ? "," : "") + RejectView(r).dump());
        lead_comma = true;
      }
    }
    if (!page->empty()) *after_line = page->back().line;
    return rows;
  };
  if (as_csv) {
    return StreamResponse("text/csv; charset=utf-8", std::make_shared<PagedStream>(RejectCsvHeader(), "", fetch),
                          "attachment; filename=\"rejected-" + batch->id + ".csv\"");
  }
  return StreamResponse("application/json", std::make_shared<PagedStream>("[", "]", fetch));
}

}  // namespace batchcall
