#include "api/export_rows.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "api/views.h"
#include "base/json_scan.h"
#include "base/time.h"
#include "store/rules/codecs.h"

namespace batchcall {
namespace {

using namespace std::string_view_literals;  // literal appends without strlen

Status Malformed(std::string_view what) {
  return Internal("stored " + std::string(what) + " of an execution is malformed");
}

void AppendInt(int64_t v, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out->append(digits, ec == std::errc() ? end : digits);
}

// A double as JSON: the shortest text that reads back as the same value, with
// ".0" on whole numbers as nlohmann writes them; null when not finite.
void AppendJsonDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null"sv);
    return;
  }
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  if (ec != std::errc()) end = digits;
  std::string_view text(digits, static_cast<size_t>(end - digits));
  out->append(text);
  if (text.find_first_of(".e") == std::string_view::npos) out->append(".0"sv);
}

// printf's "%g" (what the CSV export has always written): whole numbers
// below 1e6 are their digits, anything else goes through snprintf.
void AppendPrintfG(double v, std::string* out) {
  if (v == std::floor(v) && std::fabs(v) < 1e6 && !(v == 0 && std::signbit(v))) {
    AppendInt(static_cast<int64_t>(v), out);
    return;
  }
  char number[32];
  const int n = std::snprintf(number, sizeof number, "%g", v);
  out->append(number, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof number) - 1)));
}

void AppendTimeMs(int64_t ms, std::string* out) { AppendRfc3339(FromUnixMillis(ms), out); }

void AppendJsonTime(int64_t ms, std::string* out) {
  out->push_back('"');
  AppendTimeMs(ms, out);
  out->push_back('"');
}

// StringOrNull of views.cc: empty is null.
void AppendStringOrNull(std::string_view v, std::string* out) {
  if (v.empty()) {
    out->append("null"sv);
  } else {
    AppendJsonString(v, out);
  }
}

// telephony_data: these members first, in this order (their values from the
// stored object when it has them), then the stored object's other members in
// its order: the member order of ExecutionView's merge.
struct TelephonyDefault {
  std::string_view key;
  bool to_number;     // the default is the contact's number
  bool from_number;   // the default is the agent number (or null)
  std::string_view literal;  // otherwise this JSON text
};
constexpr std::array<TelephonyDefault, 10> kTelephonyDefaults = {{
    {"duration", false, false, "null"},
    {"to_number", true, false, ""},
    {"from_number", false, true, ""},
    {"recording_url", false, false, "null"},
    {"provider_call_id", false, false, "null"},
    {"call_type", false, false, "\"outbound\""},
    {"provider", false, false, "null"},
    {"hangup_by", false, false, "null"},
    {"hangup_reason", false, false, "null"},
    {"ring_duration", false, false, "null"},
}};

Status AppendTelephony(const ExecutionRow& row, std::string* out) {
  // The stored members (at most a few dozen: the engine writes ten or so).
  struct Member {
    std::string_view key, value;
    bool used = false;
  };
  thread_local std::vector<Member> stored;  // kept by the thread: no allocation per row
  stored.clear();
  if (!row.telephony_data.empty()) {
    bool object = ForEachJsonMember(row.telephony_data, [](std::string_view k, std::string_view v) {
      for (auto& m : stored) {
        if (m.key == k) {  // a repeated key: the last one wins, as in a parse
          m.value = v;
          return;
        }
      }
      stored.push_back({k, v});
    });
    // Not an object (never written so): ExecutionView shows the defaults.
    if (!object) {
      const size_t lead = row.telephony_data.find_first_not_of(" \t\r\n");
      if (!IsOneJsonValue(row.telephony_data) || row.telephony_data[lead] == '{') return Malformed("telephony_data");
      stored.clear();
    }
  }
  out->push_back('{');
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(k);
    out->append("\":"sv);
  };
  for (const TelephonyDefault& d : kTelephonyDefaults) {
    key(d.key);
    Member* m = nullptr;
    for (auto& s : stored) {
      if (s.key == d.key) m = &s;
    }
    if (m != nullptr) {
      m->used = true;
      out->append(m->value);
    } else if (d.to_number) {
      AppendJsonString(row.contact_number, out);
    } else if (d.from_number) {
      AppendStringOrNull(row.agent_number, out);
    } else {
      out->append(d.literal);
    }
  }
  for (const auto& m : stored) {
    if (m.used) continue;
    key(m.key);
    out->append(m.value);
  }
  out->push_back('}');
  return Status::Ok();
}

