// Conversions between the domain records and PostgreSQL rows of the
// PostgreSQL store: a row cursor and readers/binders for
// the column lists of pg_sql.h. The column encodings themselves (JSON,
// sealing, row keys) are the shared codecs of store/rules/codecs.h, so both
// backends store the same text. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/status.h"
#include "domain/model.h"
#include "store/postgres/pg_db.h"
#include "store/rules/codecs.h"
#include "store/store.h"

namespace batchcall::pg {

// One row of a result, read by column.
class Row {
 public:
  Row(const Rows& rows, int row) : rows_(rows), row_(row) {}
  bool IsNull(int col) const { return rows_.IsNull(row_, col); }
  int64_t Int(int col) const { return rows_.Int(row_, col); }
  double Double(int col) const { return rows_.Double(row_, col); }
  bool Bool(int col) const { return rows_.Bool(row_, col); }
  std::string Text(int col) const { return rows_.Text(row_, col); }
  std::string_view TextView(int col) const { return rows_.TextView(row_, col); }
  std::optional<std::string> OptionalText(int col) const;
  std::optional<TimePoint> OptionalTime(int col) const;

 private:
  const Rows& rows_;
  int row_;
};

// Appends the 15 BC_PG_AGENT_COLUMNS of `a` to `p` (as $1..$15 of a fresh list).
void AddAgent(Params& p, const Agent& a, const SecretBox* box);
// Readers for rows selected with BC_PG_AGENT_COLUMNS / BC_PG_BATCH_COLUMNS /
// BC_PG_EXECUTION_COLUMNS. `seq` receives the batch's internal key prefix.
Result<Agent> ReadAgent(const Row& r, const SecretBox* box);
Result<Batch> ReadBatch(const Row& r, int64_t* seq);
// The stored row (views into the statement's current row).
Result<ExecutionRow> ReadExecutionRow(const Row& r);
// account, agent and batch ids come from the execution's batch.
Result<Execution> ReadExecution(const Row& r, const Batch& batch);

// A text[] literal for `= ANY($n::text[])`: {"a","b"} with quoting.
std::string TextArrayLiteral(const std::vector<std::string>& values);
// A bigint[] literal ({1,2,3}) for a bound parameter.
std::string IntArrayLiteral(const std::vector<int64_t>& values);

}  // namespace batchcall::pg
