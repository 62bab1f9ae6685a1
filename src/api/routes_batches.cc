// Batch routes: create (CSV upload), schedule, get, list, stop, pause,
// resume, delete.
//
// POST /batches takes an optional Idempotency-Key header (Stripe's
// convention): the 201 answer is remembered, in the batch's own transaction,
// for ApiOptions::idempotency_window; the same key with the same request
// (every form field and the file, hashed) gets the same answer again with
// `Idempotent-Replayed: true`, and with a different request 422. Refused
// uploads are not remembered (retrying them runs them again).
#include <algorithm>
#include <fstream>

#include "api/agent_input.h"
#include "api/api.h"
#include "api/views.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/memory.h"
#include "base/ids.h"
#include "base/time.h"
#include "csv/ingest.h"
#include "domain/retry_config.h"
#include "metrics/app_metrics.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

using api_internal::Field;
using api_internal::ParseBool;

// Streams ingest results into one store import, started when the header is
// known, and keeps the first rejects for an error report.
class ImportSink final : public ContactSink {
 public:
  static constexpr size_t kMaxDetails = 100;

  ImportSink(Store& store, Batch draft) : store_(store), draft_(std::move(draft)) {}

  Status OnHeader(const std::vector<std::string>& columns) override {
    draft_.columns = columns;
    auto import = store_.BeginImport(draft_);
    if (!import.ok()) return import.status();
    import_ = std::move(import).value();
    return Status::Ok();
  }
  Status OnContact(const ContactRow& row) override { return import_->AddContact(row); }
  Status OnReject(const RejectedRow& row) override {
    if (details_.size() < kMaxDetails) details_.push_back(row);
    return import_->AddReject(row);
  }

  BatchImport* import() { return import_.get(); }
  const std::vector<RejectedRow>& details() const { return details_; }

 private:
  Store& store_;
  Batch draft_;
  std::unique_ptr<BatchImport> import_;
  std::vector<RejectedRow> details_;
};

// from_phone_numbers may repeat, or hold a JSON array string; from_phone_number is the
// legacy singular.
Result<std::vector<std::string>> FromNumbers(const Form& form) {
  std::vector<std::string> out;
  for (const std::string& v : form.GetAll("from_phone_numbers")) {
    std::string_view s = v;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (!s.empty() && s.front() == '[') {
      auto j = ParseJson(s, "from_phone_numbers must be a number or a JSON array of numbers.");
      if (!j.ok()) return j.status();
      if (!j->is_array()) return InvalidArgument("from_phone_numbers must be a number or a JSON array of numbers.");
      for (const auto& n : *j) {
        if (!n.is_string()) return InvalidArgument("from_phone_numbers must hold strings.");
        out.push_back(n.get<std::string>());
      }
    } else if (!s.empty()) {
      out.emplace_back(s);
    }
  }
  if (auto single = form.Get("from_phone_number"); single && !single->empty()) {
    if (std::find(out.begin(), out.end(), *single) == out.end()) out.push_back(*single);
  }
  BC_RETURN_IF_ERROR(ValidateFromNumbers(out, "from_phone_numbers"));
  return out;
}

std::string SafeFileName(const std::string& name) {
  std::string base = name.substr(name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1);
  std::string out;
  for (char c : base)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  if (out.size() > 255) out.resize(255);
  return out.empty() ? "contacts.csv" : out;
}

// Fills batch options from the form; InvalidArgument naming the field.
Status ApplyBatchForm(const Form& form, const OutboundPolicy& outbound, Batch* b) {
  auto from = FromNumbers(form);
  if (!from.ok()) return from.status();
  b->from_phone_numbers = *from;
  if (auto rc = form.Get("retry_config"); rc && !rc->empty()) {
    auto j = ParseJson(*rc, "retry_config must be a JSON object string.");
    if (!j.ok()) return j.status();
    auto parsed = ParseRetryConfig(*j);
    if (!parsed.ok()) return parsed.status();
    b->retry_config = *parsed;
  }
  if (auto url = form.Get("webhook_url"); url && !url->empty()) {
    BC_RETURN_IF_ERROR(ValidateOutboundUrl(*url, "webhook_url", outbound));
    b->webhook_url = *url;
  }
  if (auto mode = form.Get("phone_validation"); mode && !mode->empty()) {
    auto m = ParsePhoneValidationMode(*mode);
    if (!m) return InvalidArgument("phone_validation must be \"strict\", \"possible\" or \"e164\".");
    b->phone_validation = *m;
  }
  if (auto country = form.Get("default_country"); country && !country->empty()) {
    std::string c = *country;
    std::transform(c.begin(), c.end(), c.begin(), ::toupper);
    if (!PhoneValidator::IsKnownRegion(c))
      return InvalidArgument("default_country must be a two-letter ISO region such as \"US\" or \"IN\".");
    b->default_country = c;
  }
  if (auto dup = form.Get("allow_duplicates")) {
    auto v = ParseBool(*dup, "allow_duplicates");
    if (!v.ok()) return v.status();
    b->allow_duplicates = *v;
  }
  return Status::Ok();
}