// retry_history: [{"attempt":n,"status":"...","at":"<RFC 3339>"}, ...] from
// the stored [{"at":ms,"attempt":n,"status":"..."}].
Status AppendHistory(const ExecutionRow& row, std::string* out) {
  out->push_back('[');
  if (row.retry_history.empty()) {
    out->push_back(']');
    return Status::Ok();
  }
  bool ok = true, first = true;
  const bool array = ForEachJsonElement(row.retry_history, [&](std::string_view element) {
    std::string_view attempt, status, at;
    if (!ForEachJsonMember(element, [&](std::string_view k, std::string_view v) {
          if (k == "attempt") attempt = v;
          if (k == "status") status = v;
          if (k == "at") at = v;
        })) {
      ok = false;
      return;
    }
    int64_t at_ms = 0;
    auto [end, ec] = std::from_chars(at.data(), at.data() + at.size(), at_ms);
    int64_t attempt_n = 0;
    auto [aend, aec] = std::from_chars(attempt.data(), attempt.data() + attempt.size(), attempt_n);
    if (ec != std::errc() || end != at.data() + at.size() || aec != std::errc() ||
        aend != attempt.data() + attempt.size() || status.size() < 2 || status.front() != '"' ||
        !ParseExecutionStatus(status.substr(1, status.size() - 2))) {
      ok = false;
      return;
    }
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"attempt\":"sv);
    AppendInt(attempt_n, out);
    out->append(",\"status\":"sv);
    out->append(status);
    out->append(",\"at\":"sv);
    AppendJsonTime(at_ms, out);
    out->push_back('}');
  });
  if (!array || !ok) return Malformed("retry_history");
  out->push_back(']');
  return Status::Ok();
}

// recipient_data: {"<column>": "<variable>", ...}, a missing variable "".
Status AppendRecipientData(const ExecutionRow& row, const std::vector<std::string>& columns, std::string* out) {
  out->push_back('{');
  size_t i = 0;
  const bool ok = store_rules::ForEachJsonString(row.variables, [&](std::string_view body, bool) {
    if (i >= columns.size()) return;
    if (i) out->push_back(',');
    AppendJsonString(columns[i], out);
    out->append(":\""sv);
    out->append(body);  // stored escaped: copied as it is
    out->push_back('"');
    ++i;
  });
  if (!ok) return Malformed("variables");
  for (; i < columns.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(columns[i], out);
    out->append(":\"\""sv);
  }
  out->push_back('}');
  return Status::Ok();
}

}  // namespace

std::string ExecutionCsvHeader(const std::vector<std::string>& columns) {
  std::string line = "contact_number";
  for (const auto& c : columns) line += "," + CsvField(c);
  line +=
      ",status,attempts,conversation_duration,answered_by_voice_mail,error_message,created_at,"
      "updated_at,execution_id,hold_reason\r\n";
  return line;
}

Status AppendExecutionCsv(const ExecutionRow& row, std::string* out) {
  AppendCsvField(row.contact_number, out);
  Status variables = Status::Ok();
  const bool ok = store_rules::ForEachJsonString(row.variables, [&](std::string_view body, bool escaped) {
    out->push_back(',');
    if (!escaped) {
      AppendCsvField(body, out);
      return;
    }
    auto value = store_rules::UnescapeJsonString(body);
    if (!value.ok()) {
      variables = value.status();
      return;
    }
    AppendCsvField(*value, out);
  });
  if (!ok) return Malformed("variables");
  BC_RETURN_IF_ERROR(variables);
  out->push_back(',');
  out->append(ToString(row.status));
  out->push_back(',');
  AppendInt(row.attempt_count, out);
  out->push_back(',');
  AppendPrintfG(row.conversation_duration, out);
  out->append(row.answered_by_voice_mail ? ",true," : ",false,");
  AppendCsvField(row.error_message, out);
  out->push_back(',');
  AppendTimeMs(row.created_at_ms, out);
  out->push_back(',');
  AppendTimeMs(row.updated_at_ms, out);
  out->push_back(',');
  out->append(row.id);
  out->push_back(',');
  if (row.hold_reason) AppendCsvField(*row.hold_reason, out);
  out->append("\r\n"sv);
  return Status::Ok();
}

