// PostgresStore: the per-account do-not-call list.
#include <algorithm>
#include <unordered_set>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"

namespace batchcall {

using pg::Params;
using pg::Transaction;
using store_rules::Millis;
namespace sql = pg_sql;

Result<int64_t> PostgresStore::AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers,
                                            const std::string& reason, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  int64_t added = 0;
  for (const std::string& number : numbers) {
    BC_ASSIGN_OR_RETURN(
        auto n, conn->Run(sql::kInsertDnc,
                          Params().Add(account_id).Add(number).Add(reason).Add(Millis(now))));
    added += n;
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return added;
}

Result<std::vector<DncEntry>> PostgresStore::ListDoNotCall(const std::string& account_id,
                                                           const std::string& after_number, int64_t limit) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(
      auto rows,
      conn->Query(sql::kSelectDncPage,
                  Params().Add(account_id).Add(after_number).Add(std::max<int64_t>(0, limit))));
  std::vector<DncEntry> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back(DncEntry{rows.Text(i, 0), rows.Text(i, 1), FromUnixMillis(rows.Int(i, 2))});
  }
  return out;
}

Status PostgresStore::RemoveDoNotCall(const std::string& account_id, const std::string& number) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto n, conn->Run(sql::kDeleteDnc, Params().Add(account_id).Add(number)));
  if (n == 0) return NotFound(number + " is not on the do-not-call list");
  return Status::Ok();
}

Result<std::map<std::string, std::string>> PostgresStore::DoNotCallReasons(const std::string& account_id,
                                                                          const std::vector<std::string>& numbers) {
  std::map<std::string, std::string> listed;
  if (numbers.empty()) return listed;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kFilterDncReasons,
                                             Params().Add(account_id).Add(pg::TextArrayLiteral(numbers))));
  for (int i = 0; i < rows.size(); ++i) listed[rows.Text(i, 0)] = rows.Text(i, 1);
  return listed;
}

}  // namespace batchcall
