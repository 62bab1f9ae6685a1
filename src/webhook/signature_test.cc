#include "webhook/signature.h"

#include <gtest/gtest.h>

#include "base/crypto.h"

namespace batchcall {
namespace {

using std::chrono::seconds;

const TimePoint kNow = FromUnixMillis(1'700'000'000'123);
constexpr std::string_view kBody = R"({"id":"e1","status":"completed"})";

TEST(Signature, SignFormatMatchesTheDocumentedScheme) {
  const std::string header = SignPayload({"whsec_a"}, kNow, kBody);
  const std::string expected_hex = HmacSha256Hex("whsec_a", std::string("1700000000.") + std::string(kBody));
  EXPECT_EQ(header, "t=1700000000,v1=" + expected_hex);
}

TEST(Signature, SignSkipsEmptySecretsAndSignsWithEach) {
  const std::string header = SignPayload({"old", "", "new"}, kNow, kBody);
  const std::string content = std::string("1700000000.") + std::string(kBody);
  EXPECT_EQ(header, "t=1700000000,v1=" + HmacSha256Hex("old", content) + ",v1=" + HmacSha256Hex("new", content));
  EXPECT_EQ(SignPayload({}, kNow, kBody), "t=1700000000");
}

TEST(Signature, RoundTripVerifies) {
  const std::string header = SignPayload({"s3cret"}, kNow, kBody);
  EXPECT_TRUE(VerifyPayload("s3cret", header, kBody, kNow).ok());
  EXPECT_TRUE(VerifyPayload("s3cret", header, kBody, kNow + seconds(299)).ok());
}

TEST(Signature, RotationEitherSecretVerifies) {
  const std::string header = SignPayload({"current", "previous"}, kNow, kBody);
  EXPECT_TRUE(VerifyPayload("current", header, kBody, kNow).ok());
  EXPECT_TRUE(VerifyPayload("previous", header, kBody, kNow).ok());
  const Status other = VerifyPayload("unrelated", header, kBody, kNow);
  EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
}

TEST(Signature, TamperedBodyIsDenied) {
  const std::string header = SignPayload({"s3cret"}, kNow, kBody);
  const Status s = VerifyPayload("s3cret", header, R"({"id":"e1","status":"failed"})", kNow);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "no v1 signature matches the body");
}

TEST(Signature, TamperedTimestampIsDenied) {
  std::string header = SignPayload({"s3cret"}, kNow, kBody);
  header.replace(0, std::string("t=1700000000").size(), "t=1700000001");
  EXPECT_EQ(VerifyPayload("s3cret", header, kBody, kNow).code(), StatusCode::kPermissionDenied);
}

TEST(Signature, StaleAndFutureTimestampsAreDenied) {
  const std::string header = SignPayload({"s3cret"}, kNow, kBody);
  const Status stale = VerifyPayload("s3cret", header, kBody, kNow + seconds(301));
  EXPECT_EQ(stale.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(stale.message().find("tolerance"), std::string::npos);
  const Status future = VerifyPayload("s3cret", header, kBody, kNow - seconds(301));
  EXPECT_EQ(future.code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(VerifyPayload("s3cret", header, kBody, kNow - seconds(300)).ok());
  EXPECT_TRUE(VerifyPayload("s3cret", header, kBody, kNow + seconds(3600), seconds(3600)).ok());
}

TEST(Signature, MalformedHeadersAreUnauthenticated) {
  const std::string hex = HmacSha256Hex("s3cret", std::string("1700000000.") + std::string(kBody));
  const std::vector<std::string> bad = {
      "",
      "   ",
      "garbage",
      "v1=" + hex,                           // no t
      "t=abc,v1=" + hex,                     // t not an integer
      "t=-5,v1=" + hex,                      // negative
      "t=1700000000",                        // no v1
      "t=1700000000,t=1700000000,v1=" + hex, // two t
      "t=1700000000,v1" + hex,               // item without '='
      "t=1700000000,v1=" + hex + "," + std::string(5000, 'x'),
  };
  for (const std::string& header : bad) {
    const Status s = VerifyPayload("s3cret", header, kBody, kNow);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << "header: " << header;
    EXPECT_EQ(s.message().find("s3cret"), std::string::npos);
    EXPECT_EQ(s.message().find(hex), std::string::npos);
  }
}

TEST(Signature, LenientAboutSpacesCaseAndUnknownKeys) {
  std::string hex = HmacSha256Hex("s3cret", std::string("1700000000.") + std::string(kBody));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string header = " t=1700000000 , v0=abc, v1=nothex, v1=" + hex + " ,";
  EXPECT_TRUE(VerifyPayload("s3cret", header, kBody, kNow).ok());
}

TEST(Signature, EmptySecretNeverVerifies) {
  const std::string header = "t=1700000000,v1=" + HmacSha256Hex("", std::string("1700000000.") + std::string(kBody));
  EXPECT_EQ(VerifyPayload("", header, kBody, kNow).code(), StatusCode::kPermissionDenied);
}

TEST(Signature, MessagesNeverEchoTheSecretOrDigest) {
  const std::string header = SignPayload({"other"}, kNow, kBody);
  const std::string expected = HmacSha256Hex("s3cret", std::string("1700000000.") + std::string(kBody));
  const Status s = VerifyPayload("s3cret", header, kBody, kNow);
  EXPECT_EQ(s.message().find("s3cret"), std::string::npos);
  EXPECT_EQ(s.message().find(expected), std::string::npos);
}

}  // namespace

TEST(Signature, NewWebhookSecretIsWhsecAnd64HexDigits) {
  const std::string a = NewWebhookSecret(), b = NewWebhookSecret();
  ASSERT_EQ(a.size(), 6u + 64u);
  EXPECT_EQ(a.substr(0, 6), "whsec_");
  for (char c : a.substr(6)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
  EXPECT_NE(a, b);
}

}  // namespace batchcall
