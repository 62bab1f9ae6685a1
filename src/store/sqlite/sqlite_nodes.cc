// SqliteStore: node heartbeats, adoption of the open attempts of nodes that
// stopped (or of this node's previous run), and which tracked attempts were
// closed elsewhere. The same operations serve many nodes on PostgreSQL; on
// SQLite they make restarts and a second process on the same file safe.
#include <unordered_set>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

using sqlite::Transaction;
namespace sql = sqlite_sql;

Status SqliteStore::Heartbeat(const std::string& worker, TimePoint now) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kHeartbeat));
  return st.Bind(1, worker).Bind(2, static_cast<int64_t>(ToUnixMillis(now))).Run();
}

Result<std::vector<OpenAttempt>> SqliteStore::AdoptOrphanAttempts(const std::string& worker,
                                                                  TimePoint stale_before, bool include_own) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  auto select_ids = [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectOrphanAttemptIds));
    st.Bind(1, worker)
        .Bind(2, include_own ? 1 : 0)
        .Bind(3, static_cast<int64_t>(ToUnixMillis(stale_before)));
    BC_RETURN_IF_ERROR(sqlite::ForEachRow(st, [&](const sqlite::Statement& s) {
      ids.push_back(s.Text(0));
      return Status::Ok();
    }));
    return ids;
  };
  // Look first without the write lock: every housekeeping round asks, and
  // there is almost never an orphan (so the round never waits behind a writer).
  {
    BC_ASSIGN_OR_RETURN(auto any, select_ids());
    if (any.empty()) return std::vector<OpenAttempt>{};
  }
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto ids, select_ids());  // again, under the write lock
  std::vector<OpenAttempt> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSetAttemptOwner));
      BC_RETURN_IF_ERROR(st.Bind(1, worker).Bind(2, id).Run());
    }
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectAttemptById));
    st.Bind(1, id);
    BC_RETURN_IF_ERROR(st.StepRow("attempt " + id + " not found"));
    out.push_back(sqlite::ReadOpenAttempt(st));
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Result<std::vector<std::string>> SqliteStore::FilterClosedAttempts(const std::vector<std::string>& attempt_ids) {
  std::vector<std::string> closed;
  if (attempt_ids.empty()) return closed;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin(/*immediate=*/false));
  for (const std::string& id : attempt_ids) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kIsAttemptOpen));
    st.Bind(1, id);
    BC_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) closed.push_back(id);
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return closed;
}

}  // namespace batchcall
