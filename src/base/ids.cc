#include "base/ids.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <chrono>
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

namespace {
constexpr uint32_t kCounterBits = 30;
constexpr uint32_t kCounterLimit = 1u << kCounterBits;
}  // namespace

OrderedUuids::OrderedUuids() {
  millis_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()) &
            ((uint64_t{1} << 48) - 1);
  Refill();
  std::memcpy(&counter_, random_.data(), sizeof counter_);
  counter_ &= (kCounterLimit >> 1) - 1;  // room for at least 2^29 ids before the time moves
  used_ = sizeof counter_;
}

OrderedUuids::OrderedUuids(uint64_t unix_millis, uint32_t counter)
    : millis_(unix_millis & ((uint64_t{1} << 48) - 1)), counter_(counter & (kCounterLimit - 1)) {
  Refill();
}

void OrderedUuids::Refill() {
  if (RAND_bytes(random_.data(), static_cast<int>(random_.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");  // fatal: no entropy
  }
  used_ = 0;
}

void OrderedUuids::Next(char* out) {
  if (counter_ == kCounterLimit) {
    ++millis_;
    counter_ = 0;
  }
  if (used_ + 6 > random_.size()) Refill();
  const unsigned char* r = random_.data() + used_;
  used_ += 6;
  const uint32_t c = counter_++;
  std::array<unsigned char, 16> b;
  for (int i = 0; i < 6; ++i) b[static_cast<size_t>(i)] = static_cast<unsigned char>(millis_ >> (40 - 8 * i));
  // ver (4 bits) | counter bits 29..18 (rand_a, 12 bits)
  b[6] = static_cast<unsigned char>(0x70 | ((c >> 26) & 0x0f));
  b[7] = static_cast<unsigned char>(c >> 18);
  // var (2 bits) | counter bits 17..12, then bits 11..4, then bits 3..0 and 4 random bits
  b[8] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3f));
  b[9] = static_cast<unsigned char>(c >> 4);
  b[10] = static_cast<unsigned char>(((c & 0x0f) << 4) | (r[0] & 0x0f));
  for (size_t i = 11; i < 16; ++i) b[i] = r[i - 10];
  size_t j = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (j == 8 || j == 13 || j == 18 || j == 23) out[j++] = '-';
    out[j++] = kHex[b[i] >> 4];
    out[j++] = kHex[b[i] & 0xf];
  }
}

std::string OrderedUuids::Next() {
  std::string out(36, '-');
  Next(out.data());
  return out;
}

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
