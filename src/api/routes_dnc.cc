// Do-not-call routes: POST /dnc (JSON numbers or a contacts CSV), GET /dnc,
// DELETE /dnc/{number}. Numbers are normalised like contact numbers (E.164
// syntax; default_country for numbers without '+').
#include <algorithm>
#include <fstream>

#include "api/api.h"
#include "api/views.h"
#include "base/time.h"
#include "csv/ingest.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

constexpr size_t kMaxJsonNumbers = 10'000;

// Collects the numbers of a CSV (its contact_number column) into memory; the
// list is bounded by the server's row limit.
class NumberSink final : public ContactSink {
 public:
  Status OnHeader(const std::vector<std::string>&) override { return Status::Ok(); }
  Status OnContact(const ContactRow& row) override {
    numbers.push_back(row.contact_number);
    return Status::Ok();
  }
  Status OnReject(const RejectedRow& row) override {
    if (row.code == "duplicate") return Status::Ok();
    if (rejects.size() < 100) rejects.push_back(row);
    return Status::Ok();
  }
  std::vector<std::string> numbers;
  std::vector<RejectedRow> rejects;
};

std::string RegionOf(const std::optional<std::string>& v) {
  std::string r = v.value_or("");
  std::transform(r.begin(), r.end(), r.begin(), ::toupper);
  return r;
}

}  // namespace

void Api::AddDncRoutes() {
  RouteOptions upload;
  upload.upload = true;  // a file of numbers: spooled to disk, read on the upload pool
  router_.Add("POST", "/dnc", [this](RouteContext& c) { return AddDnc(c); }, upload);
  router_.Add("GET", "/dnc", [this](RouteContext& c) { return ListDnc(c); });
  router_.Add("DELETE", "/dnc/{number}", [this](RouteContext& c) { return RemoveDnc(c); });
}

Result<HttpResponse> Api::AddDnc(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  std::vector<std::string> numbers;
  OrderedJson rejected = OrderedJson::array();
  std::string reason;
  std::string region;
  if (req.form) {
    const FormFile* file = req.form->File("file");
    if (!file) return InvalidArgument("Attach a CSV with a contact_number column as the form part \"file\".");
    reason = req.form->Get("reason").value_or("");
    region = RegionOf(req.form->Get("default_country"));
    if (!region.empty() && !PhoneValidator::IsKnownRegion(region))
      return InvalidArgument("default_country must be a two-letter ISO region such as \"US\".");
    IngestOptions options = options_.ingest;
    options.mode = PhoneValidationMode::kE164;
    options.default_country = region;
    std::ifstream in(file->path, std::ios::binary);
    NumberSink sink;
    auto summary = IngestContacts(in, options, sink);
    if (!summary.ok()) return summary.status();
    numbers = std::move(sink.numbers);
    for (const auto& r : sink.rejects) rejected.push_back(RejectView(r));
  } else {
    auto body = api_internal::JsonBody(req);
    if (!body.ok()) return body.status();
    if (!body->is_object() || !body->contains("numbers") || !(*body)["numbers"].is_array())
      return InvalidArgument("Send {\"numbers\": [\"+14155552671\", ...], \"reason\": \"...\"} or a CSV file.");
    if ((*body)["numbers"].size() > kMaxJsonNumbers)
      return PayloadTooLarge("At most 10000 numbers per JSON request; upload a CSV for more.");
    if (body->contains("reason") && (*body)["reason"].is_string()) reason = (*body)["reason"].get<std::string>();
    if (body->contains("default_country") && (*body)["default_country"].is_string()) {
      region = RegionOf((*body)["default_country"].get<std::string>());
      if (!PhoneValidator::IsKnownRegion(region))
        return InvalidArgument("default_country must be a two-letter ISO region such as \"US\".");
    }
    PhoneValidator validator({PhoneValidationMode::kE164, region});
    int64_t index = 0;
    for (const auto& n : (*body)["numbers"]) {
      ++index;
      std::string raw = n.is_string() ? n.get<std::string>() : n.dump();
      PhoneCheck check = validator.Check(raw);
      if (check.ok) {
        numbers.push_back(check.e164);
      } else if (rejected.size() < 100) {
        rejected.push_back({{"index", index}, {"contact_number", raw}, {"code", check.code}, {"message", check.message}});
      }
    }
  }
  if (reason.size() > 500) reason.resize(500);
  if (numbers.empty()) {
    return JsonError(400, "No valid numbers to add.", rejected.dump());
  }
  auto added = store_.AddDoNotCall(ctx.account_id, numbers, reason, clock_.Now());
  if (!added.ok()) return added.status();
  OrderedJson out = {{"message", "success"},
                     {"added", *added},
                     {"already_listed", static_cast<int64_t>(numbers.size()) - *added},
                     {"rejected", rejected}};
  return JsonResponse(200, out.dump());
}

Result<HttpResponse> Api::ListDnc(RouteContext& ctx) {
  int64_t limit = 1000;
  if (auto l = ctx.request.Query("limit")) {
    char* end = nullptr;
    long long v = std::strtoll(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || v < 1 || v > 10000)
      return InvalidArgument("limit must be a whole number from 1 to 10000.");
    limit = v;
  }
  std::string after = ctx.request.Query("after").value_or("");
  auto entries = store_.ListDoNotCall(ctx.account_id, after, limit + 1);
  if (!entries.ok()) return entries.status();
  bool more = static_cast<int64_t>(entries->size()) > limit;
  if (more) entries->resize(static_cast<size_t>(limit));
  OrderedJson arr = OrderedJson::array();
  for (const auto& e : *entries)
    arr.push_back({{"number", e.number}, {"reason", e.reason}, {"created_at", FormatRfc3339(e.created_at)}});
  HttpResponse r = JsonResponse(200, arr.dump());
  if (more && !entries->empty()) {
    std::string next = "/dnc?limit=" + std::to_string(limit) + "&after=%2B" + entries->back().number.substr(1);
    r.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
  }
  return r;
}

Result<HttpResponse> Api::RemoveDnc(RouteContext& ctx) {
  PhoneValidator validator({PhoneValidationMode::kE164, ""});
  PhoneCheck check = validator.Check(ctx.Param("number"));
  if (!check.ok) return NotFound("Number " + ctx.Param("number").substr(0, 32) + " is not on the do-not-call list.");
  BC_RETURN_IF_ERROR(store_.RemoveDoNotCall(ctx.account_id, check.e164));
  return JsonResponse(200, R"({"message":"success"})");
}

}  // namespace batchcall
