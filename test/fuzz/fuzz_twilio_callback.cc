// Twilio's status callbacks: an application/x-www-form-urlencoded body
// through ParseUrlEncoded (src/http/form_parser.h), then the signature check
// and ParseTwilioStatusCallback (src/telephony/twilio/twilio_callback.h).
// The event's texts must serialise (strict UTF-8), as every view of the
// execution serialises them.
#include <cstdint>
#include <string>
#include <string_view>

#include "http/form_parser.h"
#include "fuzz_support.h"
#include "telephony/twilio/twilio_callback.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace batchcall;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto fields = ParseUrlEncoded(body);
  if (!fields.ok()) return 0;
  FormParams params(fields->begin(), fields->end());
  std::string signature;
  if (auto it = fields->find("X-Signature"); it != fields->end()) signature = it->second;
  (void)VerifyTwilioSignature("auth-token-0123456789", "https://example.com/webhooks/twilio/e?attempt_id=a", params,
                              signature);
  auto event = ParseTwilioStatusCallback(params, "attempt-1", TimePoint{});
  if (!event.ok()) return 0;
  (void)fuzz::StrictDump(nlohmann::json{{"provider_call_id", event->provider_call_id},
                                        {"error_message", event->error_message},
                                        {"hangup_by", event->hangup_by},
                                        {"hangup_reason", event->hangup_reason},
                                        {"recording_url", event->recording_url},
                                        {"telephony_extra", event->telephony_extra}});
  return 0;
}
