#include "csv/ingest.h"

#include <cctype>
#include <deque>
#include <memory>
#include <utility>

#include "csv/check_pipeline.h"
#include "csv/csv_reader.h"
#include "csv/number_table.h"
#include "phone/phone_validator.h"

namespace batchcall {
namespace {

using csv_internal::CheckWorkers;
using csv_internal::Chunk;
using csv_internal::NumberTable;
using csv_internal::PendingRow;

constexpr std::string_view kContactColumn = "contact_number";
constexpr size_t kChunkRows = 1024;
constexpr size_t kMaxChunksInFlight = 8;

// NumberTable value bits. A key is either a row's fingerprint (kSeen: some
// row was written this way) or an accepted E.164 key (kAccepted, the line of
// its first row above kLineShift; kCanonical: a row written exactly as this
// E.164 number was accepted as it, so any row with that fingerprint is it).
constexpr uint64_t kSeen = 1;
constexpr uint64_t kAccepted = 2;
constexpr uint64_t kCanonical = 4;
constexpr int kLineShift = 8;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\v' && c != '\f') return false;
  }
  return true;
}

std::string Quoted(std::string_view s) {
  std::string out("\"");
  out.append(s).append("\"");
  return out;
}

class Ingester {
 public:
  Ingester(const IngestOptions& options, ContactSink& sink)
      : options_(options),
        sink_(sink),
        validator_({options.mode, options.default_country}),
        workers_(validator_, options.check_threads) {}

  Result<IngestSummary> Run(std::istream& in);

 private:
  Status ReadHeader(const CsvRecord& header);
  Status AddRow(const CsvRecord& record);
  Status Dispatch();
  Status Drain(bool wait_all);
  Status Emit(PendingRow& row);
  Status EmitChecked(PendingRow& row);
  Status EmitValid(PendingRow& row, uint64_t key, bool canonical);
  Status Reject(const PendingRow& row, std::string_view code, std::string message);
  Chunk* Acquire();

  const IngestOptions& options_;
  ContactSink& sink_;
  PhoneValidator validator_;
  IngestSummary summary_;
  size_t column_count_ = 0;
  size_t contact_index_ = 0;
  NumberTable numbers_;
  ContactRow contact_;
  RejectedRow reject_;

  // Chunks are declared before the workers so the workers stop first.
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<Chunk*> free_;
  std::deque<Chunk*> in_flight_;  // CSV order
  Chunk* current_ = nullptr;
  CheckWorkers workers_;
};

Result<IngestSummary> Ingester::Run(std::istream& in) {
  if (!options_.default_country.empty() && !PhoneValidator::IsKnownRegion(options_.default_country)) {
    return InvalidArgument("default_country " + Quoted(options_.default_country) +
                           " is not a known ISO 3166 region code (for example US, IN, GB)");
  }
  CsvStreamReader reader(in);
  CsvRecord record;
  Result<bool> got = reader.Next(&record);
  if (!got.ok()) return got.status();
  if (!*got) return InvalidArgument("the file is empty: it has no header row");
  BC_RETURN_IF_ERROR(ReadHeader(record));
  current_ = Acquire();
  for (;;) {
    got = reader.Next(&record);
    if (!got.ok()) return got.status();
    if (!*got) break;
    BC_RETURN_IF_ERROR(AddRow(record));
  }
  BC_RETURN_IF_ERROR(Dispatch());
  BC_RETURN_IF_ERROR(Drain(/*wait_all=*/true));
  return summary_;
}

Status Ingester::ReadHeader(const CsvRecord& header) {
  const auto& names = header.fields;
  bool found = false;
  std::string near_miss;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return InvalidArgument("column " + std::to_string(i + 1) +
                             " of the header row has no name; every column needs a unique name");
    }
    for (size_t j = 0; j < i; ++j) {
      if (names[j] == names[i]) {
        return InvalidArgument("the header row names column " + Quoted(names[i]) + " twice (columns " +
                               std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")");
      }
    }
    if (names[i] == kContactColumn) {
      found = true;
      contact_index_ = i;
    } else if (names[i].size() == kContactColumn.size()) {
      bool same = true;
      for (size_t k = 0; k < names[i].size(); ++k) {
        same = same && std::tolower(static_cast<unsigned char>(names[i][k])) == kContactColumn[k];
      }
      if (same) near_miss = names[i];
    }
  }
  if (!found) {
    std::string m = "the header row has no contact_number column";
    if (!near_miss.empty()) {
      m.append(" (found ").append(Quoted(near_miss)).append("; column names are case-sensitive)");
    }
    return InvalidArgument(std::move(m));
  }
  column_count_ = names.size();
  std::vector<std::string> variables;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != contact_index_) variables.emplace_back(names[i]);
  }
  contact_.variables.resize(variables.size());
  return sink_.OnHeader(variables);
}

