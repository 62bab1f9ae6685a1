// Random identifiers. The free functions are thread-safe; an
// OrderedUuids object belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace batchcall {

// A random (version 4) UUID, hyphenated lowercase: "1b4e28ba-2fa1-4d2b-883f-0016d3cca427".
std::string NewUuid();

// Time-ordered UUIDs (version 7, RFC 9562), hyphenated lowercase, each one
// greater than the one before (as text and as bytes): the first 48 bits are
// the Unix time in milliseconds when the sequence started, then a 30-bit
// counter (rand_a and the top of rand_b, RFC 9562 section 6.2 method 1)
// started at a random value below 2^29, then 44 random bits. When the
// counter runs out the time moves on by a millisecond. An import names its
// executions with one sequence, so an index on the id grows at its end
// instead of at random places.
class OrderedUuids {
 public:
  OrderedUuids();
  // A sequence from a given time and counter (tests: the counter's end).
  OrderedUuids(uint64_t unix_millis, uint32_t counter);
  // Writes the next id (36 characters) to out.
  void Next(char* out);
  std::string Next();

 private:
  void Refill();

  uint64_t millis_ = 0;
  uint32_t counter_ = 0;  // 30 bits
  std::array<unsigned char, 4096> random_{};
  size_t used_ = 0;
};

// A batch id: a UUID as 32 lowercase hex characters without hyphens.
std::string NewBatchId();

// Accepts a UUID hyphenated or not, any case; returns the 32-hex form, or nullopt.
std::optional<std::string> NormalizeBatchId(std::string_view text);

// Accepts a UUID hyphenated or not, any case; returns the hyphenated lowercase form, or nullopt.
std::optional<std::string> NormalizeUuid(std::string_view text);

}  // namespace batchcall
