#include "store/sqlite/sqlite_rows.h"

#include <nlohmann/json.hpp>

namespace batchcall::sqlite {
namespace {

using nlohmann::json;

using store_rules::DecodeGuardrails;
using store_rules::DecodeRetryConfig;
using store_rules::DecodeRetryHistory;
using store_rules::EncodeGuardrails;
using store_rules::EncodeRetryConfig;
using store_rules::JsonStringArray;
using store_rules::OpenProvider;
using store_rules::ParseJsonStringArray;
using store_rules::SealProvider;

std::optional<std::string> OptionalText(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Text(col);
}

std::optional<TimePoint> OptionalTime(const Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return FromUnixMillis(st.Int(col));
}

}  // namespace

void BindAgent(Statement& st, const Agent& a, const SecretBox* box) {
  st.Bind(1, a.id).Bind(2, a.account_id).Bind(3, a.name).Bind(4, a.provider_type);
  st.Bind(5, SealProvider(a.provider, box)).Bind(6, JsonStringArray(a.from_phone_numbers));
  st.Bind(7, a.webhook_url).Bind(8, a.welcome_message);
  if (a.calling_guardrails) {
    st.Bind(9, EncodeGuardrails(*a.calling_guardrails));
  } else {
    st.BindNull(9);
  }
  st.Bind(10, a.max_concurrency).Bind(11, a.calls_per_second);
  if (a.retry_config) {
    st.Bind(12, EncodeRetryConfig(*a.retry_config));
  } else {
    st.BindNull(12);
  }
  st.Bind(13, static_cast<int64_t>(ToUnixMillis(a.created_at)));
  st.Bind(14, static_cast<int64_t>(ToUnixMillis(a.updated_at)));
  if (a.contact_limits.empty()) {
    st.BindNull(15);
  } else {
    st.Bind(15, store_rules::EncodeContactLimits(a.contact_limits));
  }
}

Result<Agent> ReadAgent(const Statement& st, const SecretBox* box) {
  Agent a;
  a.id = st.Text(0);
  a.account_id = st.Text(1);
  a.name = st.Text(2);
  a.provider_type = st.Text(3);
  BC_ASSIGN_OR_RETURN(auto provider, OpenProvider(st.TextView(4), box));
  a.provider = std::move(provider);
  BC_ASSIGN_OR_RETURN(auto from, ParseJsonStringArray(st.TextView(5)));
  a.from_phone_numbers = std::move(from);
  a.webhook_url = OptionalText(st, 6);
  a.welcome_message = st.Text(7);
  if (!st.IsNull(8)) {
    BC_ASSIGN_OR_RETURN(auto g, DecodeGuardrails(st.TextView(8)));
    a.calling_guardrails = g;
  }
  a.max_concurrency = static_cast<int>(st.Int(9));
  a.calls_per_second = st.Double(10);
  if (!st.IsNull(11)) {
    BC_ASSIGN_OR_RETURN(auto r, DecodeRetryConfig(st.TextView(11)));
    a.retry_config = r;
  }
  a.created_at = FromUnixMillis(st.Int(12));
  a.updated_at = FromUnixMillis(st.Int(13));
  if (!st.IsNull(14)) {
    BC_ASSIGN_OR_RETURN(a.contact_limits, store_rules::DecodeContactLimits(st.TextView(14)));
  }
  return a;
}

Result<Batch> ReadBatch(const Statement& st, int64_t* seq) {
  Batch b;
  if (seq) *seq = st.Int(0);
  b.id = st.Text(1);
  b.account_id = st.Text(2);
  b.agent_id = st.Text(3);
  auto status = ParseBatchStatus(st.TextView(4));
  if (!status) return Internal("stored batch status is unknown: " + st.Text(4));
  b.status = *status;
  b.scheduled_at = OptionalTime(st, 5);
  b.created_at = FromUnixMillis(st.Int(6));
  b.updated_at = FromUnixMillis(st.Int(7));
  b.file_name = st.Text(8);
  b.total_contacts = st.Int(9);
  b.valid_contacts = st.Int(10);
  b.invalid_contacts = st.Int(11);
  BC_ASSIGN_OR_RETURN(auto columns, ParseJsonStringArray(st.TextView(12)));
  b.columns = std::move(columns);
  BC_ASSIGN_OR_RETURN(auto from, ParseJsonStringArray(st.TextView(13)));
  b.from_phone_numbers = std::move(from);
  if (!st.IsNull(14)) {
    BC_ASSIGN_OR_RETURN(auto r, DecodeRetryConfig(st.TextView(14)));
    b.retry_config = r;
  }
  b.webhook_url = OptionalText(st, 15);
  auto mode = ParsePhoneValidationMode(st.TextView(16));
  if (!mode) return Internal("stored phone_validation is unknown: " + st.Text(16));
  b.phone_validation = *mode;
  b.default_country = st.Text(17);
  b.allow_duplicates = st.Int(18) != 0;
  b.bypass_call_guardrails = st.Int(19) != 0;
  return b;
}

Result<ExecutionRow> ReadExecutionCsvRow(const Statement& st) {
  ExecutionRow e;
  e.id = st.TextView(1);
  e.row_index = st.Int(3);
  e.contact_number = st.TextView(5);
  e.variables = st.TextView(6);
  auto status = ParseExecutionStatus(st.TextView(7));
  if (!status) return Internal("stored execution status is unknown: " + st.Text(7));
  e.status = *status;
  e.conversation_duration = st.Double(9);
  e.answered_by_voice_mail = st.Int(11) != 0;
  e.error_message = st.TextView(16);
  e.attempt_count = st.Int(18);
  e.created_at_ms = st.Int(21);
  e.updated_at_ms = st.Int(22);
  if (!st.IsNull(23)) e.hold_reason = st.TextView(23);
  return e;
}

Result<ExecutionRow> ReadExecutionRow(const Statement& st) {
  BC_ASSIGN_OR_RETURN(auto e, ReadExecutionCsvRow(st));
  e.line = st.Int(4);
  e.agent_number = st.TextView(8);
  e.total_cost = st.Double(10);
  e.transcript = st.TextView(12);
  e.summary = st.TextView(13);
  if (!st.IsNull(14)) e.extracted_data = st.TextView(14);
  if (!st.IsNull(15)) e.telephony_data = st.TextView(15);
  e.retry_count = st.Int(17);
  if (!st.IsNull(19)) e.retry_history = st.TextView(19);
  if (!st.IsNull(20)) e.next_attempt_at_ms = st.Int(20);
  return e;
}

Result<Execution> ReadExecution(const Statement& st, const Batch& batch) {
  BC_ASSIGN_OR_RETURN(auto row, ReadExecutionRow(st));
  return store_rules::ToExecution(row, batch);
}

Attempt ReadAttempt(const Statement& st) {
  Attempt a;
  a.id = st.Text(0);
  a.execution_id = st.Text(1);
  a.agent_id = st.Text(2);
  a.number = static_cast<int>(st.Int(3));
  a.idempotency_key = st.Text(4);
  a.provider_call_id = st.Text(5);
  a.from_number = st.Text(6);
  a.status = ParseExecutionStatus(st.TextView(7)).value_or(ExecutionStatus::kError);
  a.started_at = FromUnixMillis(st.Int(8));
  a.ended_at = OptionalTime(st, 9);
  return a;
}

OpenAttempt ReadOpenAttempt(const Statement& st) {
  OpenAttempt o;
  o.attempt = ReadAttempt(st);
  o.account_id = st.Text(10);
  o.batch_id = st.Text(11);
  o.retry_count = static_cast<int>(st.Int(12));
  o.contact_number = st.Text(13);
  o.closed = o.attempt.ended_at.has_value();
  return o;
}

}  // namespace batchcall::sqlite
