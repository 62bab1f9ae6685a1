// ImportState: the bookkeeping every backend's BatchImport shares, whatever
// its SQL: rows must come with increasing row_index; the first failure
// sticks (the transaction may hold a partial row, so the import can only be
// abandoned); nothing is accepted after Commit; the idempotent response to
// store at Commit; and every (id, row key) pair, for the execution_ids table
// that a backend fills in id order at Commit. Not thread-safe (a BatchImport
// is used by one thread at a time).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/rules/codecs.h"
#include "store/store.h"

namespace batchcall::store_rules {

class ImportState {
 public:
  // An execution id (a UUID, 36 characters) with its row key.
  struct IdKey {
    std::array<char, 36> id;
    int64_t key;
  };

  // Ok while rows may still be added: Internal after Finish, else the first
  // recorded failure.
  Status CheckOpen() const {
    if (finished_) return Internal("the import is already finished");
    return failed_;
  }
  // Records `row_index` when it is above every earlier one and at most
  // kMaxRowIndex; InvalidArgument otherwise.
  Status AcceptRow(int64_t row_index) {
    if (row_index <= last_row_index_ || row_index > kMaxRowIndex) {
      return InvalidArgument("row_index " + std::to_string(row_index) +
                             " out of order (rows must come with increasing row_index)");
    }
    last_row_index_ = row_index;
    return Status::Ok();
  }
  // Records the first failure; returns `s`.
  Status Fail(Status s) {
    if (!s.ok() && failed_.ok()) failed_ = s;
    return s;
  }
  // Commit has begun: CheckOpen fails from now on.
  void Finish() { finished_ = true; }
  int64_t last_row_index() const { return last_row_index_; }

  // The response to store with the batch (BatchImport::RememberResponse).
  void Remember(IdempotentResponse response, TimePoint expired_before) {
    remembered_ = std::move(response);
    expired_before_ = expired_before;
  }
  const std::optional<IdempotentResponse>& remembered() const { return remembered_; }
  TimePoint expired_before() const { return expired_before_; }

  // `id` must be 36 characters (longer ones are cut).
  void AddId(std::string_view id, int64_t key) {
    ids_.push_back(IdKey{{}, key});
    id.copy(ids_.back().id.data(), ids_.back().id.size());
  }
  // How many ids (rows) were added so far.
  size_t IdCount() const { return ids_.size(); }
  // The ids added so far, sorted by id.
  const std::vector<IdKey>& SortedIds() {
    std::sort(ids_.begin(), ids_.end(), [](const IdKey& a, const IdKey& b) { return a.id < b.id; });
    return ids_;
  }
  // Frees the ids' memory.
  void ReleaseIds() { std::vector<IdKey>().swap(ids_); }

 private:
  bool finished_ = false;
  Status failed_;
  int64_t last_row_index_ = -1;
  std::optional<IdempotentResponse> remembered_;
  TimePoint expired_before_;
  std::vector<IdKey> ids_;
};

}  // namespace batchcall::store_rules
