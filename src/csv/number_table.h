// Internal to bc_csv: an open-addressing hash map from non-zero 64-bit phone
// keys to 64-bit values, for deduplicating a million numbers in a few tens of
// megabytes (16 bytes a slot, load at most 3/4).
//
// Not thread-safe. References returned stay valid until the next insertion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace batchcall::csv_internal {

class NumberTable {
 public:
  struct Entry {
    uint64_t key = 0;  // 0 marks an empty slot
    uint64_t value = 0;
  };

  NumberTable() : slots_(kInitialSlots) {}

  // The entry for key (precondition: key != 0), inserting {key, 0} when
  // absent; *inserted tells which.
  Entry& FindOrInsert(uint64_t key, bool* inserted) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    Entry& e = Probe(slots_, key);
    *inserted = e.key == 0;
    if (*inserted) {
      e.key = key;
      ++size_;
    }
    return e;
  }

  // The entry for key, or nullptr.
  const Entry* Find(uint64_t key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return &slots_[i];
      if (slots_[i].key == 0) return nullptr;
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr size_t kInitialSlots = 1024;

  static uint64_t Hash(uint64_t x) {  // a 64-bit finaliser (xor-shift-multiply)
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }

  static Entry& Probe(std::vector<Entry>& slots, uint64_t key) {
    const size_t mask = slots.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == key || slots[i].key == 0) return slots[i];
    }
  }

  void Grow() {
    std::vector<Entry> bigger(slots_.size() * 2);
    for (const Entry& e : slots_) {
      if (e.key != 0) Probe(bigger, e.key) = e;
    }
    slots_.swap(bigger);
  }

  std::vector<Entry> slots_;
  size_t size_ = 0;
};

}  // namespace batchcall::csv_internal
