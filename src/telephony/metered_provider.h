// MeteredProvider: a Provider decorator that times every StartCall and
// Lookup and counts failures, in
//   batchcall_provider_request_duration_seconds{provider,operation}
//   batchcall_provider_errors_total{provider,operation}
// with operation "start_call" or "lookup". A failed StartCall is an error; a
// Lookup answering NotFound (the provider never placed the call) is not.
// Everything else is passed through unchanged.
//
// Thread-safety: as the wrapped provider (updates are relaxed atomics).
#pragma once

#include <memory>
#include <string>

#include "metrics/app_metrics.h"
#include "telephony/provider.h"

namespace batchcall {

class MeteredProvider final : public Provider {
 public:
  // provider_type: "simulator", "twilio", "http" — never an id.
  MeteredProvider(std::unique_ptr<Provider> inner, std::string provider_type,
                  const metrics::AppMetrics& metrics);

  Result<std::string> StartCall(const CallRequest& request) override;
  Result<CallEvent> Lookup(const CallLookup& lookup) override;
  bool remote() const override { return inner_->remote(); }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override {
    return inner_->outcome_timeout();
  }

  Provider& inner() { return *inner_; }

 private:
  std::unique_ptr<Provider> inner_;
  metrics::Histogram& start_duration_;
  metrics::Counter& start_errors_;
  metrics::Histogram& lookup_duration_;
  metrics::Counter& lookup_errors_;
};

}  // namespace batchcall