constexpr size_t kMaxIdempotencyKey = 255;

// SHA-256 over every form field (name and values, in order) and every file
// part (field, file name and content, read in chunks), each length-prefixed.
Result<std::string> RequestHash(const Form& form) {
  Sha256 h;
  auto put = [&h](std::string_view s) {
    h.Update(std::to_string(s.size()) + ":");
    h.Update(s);
  };
  put("batchcall POST /batches v1");
  for (const auto& [name, value] : form.fields) {
    put(name);
    put(value);
  }
  for (const FormFile& f : form.files) {
    put(f.field);
    put(f.filename);
    std::ifstream in(f.path, std::ios::binary);
    if (!in) return Internal("cannot open the spooled upload " + f.path);
    h.Update(std::to_string(f.size) + ":");
    std::string buf(64 * 1024, '\0');
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      h.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    }
  }
  return h.HexDigest();
}

// The remembered answer again, or 422 when it answered another request.
HttpResponse Replay(const IdempotentResponse& prior, const std::string& request_hash) {
  if (prior.request_hash != request_hash) {
    return JsonError(422,
                     "This Idempotency-Key was already used for a different request (other fields or another "
                     "file); send a new key for a new batch.");
  }
  HttpResponse r = JsonResponse(prior.status, prior.body);
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

void Api::AddBatchRoutes() {
  RouteOptions upload;
  upload.upload = true;  // the CSV: spooled to disk, ingested on the upload pool
  router_.Add("POST", "/batches", [this](RouteContext& c) { return CreateBatch(c); }, upload);
  router_.Add("POST", "/batches/{batch_id}/schedule", [this](RouteContext& c) { return ScheduleBatch(c); });
  router_.Add("GET", "/batches/{batch_id}", [this](RouteContext& c) { return GetBatch(c); });
  router_.Add("GET", "/batches/{agent_id}/all", [this](RouteContext& c) { return ListBatches(c); });
  router_.Add("POST", "/batches/{batch_id}/stop", [this](RouteContext& c) { return StopBatch(c); });
  router_.Add("POST", "/batches/{batch_id}/pause", [this](RouteContext& c) { return PauseBatch(c); });
  router_.Add("POST", "/batches/{batch_id}/resume", [this](RouteContext& c) { return ResumeBatch(c); });
  router_.Add("DELETE", "/batches/{batch_id}", [this](RouteContext& c) { return DeleteBatch(c); });
}

Result<HttpResponse> Api::CreateBatch(RouteContext& ctx) {
  // Declared first, so it runs last: after the ingest's and the import's
  // memory (id tables, chunks, buffers) was freed, hand it back.
  struct ReturnMemoryAtExit {
    ~ReturnMemoryAtExit() { ReturnFreeMemory(); }
  } return_memory;
  const HttpRequest& req = ctx.request;
  if (!req.form) {
    return InvalidArgument("POST /batches takes multipart/form-data with the fields agent_id and file.");
  }
  const Form& form = *req.form;
  std::optional<std::string> idempotency_key = req.Header("Idempotency-Key");
  std::string request_hash;
  const TimePoint now = clock_.Now();
  const TimePoint remembered_since = now - options_.idempotency_window;
  if (idempotency_key) {
    const std::string& k = *idempotency_key;
    if (k.empty() || k.size() > kMaxIdempotencyKey ||
        !std::all_of(k.begin(), k.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
      return InvalidArgument("Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good key).");
    auto hash = RequestHash(form);
    if (!hash.ok()) return hash.status();
    request_hash = *hash;
    auto prior = store_.FindIdempotentResponse(ctx.account_id, k, remembered_since);
    if (prior.ok()) return Replay(*prior, request_hash);
    if (prior.status().code() != StatusCode::kNotFound) return prior.status();
  }
  auto agent_raw = form.Get("agent_id");
  if (!agent_raw || agent_raw->empty()) return InvalidArgument("agent_id is required.");
  const FormFile* file = form.File("file");
  if (!file) return InvalidArgument("file is required: attach the contacts CSV as the form part \"file\".");
  auto agent_id = NormalizeUuid(*agent_raw);
  if (!agent_id) return NotFound("Agent " + agent_raw->substr(0, 64) + " not found.");
  auto agent = store_.GetAgent(ctx.account_id, *agent_id);
  if (!agent.ok()) return agent.status();

  Batch draft;
  draft.id = NewBatchId();
  draft.account_id = ctx.account_id;
  draft.agent_id = agent->id;
  draft.status = BatchStatus::kCreated;
  draft.created_at = draft.updated_at = now;
  draft.file_name = SafeFileName(file->filename);
  BC_RETURN_IF_ERROR(ApplyBatchForm(form, options_.outbound, &draft));

  IngestOptions options = options_.ingest;
  options.mode = draft.phone_validation;
  options.default_country = draft.default_country;
  options.allow_duplicates = draft.allow_duplicates;

  std::ifstream in(file->path, std::ios::binary);
  if (!in) return Internal("cannot open the spooled upload " + file->path);
  ImportSink sink(store_, draft);
  const auto ingest_start = std::chrono::steady_clock::now();
  auto summary = IngestContacts(in, options, sink);
  if (!summary.ok()) return summary.status();
  if (options_.metrics != nullptr)
    options_.metrics->ObserveIngest(summary->valid, summary->rejected, std::chrono::steady_clock::now() - ingest_start);
  if (summary->valid == 0) {
    OrderedJson details = OrderedJson::array();
    for (const auto& r : sink.details()) details.push_back(RejectView(r));
    std::string message = summary->total_rows == 0
                              ? "The file has a header but no contact rows."
                              : "No valid contacts: all " + std::to_string(summary->total_rows) +
                                    " rows were rejected (see details).";
    return JsonError(400, message, details.dump());
  }
  OrderedJson out;
  out["batch_id"] = draft.id;
  out["state"] = "created";
  out["total_contacts"] = summary->total_rows;
  out["valid_contacts"] = summary->valid;
  out["invalid_contacts"] = summary->rejected;
  out["rejected_by_code"] = summary->rejected_by_code;
  std::string body = out.dump();
  if (idempotency_key) {
    sink.import()->RememberResponse({ctx.account_id, *idempotency_key, request_hash, 201, body, now}, remembered_since);
  }
  auto batch = sink.import()->Commit(summary->total_rows, summary->valid, summary->rejected);
  if (!batch.ok()) {
    // A concurrent request with the same key committed first: this one's
    // batch is rolled back and the winner's answer is the answer.
    if (idempotency_key && batch.status().code() == StatusCode::kConflict) {
      auto prior = store_.FindIdempotentResponse(ctx.account_id, *idempotency_key, remembered_since);
      if (prior.ok()) return Replay(*prior, request_hash);
    }
    return batch.status();
  }
  return JsonResponse(201, std::move(body));
}

Result<HttpResponse> Api::ScheduleBatch(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  nlohmann::json json_body;
  if (!req.form) {
    constexpr std::string_view kHowTo =
        "Send scheduled_at as a form field or in a JSON body, e.g. {\"scheduled_at\": "
        "\"2026-06-01T10:00:00+05:30\"}.";
    if (req.body.empty()) return InvalidArgument(std::string(kHowTo));
    auto j = ParseJson(req.body, kHowTo);
    if (!j.ok()) return j.status();
    json_body = std::move(j).value();
  }
  auto when = Field(req, req.form ? nullptr : &json_body, "scheduled_at");
  if (!when || when->empty()) return InvalidArgument("scheduled_at is required (ISO 8601 with an offset, or \"now\").");
  TimePoint now = clock_.Now();
  TimePoint at = now;
  if (*when != "now") {
    auto parsed = ParseIso8601(*when);
    if (!parsed.ok()) return parsed.status();
    at = *parsed;
    if (at < now - options_.schedule_skew) {
      return InvalidArgument("scheduled_at " + FormatRfc3339(at) + " is in the past (now is " +
                             FormatRfc3339(now) + "); use a future time or \"now\".");
    }
    if (at > now + std::chrono::hours(24 * 366))
      return InvalidArgument("scheduled_at is more than a year ahead.");
  }
  BatchTransition t;
  t.to = BatchStatus::kScheduled;
  t.scheduled_at = at;
  if (auto bypass = Field(req, req.form ? nullptr : &json_body, "bypass_call_guardrails")) {
    auto v = ParseBool(*bypass, "bypass_call_guardrails");
    if (!v.ok()) return v.status();
    t.bypass_call_guardrails = *v;
  }
  auto id = NormalizeBatchId(ctx.Param("batch_id"));
  if (!id) return NotFound("Batch " + ctx.Param("batch_id").substr(0, 64) + " not found.");
  auto batch = store_.TransitionBatch(ctx.account_id, *id, t, now);
  if (!batch.ok()) return batch.status();
  Changed();
  OrderedJson out = {{"message", "success"},
                     {"state", "scheduled"},
                     {"scheduled_at", FormatRfc3339(*batch->scheduled_at)}};
  return JsonResponse(200, out.dump());
}

// The dashboard and clients poll this: one store read for batch and counts.
Result<HttpResponse> Api::GetBatch(RouteContext& ctx) {
  auto id = BatchIdParam(ctx);
  if (!id.ok()) return id.status();
  auto read = store_.GetBatchWithCounts(ctx.account_id, *id);
  if (!read.ok()) return read.status();
  return JsonResponse(200, BatchView(read->batch, read->counts, clock_.Now(), &read->held).dump());
}

Result<HttpResponse> Api::ListBatches(RouteContext& ctx) {
  auto agent_id = NormalizeUuid(ctx.Param("agent_id"));
  if (!agent_id) return NotFound("Agent " + ctx.Param("agent_id").substr(0, 64) + " not found.");
  auto agent = store_.GetAgent(ctx.account_id, *agent_id);
  if (!agent.ok()) return agent.status();
  auto batches = store_.ListBatches(ctx.account_id, *agent_id);
  if (!batches.ok()) return batches.status();
  OrderedJson out = OrderedJson::array();
  TimePoint now = clock_.Now();
  for (const BatchWithCounts& b : *batches) out.push_back(BatchView(b.batch, b.counts, now));
  return JsonResponse(200, out.dump());
}

Result<HttpResponse> Api::StopBatch(RouteContext& ctx) {
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  auto stopped = store_.StopBatch(ctx.account_id, batch->id, clock_.Now());
  if (!stopped.ok()) {
    if (stopped.status().code() == StatusCode::kConflict) return NotFound("Batch is not queued or running");
    return stopped.status();
  }
  Changed();
  return JsonResponse(200, R"({"message":"success","state":"stopped"})");
}

Result<HttpResponse> Api::PauseBatch(RouteContext& ctx) {
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  BatchTransition t;
  t.to = BatchStatus::kPaused;
  auto paused = store_.TransitionBatch(ctx.account_id, batch->id, t, clock_.Now());
  if (!paused.ok()) return paused.status();
  Changed();
  return JsonResponse(200, R"({"message":"success","state":"paused"})");
}

Result<HttpResponse> Api::ResumeBatch(RouteContext& ctx) {
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  if (batch->status != BatchStatus::kPaused)
    return Conflict("Batch is " + std::string(ToString(batch->status)) + "; only a paused batch can be resumed.");
  TimePoint now = clock_.Now();
  BatchTransition t;
  // A batch paused before its start time waits for it again; otherwise it runs on.
  t.to = batch->scheduled_at && *batch->scheduled_at > now ? BatchStatus::kScheduled : BatchStatus::kRunning;
  auto resumed = store_.TransitionBatch(ctx.account_id, batch->id, t, now);
  if (!resumed.ok()) return resumed.status();
  Changed();
  OrderedJson out = {{"message", "success"}, {"state", std::string(ToString(resumed->status))}};
  return JsonResponse(200, out.dump());
}

Result<HttpResponse> Api::DeleteBatch(RouteContext& ctx) {
  auto batch = LoadBatch(ctx);
  if (!batch.ok()) return batch.status();
  BC_RETURN_IF_ERROR(store_.DeleteBatch(ctx.account_id, batch->id));
  Changed();
  return JsonResponse(200, R"({"message":"success","state":"deleted"})");
}

}  // namespace batchcall
