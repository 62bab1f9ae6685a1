// PostgresStore: the webhook change journal (filled by the triggers of the
// engine schema, pg_engine_sql.h), the delivery outbox and the accounts'
// webhook secrets.
//
// Many nodes: EnqueueWebhooks inserts a delivery only when its own DELETE of
// the journal row removed it (a row consumed by another node adds nothing);
// claims lock due heads FOR UPDATE SKIP LOCKED. `head` marks the oldest
// pending delivery of each order_key; every write that can change it
// (insert, delivered, dead) holds a transaction-level advisory lock on the
// order_key, so concurrent writers of one order_key serialise and the flag
// stays exact.
#include <algorithm>

#include "store/postgres/pg_db.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_sql.h"
#include "store/postgres/pg_store_impl.h"
#include "store/rules/codecs.h"

namespace batchcall {

using pg::Connection;
using pg::Params;
using pg::Row;
using pg::Transaction;
using store_rules::Millis;
namespace sql = pg_sql;

namespace {

std::string TextOrEmpty(const Row& r, int col) { return r.IsNull(col) ? std::string() : r.Text(col); }

WebhookDelivery ReadDelivery(const Row& r) {
  WebhookDelivery d;
  d.id = r.Int(0);
  d.event_id = r.Text(1);
  d.account_id = r.Text(2);
  d.url = r.Text(3);
  d.event_type = r.Text(4);
  d.order_key = r.Text(5);
  d.body = r.Text(6);
  d.attempts = static_cast<int>(r.Int(7));
  d.created_at = FromUnixMillis(r.Int(8));
  d.next_attempt_at = FromUnixMillis(r.Int(9));
  d.last_error = r.Text(10);
  return d;
}

Status LockOrderKey(Connection& conn, const std::string& order_key) {
  return conn.Query(sql::kLockOrderKey, Params().Add(order_key)).status();
}

// Locks the order_key of delivery `id` and returns it; NotFound when there is
// no such delivery.
Result<std::string> LockDeliveryOrderKey(Connection& conn, int64_t id) {
  BC_ASSIGN_OR_RETURN(auto rows, conn.Query(sql::kSelectDeliveryOrderKey, Params().Add(id)));
  if (rows.size() == 0) return NotFound("webhook delivery " + std::to_string(id) + " not found");
  std::string key = rows.Text(0, 0);
  BC_RETURN_IF_ERROR(LockOrderKey(conn, key));
  return key;
}

Status PromoteHead(Connection& conn, const std::string& order_key) {
  return conn.Run(sql::kPromoteDeliveryHead, Params().Add(order_key)).status();
}

}  // namespace

// --- secrets

Status PostgresStore::RotateWebhookSecret(const std::string& account_id, const std::string& secret,
                                          TimePoint previous_until, TimePoint now) {
  if (secret.empty()) return InvalidArgument("a webhook secret must not be empty");
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // An unknown account is a foreign-key violation: NotFound.
  return (conn)
      ->Run(sql::kRotateWebhookSecret,
            Params()
                .Add(account_id)
                .Add(store_rules::SealSecret(secret, options_.secret_box))
                .Add(Millis(now))
                .Add(Millis(previous_until)))
      .status();
}

Result<WebhookSecrets> PostgresStore::GetWebhookSecrets(const std::string& account_id) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectWebhookSecrets, Params().Add(account_id)));
  WebhookSecrets out;
  if (rows.size() == 0) return out;  // never created: current is empty
  Row r(rows, 0);
  BC_ASSIGN_OR_RETURN(auto current, store_rules::OpenSecret(r.TextView(0), options_.secret_box));
  out.current = std::move(current);
  out.created_at = FromUnixMillis(r.Int(1));
  if (!r.IsNull(2)) {
    BC_ASSIGN_OR_RETURN(auto previous, store_rules::OpenSecret(r.TextView(2), options_.secret_box));
    out.previous = std::move(previous);
  }
  out.previous_until = r.OptionalTime(3);
  return out;
}

// --- journal

Result<std::vector<WebhookChange>> PostgresStore::ReadWebhookChanges(int64_t limit) {
  std::vector<WebhookChange> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectWebhookChanges, Params().Add(limit)));
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    Row r(rows, i);
    WebhookChange c;
    c.seq = r.Int(0);
    c.kind = r.Text(1);
    c.status = r.Text(2);
    c.at = FromUnixMillis(r.Int(3));
    c.account_id = TextOrEmpty(r, 4);
    c.object_id = TextOrEmpty(r, 5);
    c.url = TextOrEmpty(r, 6);
    out.push_back(std::move(c));
  }
  return out;
}

