#include "telephony/metered_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace batchcall {
namespace {

using ::testing::HasSubstr;

class FakeProvider : public Provider {
 public:
  Result<std::string> StartCall(const CallRequest& request) override {
    if (request.to == "+bad") return InvalidArgument("refused");
    return std::string("call-1");
  }
  Result<CallEvent> Lookup(const CallLookup& lookup) override {
    if (lookup.attempt_id == "gone") return NotFound("never placed");
    return Unavailable("down");
  }
  bool remote() const override { return true; }
  std::optional<std::chrono::milliseconds> outcome_timeout() const override {
    return std::chrono::milliseconds(1234);
  }
};

TEST(MeteredProvider, TimesRequestsAndCountsErrors) {
  metrics::Registry registry;
  metrics::AppMetrics m(registry);
  MeteredProvider p(std::make_unique<FakeProvider>(), "twilio", m);
  CallRequest ok;
  ok.to = "+14155550100";
  ASSERT_TRUE(p.StartCall(ok).ok());
  CallRequest bad;
  bad.to = "+bad";
  EXPECT_EQ(p.StartCall(bad).status().code(), StatusCode::kInvalidArgument);
  CallLookup gone;
  gone.attempt_id = "gone";
  EXPECT_EQ(p.Lookup(gone).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.Lookup(CallLookup{}).status().code(), StatusCode::kUnavailable);

  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("batchcall_provider_request_duration_seconds_count{provider=\"twilio\",operation=\"start_call\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_provider_request_duration_seconds_count{provider=\"twilio\",operation=\"lookup\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_provider_errors_total{provider=\"twilio\",operation=\"start_call\"} 1\n"));
  // NotFound is an answer, not an error.
  EXPECT_THAT(text, HasSubstr("batchcall_provider_errors_total{provider=\"twilio\",operation=\"lookup\"} 1\n"));
  EXPECT_TRUE(p.remote());
  EXPECT_EQ(p.outcome_timeout(), std::chrono::milliseconds(1234));
}

}  // namespace
}  // namespace batchcall
