// Hashing, random secrets and constant-time comparison (OpenSSL). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace batchcall {

// Lowercase hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// SHA-256 of data given in pieces (a file read in chunks). One thread at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // Lowercase hex of everything given so far; the hasher is finished after it.
  std::string HexDigest();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Lowercase hex HMAC-SHA256 of data keyed by key.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// n cryptographically random bytes, as 2n lowercase hex characters.
std::string RandomHex(size_t n);

// Standard base64 (RFC 4648, with padding, no line breaks).
std::string Base64Encode(std::string_view data);

// True when a and b are equal; time depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace batchcall

namespace batchcall {

// Authenticated encryption (AES-256-GCM) of small secrets at rest.
// Thread-safe (immutable after construction).
class SecretBox {
 public:
  // key_hex: 64 hex characters (32 bytes). Throws std::invalid_argument otherwise
  // (a start-up error).
  explicit SecretBox(std::string_view key_hex);
  // "v1:" + hex(nonce | ciphertext | tag); a fresh random nonce each call.
  std::string Seal(std::string_view plaintext) const;
  // Inverse of Seal; nullopt when the text was not sealed by this key or was altered.
  std::optional<std::string> Open(std::string_view sealed) const;

 private:
  std::string key_;  // 32 raw bytes
};

}  // namespace batchcall
