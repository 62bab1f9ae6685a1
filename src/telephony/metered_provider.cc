#include "telephony/metered_provider.h"

#include <chrono>

namespace batchcall {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

MeteredProvider::MeteredProvider(std::unique_ptr<Provider> inner, std::string provider_type,
                                 const metrics::AppMetrics& metrics)
    : inner_(std::move(inner)),
      start_duration_(metrics.provider_duration.With({provider_type, "start_call"})),
      start_errors_(metrics.provider_errors.With({provider_type, "start_call"})),
      lookup_duration_(metrics.provider_duration.With({provider_type, "lookup"})),
      lookup_errors_(metrics.provider_errors.With({provider_type, "lookup"})) {}

Result<std::string> MeteredProvider::StartCall(const CallRequest& request) {
  auto start = std::chrono::steady_clock::now();
  auto result = inner_->StartCall(request);
  start_duration_.Observe(SecondsSince(start));
  if (!result.ok()) start_errors_.Inc();
  return result;
}

Result<CallEvent> MeteredProvider::Lookup(const CallLookup& lookup) {
  auto start = std::chrono::steady_clock::now();
  auto result = inner_->Lookup(lookup);
  lookup_duration_.Observe(SecondsSince(start));
  if (!result.ok() && result.status().code() != StatusCode::kNotFound) lookup_errors_.Inc();
  return result;
}

}  // namespace batchcall
