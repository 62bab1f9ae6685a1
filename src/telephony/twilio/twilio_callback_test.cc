#include "telephony/twilio/twilio_callback.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

const TimePoint kNow = FromUnixMillis(1'780'308'000'000LL);

// The worked example in Twilio's request-validation documentation (twilio-php
// "Validate Incoming Requests", the same example as twilio.com/docs/usage/security):
// token 12345, this URL and these POST fields sign to RSOYDt4T1cUTdK1PDd93/VVr8B8=.
const FormParams kDocParams = {{"CallSid", "CA1234567890ABCDE"},
                               {"Caller", "+14158675309"},
                               {"Digits", "1234"},
                               {"From", "+14158675309"},
                               {"To", "+18005551212"}};
constexpr const char* kDocUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

TEST(TwilioSignatureTest, MatchesTwiliosDocumentedExample) {
  EXPECT_EQ(TwilioSignature("12345", kDocUrl, kDocParams), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

TEST(TwilioSignatureTest, ParameterOrderDoesNotMatter) {
  FormParams reversed(kDocParams.rbegin(), kDocParams.rend());
  EXPECT_TRUE(VerifyTwilioSignature("12345", kDocUrl, reversed, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

TEST(TwilioSignatureTest, RejectsTamperingWrongTokenWrongUrlAndEmpty) {
  const std::string good = TwilioSignature("12345", kDocUrl, kDocParams);
  FormParams tampered = kDocParams;
  tampered[2].second = "1235";
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, tampered, good));
  FormParams extra = kDocParams;
  extra.emplace_back("CallStatus", "completed");
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, extra, good));
  EXPECT_FALSE(VerifyTwilioSignature("54321", kDocUrl, kDocParams, good));
  EXPECT_FALSE(VerifyTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", kDocParams, good));
  EXPECT_FALSE(VerifyTwilioSignature("12345", "http://mycompany.com/myapp.php?foo=1&bar=2", kDocParams, good));
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, ""));
  EXPECT_FALSE(VerifyTwilioSignature("", kDocUrl, kDocParams, TwilioSignature("", kDocUrl, kDocParams)));
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, good.substr(0, good.size() - 1)));
}

TEST(TwilioSignatureTest, SortsByNameThenValueAndCountsIdenticalPairsOnce) {
  // Concatenation order is the same whatever the arrival order...
  const FormParams a = {{"b", "2"}, {"a", "y"}, {"a", "x"}};
  const FormParams b = {{"a", "x"}, {"b", "2"}, {"a", "y"}};
  EXPECT_EQ(TwilioSignature("t", "https://h/p", a), TwilioSignature("t", "https://h/p", b));
  // ...and is exactly "url" + "ax" + "ay" + "b2": the same string signed
  // without parameters gives the same signature.
  EXPECT_EQ(TwilioSignature("t", "https://h/p", a), TwilioSignature("t", "https://h/paxayb2", {}));
  const FormParams dup = {{"a", "x"}, {"a", "x"}, {"b", "2"}, {"a", "y"}};
  EXPECT_EQ(TwilioSignature("t", "https://h/p", dup), TwilioSignature("t", "https://h/p", a));
  // Byte order: uppercase names sort before lowercase ones.
  EXPECT_EQ(TwilioSignature("t", "u", {{"b", "1"}, {"B", "2"}}), TwilioSignature("t", "uB2b1", {}));
}

FormParams Callback(std::string status) {
  return {{"AccountSid", "AC1"},          {"CallSid", "CA99"},         {"CallStatus", std::move(status)},
          {"To", "+15551230001"},         {"From", "+15550009999"},    {"SequenceNumber", "3"},
          {"Timestamp", "Mon, 01 Jun 2026 10:00:09 +0000"},           {"CallbackSource", "call-progress-events"}};
}

TEST(ParseTwilioStatusCallbackTest, MapsEveryStatus) {
  const std::pair<const char*, ExecutionStatus> cases[] = {
      {"queued", ExecutionStatus::kInitiated},    {"initiated", ExecutionStatus::kInitiated},
      {"ringing", ExecutionStatus::kRinging},     {"in-progress", ExecutionStatus::kInProgress},
      {"completed", ExecutionStatus::kCompleted}, {"busy", ExecutionStatus::kBusy},
      {"no-answer", ExecutionStatus::kNoAnswer},  {"failed", ExecutionStatus::kFailed},
      {"canceled", ExecutionStatus::kCanceled}};
  for (const auto& [twilio, ours] : cases) {
    Result<CallEvent> e = ParseTwilioStatusCallback(Callback(twilio), "att-1", kNow);
    ASSERT_TRUE(e.ok()) << twilio;
    EXPECT_EQ(e->status, ours) << twilio;
    EXPECT_EQ(e->attempt_id, "att-1");
    EXPECT_EQ(e->provider_call_id, "CA99");
    EXPECT_EQ(e->at, kNow);
    EXPECT_EQ(e->telephony_extra["call_status"], twilio);
    EXPECT_EQ(e->telephony_extra["sequence_number"], 3);
    EXPECT_EQ(e->telephony_extra["timestamp"], "Mon, 01 Jun 2026 10:00:09 +0000");
  }
}

