#include "telephony/twilio/twilio_callback.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "base/crypto.h"
#include "net/http_transport.h"

namespace batchcall {
namespace {

constexpr size_t kMaxParamBytes = 4096;  // of one callback parameter kept in the event

const std::string* Find(const FormParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<long long> ParseWholeNumber(std::string_view s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// JSON int when `s` is a whole number, the string otherwise.
nlohmann::json IntOrString(const std::string& s) {
  if (auto v = ParseWholeNumber(s)) return *v;
  return s;
}

}  // namespace

std::string TwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params) {
  FormParams sorted = params;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string data(url);
  for (const auto& [k, v] : sorted) data.append(k).append(v);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA1 failed");  // only on an OpenSSL malfunction
  }
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

bool VerifyTwilioSignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                           std::string_view signature) {
  if (signature.empty() || auth_token.empty()) return false;
  return ConstantTimeEquals(TwilioSignature(auth_token, url, params), signature);
}

std::optional<ExecutionStatus> MapTwilioCallStatus(std::string_view status) {
  if (status == "queued" || status == "initiated") return ExecutionStatus::kInitiated;
  if (status == "ringing") return ExecutionStatus::kRinging;
  if (status == "in-progress") return ExecutionStatus::kInProgress;
  if (status == "completed") return ExecutionStatus::kCompleted;
  if (status == "busy") return ExecutionStatus::kBusy;
  if (status == "no-answer") return ExecutionStatus::kNoAnswer;
  if (status == "failed") return ExecutionStatus::kFailed;
  if (status == "canceled") return ExecutionStatus::kCanceled;
  return std::nullopt;
}

bool IsMachineAnsweredBy(std::string_view answered_by) {
  return answered_by == "machine_start" || answered_by == "machine_end_beep" ||
         answered_by == "machine_end_silence" || answered_by == "machine_end_other" || answered_by == "fax";
}

Result<CallEvent> ParseTwilioStatusCallback(const FormParams& raw_params, const std::string& attempt_id,
                                            TimePoint now) {
  // Values are percent-decoded bytes: the event keeps them as printable
  // UTF-8, as every view of the execution must serialise them.
  FormParams params = raw_params;
  for (auto& [name, value] : params) value = ResponseExcerpt(value, kMaxParamBytes);
  const std::string* call_status = Find(params, "CallStatus");
  if (call_status == nullptr) return InvalidArgument("Twilio callback without CallStatus");
  std::optional<ExecutionStatus> status = MapTwilioCallStatus(*call_status);
  if (!status) return InvalidArgument("unknown Twilio CallStatus '" + call_status->substr(0, 40) + "'");

  CallEvent event;
  event.attempt_id = attempt_id;
  event.status = *status;
  event.at = now;
  if (const std::string* sid = Find(params, "CallSid")) event.provider_call_id = *sid;

  nlohmann::json extra = nlohmann::json::object();
  extra["call_status"] = *call_status;
  if (const std::string* d = Find(params, "CallDuration")) {
    if (auto secs = ParseWholeNumber(*d); secs && *secs >= 0) event.duration_seconds = static_cast<double>(*secs);
  }
  if (const std::string* by = Find(params, "AnsweredBy"); by != nullptr && !by->empty()) {
    extra["answered_by"] = *by;
    event.answered_by_voice_mail = IsMachineAnsweredBy(*by);
  }
  const std::string* sip = Find(params, "SipResponseCode");
  if (sip != nullptr && !sip->empty()) extra["sip_response_code"] = IntOrString(*sip);
  const std::string* code = Find(params, "ErrorCode");
  if (code != nullptr && !code->empty()) extra["error_code"] = IntOrString(*code);
  if (const std::string* seq = Find(params, "SequenceNumber"); seq != nullptr && !seq->empty()) {
    extra["sequence_number"] = IntOrString(*seq);
  }
  if (const std::string* ts = Find(params, "Timestamp"); ts != nullptr && !ts->empty()) extra["timestamp"] = *ts;
  event.telephony_extra = std::move(extra);

  if (event.status == ExecutionStatus::kFailed) {
    const std::string* message = Find(params, "ErrorMessage");
    if (message != nullptr && !message->empty()) {
      event.error_message = *message;
    } else if (code != nullptr && !code->empty()) {
      event.error_message = "Twilio error " + *code;
    } else if (sip != nullptr && !sip->empty()) {
      event.error_message = "call failed (SIP " + *sip + ")";
    } else {
      event.error_message = "call failed";
    }
    event.hangup_by = "provider";
    event.hangup_reason = event.error_message;
  }
  return event;
}

}  // namespace batchcall
