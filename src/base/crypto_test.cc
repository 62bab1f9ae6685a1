#include "base/crypto.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

TEST(Crypto, Sha256KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 pieces;
  pieces.Update("a");
  pieces.Update("");
  pieces.Update("bc");
  EXPECT_EQ(pieces.HexDigest(), Sha256Hex("abc"));
}

TEST(Crypto, HmacSha256KnownVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, RandomHexLengthAndVariety) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

TEST(Crypto, Base64EncodeRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\x00", 2)), "/wA=");
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(SecretBox, SealsAndOpens) {
  SecretBox box(std::string(64, 'a'));
  std::string sealed = box.Seal("auth-token-123");
  EXPECT_EQ(sealed.find("auth-token-123"), std::string::npos);
  EXPECT_NE(sealed, box.Seal("auth-token-123"));  // fresh nonce
  EXPECT_EQ(box.Open(sealed), "auth-token-123");
  EXPECT_EQ(box.Open(box.Seal("")), "");
}

TEST(SecretBox, RejectsTamperingAndWrongKey) {
  SecretBox box(std::string(64, 'a'));
  SecretBox other(std::string(64, 'b'));
  std::string sealed = box.Seal("secret");
  EXPECT_FALSE(other.Open(sealed).has_value());
  std::string tampered = sealed;
  tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
  EXPECT_FALSE(box.Open(tampered).has_value());
  EXPECT_FALSE(box.Open("plain").has_value());
  EXPECT_FALSE(box.Open("v1:zz").has_value());
}

TEST(SecretBox, BadKeyIsAStartupError) {
  EXPECT_THROW(SecretBox("short"), std::invalid_argument);
}

}  // namespace
}  // namespace batchcall
