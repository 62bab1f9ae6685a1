// SqliteStore: the webhook change journal (filled by the triggers of
// migration 3), the delivery outbox and the accounts' webhook secrets.
//
// Outbox ordering: `head` marks the oldest pending delivery of each
// order_key; only heads are claimed. Every write that can change which row
// is the head (insert, delivered, dead) runs in a BEGIN IMMEDIATE
// transaction and recomputes it, so the flag is always exact.
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace batchcall {

using sqlite::Connection;
using sqlite::ForEachRow;
using sqlite::Statement;
using sqlite::Transaction;
using store_rules::Millis;
namespace sql = sqlite_sql;

namespace {


std::string TextOrEmpty(const Statement& st, int col) { return st.IsNull(col) ? std::string() : st.Text(col); }

WebhookDelivery ReadDelivery(const Statement& st) {
  WebhookDelivery d;
  d.id = st.Int(0);
  d.event_id = st.Text(1);
  d.account_id = st.Text(2);
  d.url = st.Text(3);
  d.event_type = st.Text(4);
  d.order_key = st.Text(5);
  d.body = st.Text(6);
  d.attempts = static_cast<int>(st.Int(7));
  d.created_at = FromUnixMillis(st.Int(8));
  d.next_attempt_at = FromUnixMillis(st.Int(9));
  d.last_error = st.Text(10);
  return d;
}

// The order_key of delivery `id`; NotFound when there is no such delivery.
Result<std::string> DeliveryOrderKey(Connection& conn, int64_t id) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kSelectDeliveryOrderKey));
  st.Bind(1, id);
  BC_RETURN_IF_ERROR(st.StepRow("webhook delivery " + std::to_string(id) + " not found"));
  return st.Text(0);
}

// Makes the oldest pending delivery of `order_key` its head (no-op when it
// already is, or when none is pending).
Status PromoteHead(Connection& conn, const std::string& order_key) {
  BC_ASSIGN_OR_RETURN(auto st, conn.Prepare(sql::kPromoteDeliveryHead));
  return st.Bind(1, order_key).Run();
}

}  // namespace

// --- secrets

Status SqliteStore::RotateWebhookSecret(const std::string& account_id, const std::string& secret,
                                        TimePoint previous_until, TimePoint now) {
  if (secret.empty()) return InvalidArgument("a webhook secret must not be empty");
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kRotateWebhookSecret));
  st.Bind(1, account_id).Bind(2, store_rules::SealSecret(secret, options_.secret_box));
  st.Bind(3, Millis(now)).Bind(4, Millis(previous_until));
  return st.Run();  // an unknown account is a foreign-key violation: NotFound
}

Result<WebhookSecrets> SqliteStore::GetWebhookSecrets(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectWebhookSecrets));
  st.Bind(1, account_id);
  WebhookSecrets out;
  BC_ASSIGN_OR_RETURN(auto row, st.Step());
  if (!row) return out;  // never created: current is empty
  BC_ASSIGN_OR_RETURN(auto current, store_rules::OpenSecret(st.TextView(0), options_.secret_box));
  out.current = std::move(current);
  out.created_at = FromUnixMillis(st.Int(1));
  if (!st.IsNull(2)) {
    BC_ASSIGN_OR_RETURN(auto previous,
                        store_rules::OpenSecret(st.TextView(2), options_.secret_box));
    out.previous = std::move(previous);
  }
  if (!st.IsNull(3)) out.previous_until = FromUnixMillis(st.Int(3));
  return out;
}

// --- journal

