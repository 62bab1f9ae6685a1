#include "base/ids.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace batchcall {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Random bytes come from a per-thread block refilled from RAND_bytes, so an
// id costs one copy instead of one RAND_bytes call (imports make millions).
void Random16(unsigned char* out) {
  thread_local std::array<unsigned char, 16 * 256> block;
  thread_local size_t used = block.size();
  thread_local pid_t owner = 0;
  if (used == block.size() || owner != getpid()) {  // a forked child must not reuse the parent's bytes
    owner = getpid();
    if (RAND_bytes(block.data(), static_cast<int>(block.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");  // fatal: no entropy
    }
    used = 0;
  }
  std::memcpy(out, block.data() + used, 16);
  used += 16;
}

std::string RandomHex32() {
  std::array<unsigned char, 16> b;
  Random16(b.data());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(32);
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string Hyphenate(const std::string& hex) {
  std::string out(36, '-');
  size_t j = 0;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    out[i] = hex[j++];
  }
  return out;
}

}  // namespace

std::string NewUuid() { return Hyphenate(RandomHex32()); }

std::string NewBatchId() { return RandomHex32(); }

std::optional<std::string> NormalizeBatchId(std::string_view text) {
  std::string hex;
  hex.reserve(32);
  if (text.size() != 32 && text.size() != 36) return std::nullopt;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (text.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (c != '-') return std::nullopt;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 32) return std::nullopt;
  return hex;
}

std::optional<std::string> NormalizeUuid(std::string_view text) {
  auto hex = NormalizeBatchId(text);
  if (!hex) return std::nullopt;
  return Hyphenate(*hex);
}

}  // namespace batchcall