Status AppendExecutionJson(const ExecutionRow& row, const Batch& batch, std::string* out) {
  const std::string_view status = ToString(row.status);
  // Each written twice: formatted once (into buffers kept by the thread: no
  // allocation per row).
  thread_local std::string created, updated;
  created.clear();
  updated.clear();
  AppendJsonTime(row.created_at_ms, &created);
  AppendJsonTime(row.updated_at_ms, &updated);
  out->append("{\"id\":"sv);
  AppendJsonString(row.id, out);
  out->append(",\"agent_id\":"sv);
  AppendJsonString(batch.agent_id, out);
  out->append(",\"batch_id\":"sv);
  AppendJsonString(batch.id, out);
  out->append(",\"status\":\""sv);
  out->append(status);
  out->append("\",\"user_number\":"sv);
  AppendJsonString(row.contact_number, out);
  out->append(",\"agent_number\":"sv);
  AppendStringOrNull(row.agent_number, out);
  out->append(",\"conversation_duration\":"sv);
  AppendJsonDouble(row.conversation_duration, out);
  out->append(",\"total_cost\":"sv);
  AppendJsonDouble(row.total_cost, out);
  out->append(row.answered_by_voice_mail ? ",\"answered_by_voice_mail\":true" : ",\"answered_by_voice_mail\":false");
  out->append(",\"transcript\":"sv);
  AppendStringOrNull(row.transcript, out);
  out->append(",\"summary\":"sv);
  AppendStringOrNull(row.summary, out);
  out->append(",\"extracted_data\":"sv);
  if (row.extracted_data.empty()) {
    out->append("null"sv);
  } else {
    if (!IsOneJsonValue(row.extracted_data)) return Malformed("extracted_data");
    out->append(row.extracted_data);
  }
  out->append(",\"error_message\":"sv);
  AppendStringOrNull(row.error_message, out);
  out->append(",\"created_at\":"sv).append(created);
  out->append(",\"updated_at\":"sv).append(updated);
  out->append(",\"telephony_data\":"sv);
  BC_RETURN_IF_ERROR(AppendTelephony(row, out));
  out->append(",\"context_details\":{\"recipient_data\":"sv);
  BC_RETURN_IF_ERROR(AppendRecipientData(row, batch.columns, out));
  out->append(",\"recipient_phone_number\":"sv);
  AppendJsonString(row.contact_number, out);
  out->append("},\"batch_run_details\":{\"status\":\""sv);
  out->append(status);
  out->append("\",\"created_at\":"sv).append(created);
  out->append(",\"updated_at\":"sv).append(updated);
  out->append(",\"retried\":"sv);
  AppendInt(row.retry_count, out);
  out->append("},\"retry_count\":"sv);
  AppendInt(row.retry_count, out);
  out->append(",\"retry_history\":"sv);
  BC_RETURN_IF_ERROR(AppendHistory(row, out));
  out->append(",\"attempts\":"sv);
  AppendInt(row.attempt_count, out);
  out->append(",\"next_attempt_at\":"sv);
  if (row.next_attempt_at_ms) {
    AppendJsonTime(*row.next_attempt_at_ms, out);
  } else {
    out->append("null"sv);
  }
  out->append(",\"hold_reason\":"sv);
  if (row.hold_reason) {
    AppendJsonString(*row.hold_reason, out);
  } else {
    out->append("null"sv);
  }
  out->push_back('}');
  return Status::Ok();
}

}  // namespace batchcall