TEST(ParseTwilioStatusCallbackTest, RejectsMissingOrUnknownStatus) {
  FormParams p = Callback("completed");
  p.erase(p.begin() + 2);
  EXPECT_EQ(ParseTwilioStatusCallback(p, "a", kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTwilioStatusCallback(Callback("answered"), "a", kNow).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ParseTwilioStatusCallbackTest, CompletedCarriesDurationAndSipCode) {
  FormParams p = Callback("completed");
  p.emplace_back("CallDuration", "73");
  p.emplace_back("SipResponseCode", "200");
  p.emplace_back("AnsweredBy", "human");
  Result<CallEvent> e = ParseTwilioStatusCallback(p, "a", kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->duration_seconds, 73);
  EXPECT_FALSE(e->answered_by_voice_mail);
  EXPECT_EQ(e->telephony_extra["sip_response_code"], 200);
  EXPECT_EQ(e->telephony_extra["answered_by"], "human");
  EXPECT_TRUE(e->error_message.empty());
}

TEST(ParseTwilioStatusCallbackTest, MachineAnsweredCallStaysCompletedWithVoiceMail) {
  for (const char* by : {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}) {
    FormParams p = Callback("completed");
    p.emplace_back("AnsweredBy", by);
    Result<CallEvent> e = ParseTwilioStatusCallback(p, "a", kNow);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->status, ExecutionStatus::kCompleted) << by;
    EXPECT_TRUE(e->answered_by_voice_mail) << by;
    EXPECT_EQ(e->telephony_extra["answered_by"], by);
  }
  FormParams unknown = Callback("completed");
  unknown.emplace_back("AnsweredBy", "unknown");
  EXPECT_FALSE(ParseTwilioStatusCallback(unknown, "a", kNow)->answered_by_voice_mail);
}

TEST(ParseTwilioStatusCallbackTest, FailedCarriesErrorCodeAndMessage) {
  FormParams p = Callback("failed");
  p.emplace_back("ErrorCode", "32009");
  p.emplace_back("SipResponseCode", "404");
  Result<CallEvent> e = ParseTwilioStatusCallback(p, "a", kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kFailed);
  EXPECT_EQ(e->telephony_extra["error_code"], 32009);
  EXPECT_EQ(e->telephony_extra["sip_response_code"], 404);
  EXPECT_EQ(e->error_message, "Twilio error 32009");
  p.emplace_back("ErrorMessage", "Your TwiML tried to Dial a number not in service");
  EXPECT_EQ(ParseTwilioStatusCallback(p, "a", kNow)->error_message,
            "Your TwiML tried to Dial a number not in service");
  FormParams sip_only = Callback("failed");
  sip_only.emplace_back("SipResponseCode", "503");
  EXPECT_EQ(ParseTwilioStatusCallback(sip_only, "a", kNow)->error_message, "call failed (SIP 503)");
}

TEST(ParseTwilioStatusCallbackTest, IgnoresMalformedNumbers) {
  FormParams p = Callback("completed");
  p.emplace_back("CallDuration", "abc");
  p.emplace_back("SipResponseCode", "20x");
  Result<CallEvent> e = ParseTwilioStatusCallback(p, "a", kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->duration_seconds, 0);
  EXPECT_EQ(e->telephony_extra["sip_response_code"], "20x");
}

// Found by fuzzing (test/fuzz/corpus/twilio_callback/binary_values): values
// are decoded bytes, and an AnsweredBy or ErrorMessage that was not UTF-8 made
// the event's JSON (and every later view of the execution) throw in dump().
TEST(ParseTwilioStatusCallbackTest, KeepsValuesAsPrintableUtf8) {
  FormParams p = {{"CallSid", std::string(10'000, 'x')}, {"CallStatus", "failed"}};
  p.emplace_back("AnsweredBy", "\xff\xfe");
  p.emplace_back("ErrorMessage", "bad \xed\xa0\x80 line\r\nbreak");
  p.emplace_back("ErrorCode", std::string("\0", 1));
  Result<CallEvent> e = ParseTwilioStatusCallback(p, "a", kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->telephony_extra["answered_by"], "??");
  EXPECT_EQ(e->error_message, "bad ??? line  break");
  EXPECT_EQ(e->telephony_extra["error_code"], " ");
  EXPECT_EQ(e->provider_call_id, std::string(4096, 'x'));
  EXPECT_NO_THROW((void)e->telephony_extra.dump());
  EXPECT_NO_THROW((void)nlohmann::json(e->error_message).dump());
}

}  // namespace
}  // namespace batchcall