Result<std::vector<WebhookChange>> SqliteStore::ReadWebhookChanges(int64_t limit) {
  std::vector<WebhookChange> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectWebhookChanges));
  st.Bind(1, limit);
  BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
    WebhookChange c;
    c.seq = s.Int(0);
    c.kind = s.Text(1);
    c.status = s.Text(2);
    c.at = FromUnixMillis(s.Int(3));
    c.account_id = TextOrEmpty(s, 4);
    c.object_id = TextOrEmpty(s, 5);
    c.url = TextOrEmpty(s, 6);
    out.push_back(std::move(c));
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> SqliteStore::EnqueueWebhooks(const std::vector<RenderedChange>& changes) {
  int64_t added = 0;
  if (changes.empty()) return added;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const RenderedChange& c : changes) {
    {
      BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteWebhookChange));
      BC_RETURN_IF_ERROR(st.Bind(1, c.seq).Run());
    }
    if (conn->Changes() == 0 || !c.delivery) continue;  // consumed elsewhere, or dropped
    const WebhookDelivery& d = *c.delivery;
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kInsertWebhookDelivery));
    st.Bind(1, d.event_id)
        .Bind(2, d.account_id)
        .Bind(3, d.url)
        .Bind(4, d.event_type)
        .Bind(5, d.order_key);
    st.Bind(6, d.body)
        .Bind(7, d.attempts)
        .Bind(8, Millis(d.created_at))
        .Bind(9, Millis(d.next_attempt_at));
    BC_RETURN_IF_ERROR(st.Bind(10, d.last_error).Run());
    added += conn->Changes();  // 0 when the event id was already enqueued
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return added;
}

// --- outbox

Result<std::vector<WebhookDelivery>> SqliteStore::ClaimWebhookDeliveries(TimePoint now, int64_t limit,
                                                                         const std::string& worker,
                                                                         TimePoint lease_until) {
  std::vector<WebhookDelivery> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  {
    // Look first without the write lock: usually nothing is due, and an idle
    // poller then never waits behind (or holds up) a writer such as an upload.
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDueDeliveries));
    st.Bind(1, Millis(now)).Bind(2, 1);
    BC_ASSIGN_OR_RETURN(auto due, st.Step());
    if (!due) return out;
  }
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectDueDeliveries));
    st.Bind(1, Millis(now)).Bind(2, limit);
    BC_RETURN_IF_ERROR(ForEachRow(st, [&](Statement& s) {
      out.push_back(ReadDelivery(s));
      return Status::Ok();
    }));
  }
  for (const WebhookDelivery& d : out) {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kLeaseDelivery));
    BC_RETURN_IF_ERROR(st.Bind(1, worker).Bind(2, Millis(lease_until)).Bind(3, d.id).Run());
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Status SqliteStore::MarkWebhookDelivered(int64_t id, TimePoint) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto order_key, DeliveryOrderKey(*conn, id));
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kDeleteDelivery));
    BC_RETURN_IF_ERROR(st.Bind(1, id).Run());
  }
  BC_RETURN_IF_ERROR(PromoteHead(*conn, order_key));
  return txn.Commit();
}

Status SqliteStore::MarkWebhookFailed(int64_t id, std::optional<TimePoint> next_attempt_at, const std::string& error,
                                      TimePoint) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Transaction txn(*conn);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto order_key, DeliveryOrderKey(*conn, id));
  {
    BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kFailDelivery));
    st.Bind(1, error);
    if (next_attempt_at) {
      st.Bind(2, Millis(*next_attempt_at));
    } else {
      st.BindNull(2);
    }
    BC_RETURN_IF_ERROR(st.Bind(3, id).Run());
  }
  // Given up: the next delivery of the same order_key takes its place.
  if (!next_attempt_at) BC_RETURN_IF_ERROR(PromoteHead(*conn, order_key));
  return txn.Commit();
}

Result<Store::WebhookBacklog> SqliteStore::GetWebhookBacklog() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto st, conn->Prepare(sql::kSelectWebhookBacklog));
  BC_RETURN_IF_ERROR(st.StepRow("webhook backlog"));
  WebhookBacklog b;
  b.pending = st.Int(0);
  b.dead = st.Int(1);
  if (!st.IsNull(2)) b.next_due = FromUnixMillis(st.Int(2));
  return b;
}

}  // namespace batchcall