Result<int64_t> PostgresStore::EnqueueWebhooks(const std::vector<RenderedChange>& changes) {
  int64_t added = 0;
  if (changes.empty()) return added;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  for (const RenderedChange& ch : changes) {
    // A second node deleting the same row waits for us, then deletes nothing.
    BC_ASSIGN_OR_RETURN(auto deleted, c.Run(sql::kDeleteWebhookChange, Params().Add(ch.seq)));
    if (deleted == 0 || !ch.delivery) continue;  // consumed elsewhere, or dropped
    const WebhookDelivery& d = *ch.delivery;
    BC_RETURN_IF_ERROR(LockOrderKey(c, d.order_key));
    BC_ASSIGN_OR_RETURN(auto n,
                        c.Run(sql::kInsertWebhookDelivery, Params()
                                                               .Add(d.event_id)
                                                               .Add(d.account_id)
                                                               .Add(d.url)
                                                               .Add(d.event_type)
                                                               .Add(d.order_key)
                                                               .Add(d.body)
                                                               .Add(d.attempts)
                                                               .Add(Millis(d.created_at))
                                                               .Add(Millis(d.next_attempt_at))
                                                               .Add(d.last_error)));
    added += n;  // 0 when the event id was already enqueued
  }
  BC_RETURN_IF_ERROR(txn.Commit());
  return added;
}

// --- outbox

Result<std::vector<WebhookDelivery>> PostgresStore::ClaimWebhookDeliveries(TimePoint now, int64_t limit,
                                                                           const std::string& worker,
                                                                           TimePoint lease_until) {
  std::vector<WebhookDelivery> out;
  if (limit <= 0) return out;
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  // One statement (atomic by itself): lock due heads, skipping rows another
  // claimer holds, and lease them.
  BC_ASSIGN_OR_RETURN(
      auto rows,
      conn->Query(sql::kClaimDeliveries,
                  Params().Add(Millis(now)).Add(limit).Add(worker).Add(Millis(lease_until))));
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) out.push_back(ReadDelivery(Row(rows, i)));
  std::sort(out.begin(), out.end(), [](const WebhookDelivery& a, const WebhookDelivery& b) {
    return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at : a.id < b.id;
  });
  return out;
}

Status PostgresStore::MarkWebhookDelivered(int64_t id, TimePoint) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto order_key, LockDeliveryOrderKey(c, id));
  BC_ASSIGN_OR_RETURN(auto n, c.Run(sql::kDeleteDelivery, Params().Add(id)));
  if (n == 0) return NotFound("webhook delivery " + std::to_string(id) + " not found");
  BC_RETURN_IF_ERROR(PromoteHead(c, order_key));
  return txn.Commit();
}

Status PostgresStore::MarkWebhookFailed(int64_t id, std::optional<TimePoint> next_attempt_at, const std::string& error,
                                        TimePoint) {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  Connection& c = *conn;
  Transaction txn(c);
  BC_RETURN_IF_ERROR(txn.Begin());
  BC_ASSIGN_OR_RETURN(auto order_key, LockDeliveryOrderKey(c, id));
  Params p;
  p.Add(error);
  if (next_attempt_at) {
    p.Add(Millis(*next_attempt_at));
  } else {
    p.AddNull();
  }
  p.Add(id);
  BC_ASSIGN_OR_RETURN(auto n, c.Run(sql::kFailDelivery, p));
  if (n == 0) return NotFound("webhook delivery " + std::to_string(id) + " not found");
  // Given up: the next delivery of the same order_key takes its place.
  if (!next_attempt_at) BC_RETURN_IF_ERROR(PromoteHead(c, order_key));
  return txn.Commit();
}

Result<Store::WebhookBacklog> PostgresStore::GetWebhookBacklog() {
  BC_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  BC_ASSIGN_OR_RETURN(auto rows, conn->Query(sql::kSelectWebhookBacklog, Params()));
  WebhookBacklog b;
  if (rows.size() == 0) return b;
  b.pending = rows.Int(0, 0);
  b.dead = rows.Int(0, 1);
  if (!rows.IsNull(0, 2)) b.next_due = FromUnixMillis(rows.Int(0, 2));
  return b;
}

}  // namespace batchcall