Status Ingester::AddRow(const CsvRecord& record) {
  const auto& fields = record.fields;
  bool blank = true;
  for (auto f : fields) blank = blank && IsBlank(f);
  if (blank) return Status::Ok();
  if (++summary_.total_rows > options_.max_rows) {
    return PayloadTooLarge("the file has more than " + std::to_string(options_.max_rows) +
                           " data rows, the most one upload may have");
  }
  if (current_->rows.size() <= current_->size) current_->rows.emplace_back();
  PendingRow& row = current_->rows[current_->size++];
  row.line = record.line;
  row.fingerprint = 0;
  row.field_count = fields.size();
  if (fields.size() != column_count_) {
    row.kind = PendingRow::Kind::kColumnCount;
    if (contact_index_ < fields.size()) {
      row.raw.assign(fields[contact_index_]);
    } else {
      row.raw.clear();
    }
  } else {
    row.raw.assign(fields[contact_index_]);
    row.variables.resize(column_count_ - 1);
    for (size_t i = 0, v = 0; i < fields.size(); ++i) {
      if (i != contact_index_) row.variables[v++].assign(fields[i]);
    }
    row.kind = PendingRow::Kind::kCheck;
    row.fingerprint = validator_.Fingerprint(row.raw);
    if (row.fingerprint != 0) {
      bool inserted = false;
      NumberTable::Entry& e = numbers_.FindOrInsert(row.fingerprint, &inserted);
      if (e.value & kSeen) row.kind = PendingRow::Kind::kRepeat;
      e.value |= kSeen;
    }
  }
  if (current_->size == kChunkRows) {
    BC_RETURN_IF_ERROR(Dispatch());
    current_ = Acquire();
  }
  return Status::Ok();
}

Chunk* Ingester::Acquire() {
  if (free_.empty()) {
    chunks_.push_back(std::make_unique<Chunk>());
    free_.push_back(chunks_.back().get());
  }
  Chunk* c = free_.back();
  free_.pop_back();
  c->size = 0;
  c->done.store(false, std::memory_order_relaxed);
  return c;
}

Status Ingester::Dispatch() {
  if (current_ == nullptr || current_->size == 0) return Status::Ok();
  Chunk* chunk = current_;
  current_ = nullptr;
  const bool small_file = in_flight_.empty() && chunk->size < kChunkRows;
  if (options_.check_threads <= 0 || small_file) {
    csv_internal::CheckChunk(validator_, *chunk);
    chunk->done.store(true, std::memory_order_relaxed);
  } else {
    workers_.Submit(chunk);
  }
  in_flight_.push_back(chunk);
  return Drain(/*wait_all=*/false);
}

// Emits finished chunks in CSV order. Waits for the oldest while too many are
// in flight (or, with wait_all, until none is).
Status Ingester::Drain(bool wait_all) {
  while (!in_flight_.empty()) {
    Chunk* oldest = in_flight_.front();
    if (!oldest->done.load(std::memory_order_acquire)) {
      if (!wait_all && in_flight_.size() < kMaxChunksInFlight) return Status::Ok();
      oldest->done.wait(false, std::memory_order_acquire);
    }
    in_flight_.pop_front();
    for (size_t i = 0; i < oldest->size; ++i) BC_RETURN_IF_ERROR(Emit(oldest->rows[i]));
    free_.push_back(oldest);
  }
  return Status::Ok();
}

Status Ingester::Emit(PendingRow& row) {
  switch (row.kind) {
    case PendingRow::Kind::kColumnCount:
      return Reject(row, "column_count",
                    "The row has " + std::to_string(row.field_count) + " fields but the header has " +
                        std::to_string(column_count_) + " columns.");
    case PendingRow::Kind::kRepeat:
      if (const NumberTable::Entry* e = numbers_.Find(row.fingerprint);
          e != nullptr && (e->value & kCanonical) != 0) {
        return EmitValid(row, row.fingerprint, /*canonical=*/true);
      }
      // The earlier row was rejected or normalised differently: same verdict,
      // computed again here (rare).
      row.check = validator_.Check(row.raw);
      return EmitChecked(row);
    case PendingRow::Kind::kCheck:
      return EmitChecked(row);
  }
  return Status::Ok();
}

Status Ingester::EmitChecked(PendingRow& row) {
  if (!row.check.ok) return Reject(row, row.check.code, std::move(row.check.message));
  const uint64_t key = PhoneValidator::E164Key(row.check.e164);
  return EmitValid(row, key, key == row.fingerprint);
}

Status Ingester::EmitValid(PendingRow& row, uint64_t key, bool canonical) {
  bool inserted = false;
  NumberTable::Entry& e = numbers_.FindOrInsert(key, &inserted);
  if (canonical) e.value |= kCanonical;
  if ((e.value & kAccepted) != 0) {
    if (!options_.allow_duplicates) {
      const int64_t first_line = static_cast<int64_t>(e.value >> kLineShift);
      return Reject(row, "duplicate",
                    PhoneValidator::E164FromKey(key) + " already appears on line " +
                        std::to_string(first_line) + ".");
    }
  } else {
    e.value |= kAccepted | (static_cast<uint64_t>(row.line) << kLineShift);
  }
  contact_.row_index = summary_.valid++;
  contact_.line = row.line;
  if (row.kind == PendingRow::Kind::kRepeat) {
    contact_.contact_number = PhoneValidator::E164FromKey(key);
  } else {
    contact_.contact_number.swap(row.check.e164);
  }
  contact_.variables.swap(row.variables);  // lend the row's strings to the sink
  Status s = sink_.OnContact(contact_);
  contact_.variables.swap(row.variables);
  return s;
}

Status Ingester::Reject(const PendingRow& row, std::string_view code, std::string message) {
  ++summary_.rejected;
  ++summary_.rejected_by_code[std::string(code)];
  reject_.line = row.line;
  reject_.contact_number = row.raw;
  reject_.code = code;
  reject_.message = std::move(message);
  return sink_.OnReject(reject_);
}

}  // namespace

Result<IngestSummary> IngestContacts(std::istream& in, const IngestOptions& options,
                                     ContactSink& sink) {
  Ingester ingester(options, sink);
  return ingester.Run(in);
}

}  // namespace batchcall
