#include "store/postgres/pg_rows.h"

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "store/rules/codecs.h"

namespace batchcall::pg {
std::optional<std::string> Row::OptionalText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<TimePoint> Row::OptionalTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return FromUnixMillis(Int(col));
}

void AddAgent(Params& p, const Agent& a, const SecretBox* box) {
  p.Add(a.id).Add(a.account_id).Add(a.name).Add(a.provider_type);
  p.Add(store_rules::SealProvider(a.provider, box))
      .Add(store_rules::JsonStringArray(a.from_phone_numbers));
  p.Add(a.webhook_url).Add(a.welcome_message);
  if (a.calling_guardrails) {
    p.Add(store_rules::EncodeGuardrails(*a.calling_guardrails));
  } else {
    p.AddNull();
  }
  p.Add(static_cast<int64_t>(a.max_concurrency)).Add(a.calls_per_second);
  if (a.retry_config) {
    p.Add(store_rules::EncodeRetryConfig(*a.retry_config));
  } else {
    p.AddNull();
  }
  p.Add(store_rules::Millis(a.created_at)).Add(store_rules::Millis(a.updated_at));
  if (a.contact_limits.empty()) {
    p.AddNull();
  } else {
    p.Add(store_rules::EncodeContactLimits(a.contact_limits));
  }
}

Result<Agent> ReadAgent(const Row& r, const SecretBox* box) {
  Agent a;
  a.id = r.Text(0);
  a.account_id = r.Text(1);
  a.name = r.Text(2);
  a.provider_type = r.Text(3);
  BC_ASSIGN_OR_RETURN(auto provider, store_rules::OpenProvider(r.TextView(4), box));
  a.provider = std::move(provider);
  BC_ASSIGN_OR_RETURN(auto from, store_rules::ParseJsonStringArray(r.TextView(5)));
  a.from_phone_numbers = std::move(from);
  a.webhook_url = r.OptionalText(6);
  a.welcome_message = r.Text(7);
  if (!r.IsNull(8)) {
    BC_ASSIGN_OR_RETURN(auto g, store_rules::DecodeGuardrails(r.TextView(8)));
    a.calling_guardrails = g;
  }
  a.max_concurrency = static_cast<int>(r.Int(9));
  a.calls_per_second = r.Double(10);
  if (!r.IsNull(11)) {
    BC_ASSIGN_OR_RETURN(auto rc, store_rules::DecodeRetryConfig(r.TextView(11)));
    a.retry_config = rc;
  }
  a.created_at = FromUnixMillis(r.Int(12));
  a.updated_at = FromUnixMillis(r.Int(13));
  if (!r.IsNull(14)) {
    BC_ASSIGN_OR_RETURN(a.contact_limits, store_rules::DecodeContactLimits(r.TextView(14)));
  }
  return a;
}

Result<Batch> ReadBatch(const Row& r, int64_t* seq) {
  Batch b;
  if (seq) *seq = r.Int(0);
  b.id = r.Text(1);
  b.account_id = r.Text(2);
  b.agent_id = r.Text(3);
  auto status = ParseBatchStatus(r.TextView(4));
  if (!status) return Internal("stored batch status is unknown: " + r.Text(4));
  b.status = *status;
  b.scheduled_at = r.OptionalTime(5);
  b.created_at = FromUnixMillis(r.Int(6));
  b.updated_at = FromUnixMillis(r.Int(7));
  b.file_name = r.Text(8);
  b.total_contacts = r.Int(9);
  b.valid_contacts = r.Int(10);
  b.invalid_contacts = r.Int(11);
  BC_ASSIGN_OR_RETURN(auto columns, store_rules::ParseJsonStringArray(r.TextView(12)));
  b.columns = std::move(columns);
  BC_ASSIGN_OR_RETURN(auto from, store_rules::ParseJsonStringArray(r.TextView(13)));
  b.from_phone_numbers = std::move(from);
  if (!r.IsNull(14)) {
    BC_ASSIGN_OR_RETURN(auto rc, store_rules::DecodeRetryConfig(r.TextView(14)));
    b.retry_config = rc;
  }
  b.webhook_url = r.OptionalText(15);
  auto mode = ParsePhoneValidationMode(r.TextView(16));
  if (!mode) return Internal("stored phone_validation is unknown: " + r.Text(16));
  b.phone_validation = *mode;
  b.default_country = r.Text(17);
  b.allow_duplicates = r.Bool(18);
  b.bypass_call_guardrails = r.Bool(19);
  return b;
}

Result<ExecutionRow> ReadExecutionRow(const Row& r) {
  ExecutionRow e;
  e.id = r.TextView(1);
  e.row_index = r.Int(3);
  e.line = r.Int(4);
  e.contact_number = r.TextView(5);
  e.variables = r.TextView(6);
  auto status = ParseExecutionStatus(r.TextView(7));
  if (!status) return Internal("stored execution status is unknown: " + r.Text(7));
  e.status = *status;
  e.agent_number = r.TextView(8);
  e.conversation_duration = r.Double(9);
  e.total_cost = r.Double(10);
  e.answered_by_voice_mail = r.Bool(11);
  e.transcript = r.TextView(12);
  e.summary = r.TextView(13);
  if (!r.IsNull(14)) e.extracted_data = r.TextView(14);
  if (!r.IsNull(15)) e.telephony_data = r.TextView(15);
  e.error_message = r.TextView(16);
  e.retry_count = r.Int(17);
  e.attempt_count = r.Int(18);
  if (!r.IsNull(19)) e.retry_history = r.TextView(19);
  if (!r.IsNull(20)) e.next_attempt_at_ms = r.Int(20);
  e.created_at_ms = r.Int(21);
  e.updated_at_ms = r.Int(22);
  if (!r.IsNull(23)) e.hold_reason = r.TextView(23);
  return e;
}

Result<Execution> ReadExecution(const Row& r, const Batch& batch) {
  BC_ASSIGN_OR_RETURN(auto row, ReadExecutionRow(r));
  return store_rules::ToExecution(row, batch);
}

std::string IntArrayLiteral(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace batchcall::pg
