#include "cli/client_actions.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "base/json.h"
#include "cli/client_format.h"
#include "cli/progress.h"
#include "domain/states.h"

namespace batchcall::cli {
namespace {

constexpr size_t kReportPreviewRows = 20;
constexpr int kExecutionsPageSize = 500;

using Json = nlohmann::json;

std::string BatchPath(const std::string& batch_id) { return StrCat({"/batches/", UrlEncode(batch_id)}); }

// The JSON body of a 2xx response, or nullopt after telling `err`.
std::optional<Json> JsonBody(const ClientResponse& r, std::ostream& err) {
  auto parsed = ParseJson(r.body);
  if (!parsed.ok()) {
    err << "error: the server sent an unexpected response (HTTP " << r.status << ", not JSON)\n";
    return std::nullopt;
  }
  return std::move(parsed).value();
}

std::string Str(const Json& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t Int(const Json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Prints the raw body of a 2xx response (for --json).
int PrintRaw(const ClientResponse& r, std::ostream& out) {
  out << r.body;
  if (r.body.empty() || r.body.back() != '\n') out << '\n';
  return kExitOk;
}

// Prints up to kReportPreviewRows rejected rows of a batch, read from the
// start of the CSV report (the rest is never downloaded).
void PrintRejectedPreview(const HttpClient& http, const std::string& batch_id, int64_t rejected,
                          std::ostream& out, std::ostream& err) {
  std::string text;
  auto enough = [&] {
    size_t lines = 0;
    for (char c : text) lines += c == '\n';
    return lines > kReportPreviewRows + 1;
  };
  bool stopped_early = false;
  auto r = http.GetStreaming(BatchPath(batch_id) + "/report?format=csv", [&](std::string_view chunk) {
    text.append(chunk);
    if (enough()) {
      stopped_early = true;
      return false;
    }
    return true;
  });
  if (!r.ok() || !r->ok()) {
    err << "(could not fetch the rejected rows: ";
    err << (r.ok() ? StrCat({"HTTP ", std::to_string(r->status)}) : r.status().message()) << ")\n";
    return;
  }
  auto records = SplitCsvRecords(text, kReportPreviewRows + 1, !stopped_early);
  if (records.size() <= 1) return;
  std::vector<TableColumn> columns;
  for (const auto& h : records[0]) columns.push_back({h, h == "line" ? Align::kRight : Align::kLeft, 0});
  std::vector<std::vector<std::string>> rows(records.begin() + 1, records.end());
  out << "rejected rows:\n" << RenderTable(columns, rows);
  int64_t more = rejected - static_cast<int64_t>(rows.size());
  if (more > 0) {
    out << "... and " << more << " more (full list: GET /batches/" << batch_id << "/report?format=csv)\n";
  }
}

std::string ByCode(const Json& j) {
  auto it = j.find("rejected_by_code");
  if (it == j.end() || !it->is_object() || it->empty()) return "";
  std::string out;
  for (const auto& [code, n] : it->items()) {
    if (!out.empty()) out += ", ";
    out += code + ": " + n.dump();
  }
  return " (" + out + ")";
}

}  // namespace

int ReportFailure(const Result<ClientResponse>& r, std::ostream& err) {
  if (!r.ok()) {
    err << r.status().message() << "\n";
    return kExitUsage;
  }
  err << RenderApiError(r->status, r->body);
  if (r->status == 401) err << "hint: pass --api-key or set BATCHCALL_API_KEY\n";
  return kExitApiError;
}

int RunCreate(const HttpClient& http, const CreateArgs& args, std::ostream& out, std::ostream& err,
              std::string* batch_id) {
  std::vector<FormField> fields = {{"agent_id", args.agent_id}};
  for (const auto& n : args.from_numbers) fields.push_back({"from_phone_numbers", n});
  if (!args.retry_config.empty()) fields.push_back({"retry_config", args.retry_config});
  if (!args.webhook_url.empty()) fields.push_back({"webhook_url", args.webhook_url});
  if (!args.phone_validation.empty()) fields.push_back({"phone_validation", args.phone_validation});
  if (!args.default_country.empty()) fields.push_back({"default_country", args.default_country});
  if (args.allow_duplicates) fields.push_back({"allow_duplicates", "true"});
  auto r = http.PostMultipart("/batches", fields, {{"file", args.file, "", "text/csv"}});
  if (!r.ok() || !r->ok()) return ReportFailure(r, err);
  auto j = JsonBody(*r, err);
  if (!j) return kExitApiError;
  std::string id = Str(*j, "batch_id");
  if (batch_id) *batch_id = id;
  if (args.json) return PrintRaw(*r, out);
  int64_t rejected = Int(*j, "invalid_contacts");
  out << "batch " << id << " created\n";
  out << "contacts: " << Int(*j, "total_contacts") << " rows, " << Int(*j, "valid_contacts") << " valid / "
      << rejected << " rejected" << ByCode(*j) << "\n";
  if (rejected > 0) PrintRejectedPreview(http, id, rejected, out, err);
  return kExitOk;
}

int RunSchedule(const HttpClient& http, const ScheduleArgs& args, std::ostream& out, std::ostream& err) {
  std::vector<FormField> fields = {{"scheduled_at", args.at}};
  if (args.bypass_guardrails) fields.push_back({"bypass_call_guardrails", "true"});
  auto r = http.PostForm(BatchPath(args.batch_id) + "/schedule", fields);
  if (!r.ok() || !r->ok()) return ReportFailure(r, err);
  if (args.json) return PrintRaw(*r, out);
  auto j = JsonBody(*r, err);
  if (!j) return kExitApiError;
  out << "batch " << args.batch_id << " scheduled for " << Str(*j, "scheduled_at", "?");
  if (args.bypass_guardrails) out << " (calling hours ignored)";
  out << "\n";
  return kExitOk;
}

int RunStatus(const HttpClient& http, const std::string& batch_id, bool json, std::ostream& out,
              std::ostream& err) {
  auto r = http.Get(BatchPath(batch_id));
  if (!r.ok() || !r->ok()) return ReportFailure(r, err);
  if (json) return PrintRaw(*r, out);
  auto j = JsonBody(*r, err);
  if (!j) return kExitApiError;
  ProgressSnapshot s = SnapshotFromBatchJson(*j, std::chrono::milliseconds(0));
  std::string created = Str(*j, "created_at");
  std::string humanized = Str(*j, "humanized_created_at");
  if (!humanized.empty()) created.append(" (").append(humanized).append(")");
  std::string progress = StrCat({"[", RenderProgressBar(s.done, s.in_flight, s.total, 20), "] ",
                                 std::to_string(s.done), "/", std::to_string(s.total), " done, ",
                                 std::to_string(s.in_flight), " in flight, ", std::to_string(s.pending), " pending"});
  std::string statuses;
  for (const auto& c : OrderStatusCounts(s.by_status)) {
    if (!statuses.empty()) statuses += ", ";
    statuses += c.status + " " + std::to_string(c.count);
  }
  std::vector<std::vector<std::string>> rows = {
      {"batch", Str(*j, "batch_id")},
      {"status", Str(*j, "status")},
      {"agent", Str(*j, "agent_id")},
      {"file", Str(*j, "file_name")},
      {"created", created},
      {"scheduled_at", Str(*j, "scheduled_at", "(not scheduled)")},
      {"contacts", std::to_string(Int(*j, "total_contacts")) + " rows, " +
                       std::to_string(Int(*j, "valid_contacts")) + " valid / " +
                       std::to_string(Int(*j, "invalid_contacts")) + " rejected"},
      {"progress", progress},
      {"executions", statuses.empty() ? "(none)" : statuses},
  };
  out << RenderTable({{"", Align::kLeft, 0}, {"", Align::kLeft, 0}}, rows, /*with_header=*/false);
  return kExitOk;
}

int RunPreview(const HttpClient& http, const PreviewArgs& args, std::ostream& out, std::ostream& err) {
  std::string path = StrCat({BatchPath(args.batch_id), "/preview?limit=", std::to_string(args.limit)});
  if (!args.at.empty()) path += StrCat({"&at=", UrlEncode(args.at)});
  auto r = http.Get(path);
  if (!r.ok() || !r->ok()) return ReportFailure(r, err);
  if (args.json) return PrintRaw(*r, out);
  auto j = JsonBody(*r, err);
  if (!j) return kExitApiError;
  auto counts = [&](const char* key) {
    std::string text;
    if (auto it = j->find(key); it != j->end() && it->is_object()) {
      for (const auto& [reason, n] : it->items())
        text += StrCat({text.empty() ? "" : ", ", reason, " ", std::to_string(n.get<int64_t>())});
    }
    return text.empty() ? std::string("(none)") : text;
  };
  std::vector<std::vector<std::string>> summary = {
      {"batch", Str(*j, "batch_id")},
      {"at", Str(*j, "at")},
      {"eligible", std::to_string(Int(*j, "eligible"))},
      {"held", counts("held")},
      {"blocked", counts("blocked")},
  };
  out << RenderTable({{"", Align::kLeft, 0}, {"", Align::kLeft, 0}}, summary, /*with_header=*/false);
  std::vector<std::vector<std::string>> rows;
  if (auto list = j->find("executions"); list != j->end() && list->is_array()) {
    for (const auto& e : *list)
      rows.push_back({Str(e, "user_number"), Str(e, "verdict"), Str(e, "hold_reason", "-"), Str(e, "eligible_at", "-")});
  }
  if (!rows.empty()) {
    out << '\n'
        << RenderTable({{"number", Align::kLeft, 0}, {"verdict", Align::kLeft, 0}, {"reason", Align::kLeft, 0},
                        {"eligible at", Align::kLeft, 0}},
                       rows, /*with_header=*/true);
  }
  return kExitOk;
}

int RunExecutions(const HttpClient& http, const ExecutionsArgs& args, std::ostream& out, std::ostream& err) {
  std::string filter = args.statuses.empty() ? "" : StrCat({"status=", UrlEncode(args.statuses)});
  if (args.csv || args.json) {
    std::string path = BatchPath(args.batch_id) + "/executions";
    std::string query = args.csv ? "format=csv" : "";
    if (!filter.empty()) query += (query.empty() ? "" : "&") + filter;
    if (!query.empty()) path += "?" + query;
    auto r = http.GetStreaming(path, [&](std::string_view chunk) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return static_cast<bool>(out);
    });
    if (!r.ok() || !r->ok()) return ReportFailure(r, err);
    if (args.json) out << '\n';
    out.flush();
    return kExitOk;
  }
  // A table, fetched page by page so a large batch never sits in memory.
  const std::vector<TableColumn> columns = {{"contact_number", Align::kLeft, 16},
                                            {"status", Align::kLeft, 17},
                                            {"attempts", Align::kRight, 8},
                                            {"duration", Align::kRight, 8},
                                            {"error", Align::kLeft, 0}};
  std::string after;
  int64_t shown = 0;
  for (bool first = true;; first = false) {
    std::string path = BatchPath(args.batch_id) + "/executions?limit=" + std::to_string(kExecutionsPageSize);
    if (!filter.empty()) path += "&" + filter;
    if (!after.empty()) path += StrCat({"&after=", UrlEncode(after)});
    auto r = http.Get(path);
    if (!r.ok() || !r->ok()) return ReportFailure(r, err);
    auto j = JsonBody(*r, err);
    if (!j) return kExitApiError;
    if (!j->is_array()) {
      err << "error: the server sent an unexpected response (not a list of executions)\n";
      return kExitApiError;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : *j) {
      std::string status = Str(e, "status");
      int64_t attempts = Int(e, "attempts");
      if (!e.contains("attempts")) {  // older servers: derive it from retry_count
        auto parsed = ParseExecutionStatus(status);
        int64_t retries = Int(e, "retry_count");
        attempts = parsed && IsPreDial(*parsed) && retries == 0 ? 0 : retries + 1;
      }
      double seconds = e.contains("conversation_duration") && e["conversation_duration"].is_number()
                           ? e["conversation_duration"].get<double>()
                           : 0;
      rows.push_back({Str(e, "user_number"), status, std::to_string(attempts), FormatDuration(seconds),
                      Str(e, "error_message")});
      after = Str(e, "id");
    }
    if (first || !rows.empty()) out << RenderTable(columns, rows, /*with_header=*/first);
    shown += static_cast<int64_t>(rows.size());
    bool more = r->Header("Link").value_or("").find("rel=\"next\"") != std::string::npos;
    if (!more || rows.empty()) break;
  }
  out << shown << (shown == 1 ? " execution" : " executions") << "\n";
  return kExitOk;
}

int RunBatchAction(const HttpClient& http, const std::string& batch_id, const std::string& verb, bool json,
                   std::ostream& out, std::ostream& err) {
  auto r = http.PostForm(BatchPath(batch_id) + "/" + verb, {});
  if (!r.ok() || !r->ok()) return ReportFailure(r, err);
  if (json) return PrintRaw(*r, out);
  auto j = JsonBody(*r, err);
  if (!j) return kExitApiError;
  std::string state = Str(*j, "state", "?");
  out << "batch " << batch_id << " ";
  if (verb == "resume") {
    out << "resumed (now " << state << ")\n";
  } else {
    out << state << "\n";
  }
  return kExitOk;
}

}  // namespace batchcall::cli
