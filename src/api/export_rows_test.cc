#include "api/export_rows.h"

#include <gtest/gtest.h>

#include <random>

#include "api/views.h"
#include "base/json.h"
#include "base/time.h"
#include "store/rules/codecs.h"

namespace batchcall {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// The stored text of one execution, written with the store's own codecs,
// and the row that points into it.
struct Stored {
  std::string id, contact_number, variables, agent_number, transcript, summary, extracted, telephony, error,
      history;
  std::optional<std::string> hold_reason;
  ExecutionRow row;

  void Point() {
    row.id = id;
    row.contact_number = contact_number;
    row.variables = variables;
    row.agent_number = agent_number;
    row.transcript = transcript;
    row.summary = summary;
    row.extracted_data = extracted;
    row.telephony_data = telephony;
    row.error_message = error;
    row.retry_history = history;
    if (hold_reason) row.hold_reason = *hold_reason;
  }
};

Batch TestBatch(std::vector<std::string> columns) {
  Batch b;
  b.id = "0123456789abcdef0123456789abcdef";
  b.account_id = "acct";
  b.agent_id = "agent-1";
  b.columns = std::move(columns);
  return b;
}

// Every way a stored value can be awkward: CSV and JSON specials, control
// characters, UTF-8, spreadsheet formula leads.
std::string AwkwardString(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {
      "a", "Ada", ",", "\"", "\\", "\n", "\r\n", "\t", "\x01", "\x1f", "\x7f", "é", "日本", "🙂", "=", "+", "-",
      "@", "+1", "-2.5", " ", "null", "{", "}", "[", "]", ":", "\\u0041"};
  std::string out;
  const int n = static_cast<int>(rng() % 6);
  for (int i = 0; i < n; ++i) out += kPieces[rng() % kPieces.size()];
  return out;
}

ExecutionStatus AnyStatus(std::mt19937& rng) {
  return kAllExecutionStatuses[rng() % std::size(kAllExecutionStatuses)];
}

double AwkwardDouble(std::mt19937& rng) {
  static const std::vector<double> kValues = {0, -0.0, 1, -5, 999999, 1e6, 1234567, 12.5, 3.0, 0.1, 1e-7, 1e15, 1e21, 123456.789, 2.5e-300,
                                              0.30000000000000004};
  return kValues[rng() % kValues.size()];
}

Stored RandomExecution(std::mt19937& rng, size_t columns) {
  Stored s;
  s.id = "0190a3c4-0000-7000-8000-" + std::to_string(100000000000 + rng() % 899999999999);
  s.contact_number = "+1415555" + std::to_string(1000 + rng() % 9000);
  std::vector<std::string> vars;
  // Usually one per column; sometimes fewer (an older row) or more.
  const size_t n = rng() % 5 == 0 ? rng() % (columns + 2) : columns;
  for (size_t i = 0; i < n; ++i) vars.push_back(AwkwardString(rng));
  s.variables = store_rules::JsonStringArray(vars);
  s.row.status = AnyStatus(rng);
  if (rng() % 2) s.agent_number = "+14155550100";
  s.row.conversation_duration = AwkwardDouble(rng);
  s.row.total_cost = AwkwardDouble(rng);
  s.row.answered_by_voice_mail = rng() % 2;
  if (rng() % 2) s.transcript = AwkwardString(rng);
  if (rng() % 2) s.summary = AwkwardString(rng);
  if (rng() % 2) {
    json x = {{"name", AwkwardString(rng)}, {"n", rng() % 100}, {"nested", {{"list", {1, "two", nullptr}}}},
              {"f", AwkwardDouble(rng)}};
    s.extracted = x.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (rng() % 3) {
    // As the engine writes it (store_rules::TelephonyData): a sorted object,
    // sometimes with provider extras, sometimes overriding a default.
    json t = {{"duration", rng() % 300}, {"to_number", s.contact_number}, {"from_number", nullptr},
              {"recording_url", rng() % 2 ? json("https://r.test/" + std::to_string(rng() % 99)) : json()},
              {"provider_call_id", "CA" + std::to_string(rng())}, {"provider", "simulator"},
              {"hangup_by", nullptr}, {"hangup_reason", AwkwardString(rng)}, {"ring_duration", AwkwardDouble(rng)}};
    if (rng() % 2) t["call_type"] = "outbound-api";
    if (rng() % 2) t["zz_extra"] = {{"a", {1, 2}}, {"b", "c"}};
    if (rng() % 2) t["answered_by"] = "machine_start";
    s.telephony = t.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  s.error = rng() % 3 == 0 ? AwkwardString(rng) : "";
  s.row.attempt_count = rng() % 4;
  s.row.retry_count = s.row.attempt_count > 0 ? s.row.attempt_count - 1 : 0;
  if (rng() % 2) {
    std::vector<AttemptSummary> h;
    for (int i = 0; i < static_cast<int>(rng() % 4); ++i)
      h.push_back({i + 1, AnyStatus(rng), FromUnixMillis(1780000000000 + rng() % 1000000)});
    s.history = store_rules::EncodeRetryHistory(h);
  }
  if (rng() % 2) s.row.next_attempt_at_ms = 1780000000000 + rng() % 100000000;
  if (rng() % 3 == 0) s.hold_reason = rng() % 2 ? "state_hours:FL" : "do_not_call";
  s.row.row_index = rng() % 1000000;
  s.row.line = s.row.row_index + 2;
  s.row.created_at_ms = 1780000000000 + rng() % 1000000;
  s.row.updated_at_ms = s.row.created_at_ms + rng() % 1000000;
  s.Point();
  return s;
}

// The CSV line as the export wrote it from Execution objects before it read
// stored rows: the reference for the row renderer.
std::string ReferenceCsv(const Execution& e) {
  std::string out;
  AppendCsvField(e.contact_number, &out);
  for (const auto& v : e.variables) {
    out.push_back(',');
    AppendCsvField(v, &out);
  }
  char number[32];
  std::snprintf(number, sizeof number, "%g", e.conversation_duration);
  out += ",";
  out += ToString(e.status);
  out += "," + std::to_string(e.attempt_count) + "," + number;
  out += e.answered_by_voice_mail ? ",true," : ",false,";
  AppendCsvField(e.error_message, &out);
  out += "," + FormatRfc3339(e.created_at) + "," + FormatRfc3339(e.updated_at) + "," + e.id + ",";
  if (e.hold_reason) AppendCsvField(*e.hold_reason, &out);
  out += "\r\n";
  return out;
}

TEST(ExportRows, JsonIsTheExecutionViewForEveryShape) {
  std::mt19937 rng(20261207);
  for (int i = 0; i < 3000; ++i) {
    const Batch batch = TestBatch(i % 7 == 0 ? std::vector<std::string>{} : std::vector<std::string>{"name", "plan", "note"});
    Stored s = RandomExecution(rng, batch.columns.size());
    auto e = store_rules::ToExecution(s.row, batch);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    std::string fast;
    ASSERT_TRUE(AppendExecutionJson(s.row, batch, &fast).ok());
    auto parsed = ParseOrderedJson(fast);
    ASSERT_TRUE(parsed.ok()) << fast;
    const ordered_json view = ExecutionView(*e, batch.columns);
    // ordered_json compares members in order: same members, same order, same values.
    ASSERT_EQ(*parsed, view) << "row " << i << "\nfast: " << fast << "\nview: " << view.dump();
  }
}

TEST(ExportRows, CsvIsTheReferenceLineForEveryShape) {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const Batch batch = TestBatch({"name", "plan"});
    Stored s = RandomExecution(rng, batch.columns.size());
    auto e = store_rules::ToExecution(s.row, batch);
    ASSERT_TRUE(e.ok());
    std::string fast;
    ASSERT_TRUE(AppendExecutionCsv(s.row, &fast).ok());
    ASSERT_EQ(fast, ReferenceCsv(*e)) << "row " << i;
  }
}

TEST(ExportRows, CsvLine) {
  Stored s;
  s.id = "e-1";
  s.contact_number = "+14155552671";
  s.variables = store_rules::JsonStringArray({"x,y", "=SUM(A1)", "say \"hi\""});
  s.row.status = ExecutionStatus::kCompleted;
  s.row.attempt_count = 2;
  s.row.conversation_duration = 12.5;
  s.row.created_at_ms = 1780000000000;
  s.row.updated_at_ms = 1780000000123;
  s.Point();
  std::string out;
  ASSERT_TRUE(AppendExecutionCsv(s.row, &out).ok());
  EXPECT_EQ(out,
            "+14155552671,\"x,y\",'=SUM(A1),\"say \"\"hi\"\"\",completed,2,12.5,false,,"
            "2026-05-28T20:26:40.000+00:00,2026-05-28T20:26:40.123+00:00,e-1,\r\n");
  s.hold_reason = "state_hours:FL";
  s.Point();
  out.clear();
  ASSERT_TRUE(AppendExecutionCsv(s.row, &out).ok());
  EXPECT_EQ(out.substr(out.size() - 21), ",e-1,state_hours:FL\r\n");
  EXPECT_EQ(ExecutionCsvHeader({"name", "a,b"}),
            "contact_number,name,\"a,b\",status,attempts,conversation_duration,answered_by_voice_mail,"
            "error_message,created_at,updated_at,execution_id,hold_reason\r\n");
}

TEST(ExportRows, MalformedStoredColumnsAreErrorsNotOutput) {
  const Batch batch = TestBatch({"name"});
  for (std::string_view vars : {"", "[", "[1]", "[\"a\",]", "{\"a\":1}", "[\"a\" \"b\"]", "[\"\\\"]"}) {
    Stored s;
    s.variables = vars;
    s.Point();
    std::string out;
    EXPECT_FALSE(AppendExecutionCsv(s.row, &out).ok()) << vars;
    EXPECT_FALSE(AppendExecutionJson(s.row, batch, &out).ok()) << vars;
  }
  for (std::string_view history : {"[", "[{\"attempt\":1}]", "[{\"attempt\":1,\"status\":\"nope\",\"at\":1}]",
                                   "[{\"attempt\":\"1\",\"status\":\"busy\",\"at\":1}]", "{}"}) {
    Stored s;
    s.variables = "[\"x\"]";
    s.history = history;
    s.Point();
    std::string out;
    EXPECT_FALSE(AppendExecutionJson(s.row, batch, &out).ok()) << history;
  }
  for (std::string_view bad : {"{", "{\"a\":}", "[1,", "{\"a\":1"}) {
    Stored s;
    s.variables = "[\"x\"]";
    s.telephony = bad;
    s.Point();
    std::string out;
    EXPECT_FALSE(AppendExecutionJson(s.row, batch, &out).ok()) << bad;
  }
  // extracted_data is copied as stored; a value cut short is caught.
  for (std::string_view bad : {"{", "[1,", "\"abc", "{\"a\":\"}"}) {
    Stored s;
    s.variables = "[\"x\"]";
    s.extracted = bad;
    s.Point();
    std::string out;
    EXPECT_FALSE(AppendExecutionJson(s.row, batch, &out).ok()) << bad;
  }
}

}  // namespace
}  // namespace batchcall
