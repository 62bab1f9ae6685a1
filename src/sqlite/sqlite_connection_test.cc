// The SQLite layer: statement cache, cursors, transactions and their write
// order, the mapping of result codes.
#include "sqlite/sqlite_connection.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace batchcall::sqlite {
namespace {

constexpr const char* kInsert = "INSERT INTO t(k, v) VALUES (?1, ?2)";
constexpr const char* kCount = "SELECT count(*) FROM t";
constexpr const char* kValues = "SELECT v FROM t ORDER BY k";

std::unique_ptr<Connection> OpenTable(const test::TempDir& dir, std::shared_ptr<WriteOrder> order = nullptr) {
  ConnectionOptions options;
  options.path = dir.File("t.db");
  options.write_order = std::move(order);
  auto conn = Connection::Open(options);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_TRUE((*conn)->Exec("CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT)").ok());
  return std::move(*conn);
}

int64_t Count(Connection& conn) {
  auto st = conn.Prepare(kCount);
  EXPECT_TRUE(st.ok() && st->StepRow("no count").ok());
  return st->Int(0);
}

TEST(SqliteConnectionTest, CachedStatementsAreResetForReuseAndRowsWalked) {
  test::TempDir dir;
  auto conn = OpenTable(dir);
  for (int k = 1; k <= 3; ++k) {
    auto st = conn->Prepare(kInsert);
    ASSERT_TRUE(st.ok());
    ASSERT_TRUE(st->Bind(1, k).Bind(2, std::string(k, 'x')).Run().ok());
  }
  auto duplicate = conn->Prepare(kInsert);
  ASSERT_TRUE(duplicate.ok());
  EXPECT_EQ(duplicate->Bind(1, 1).BindNull(2).Run().code(), StatusCode::kConflict);

  std::vector<std::string> values;
  auto st = conn->Prepare(kValues);
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(ForEachRow(*st, [&](const Statement& row) {
                values.push_back(row.Text(0));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(values, (std::vector<std::string>{"x", "xx", "xxx"}));
}

TEST(SqliteConnectionTest, ATransactionRollsBackUnlessCommitted) {
  test::TempDir dir;
  auto conn = OpenTable(dir);
  {
    Transaction txn(*conn);
    ASSERT_TRUE(txn.Begin().ok());
    ASSERT_TRUE(conn->Exec("INSERT INTO t(k) VALUES (1)").ok());
  }
  EXPECT_EQ(Count(*conn), 0);
  Transaction txn(*conn);
  ASSERT_TRUE(txn.Begin().ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO t(k) VALUES (1)").ok());
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_EQ(Count(*conn), 1);
}

// Counts turns; admits while `admit`.
class FakeOrder : public WriteOrder {
 public:
  bool Enter(std::chrono::milliseconds) override {
    if (admit) ++inside;
    return admit;
  }
  void Leave() override { --inside; }
  bool admit = true;
  int inside = 0;
};

TEST(SqliteConnectionTest, WriteTransactionsTakeTheirTurnInTheWriteOrder) {
  test::TempDir dir;
  auto order = std::make_shared<FakeOrder>();
  auto conn = OpenTable(dir, order);
  {
    Transaction snapshot(*conn);
    ASSERT_TRUE(snapshot.Begin(/*immediate=*/false).ok());
    EXPECT_EQ(order->inside, 0);  // a read transaction takes no turn
  }
  {
    Transaction txn(*conn);
    ASSERT_TRUE(txn.Begin().ok());
    EXPECT_EQ(order->inside, 1);
    ASSERT_TRUE(txn.Commit().ok());
    EXPECT_EQ(order->inside, 0);
  }
  {
    Transaction txn(*conn);
    ASSERT_TRUE(txn.Begin().ok());
  }  // rolled back
  EXPECT_EQ(order->inside, 0);
  order->admit = false;
  Transaction refused(*conn);
  EXPECT_EQ(refused.Begin().code(), StatusCode::kUnavailable);
}

TEST(SqliteConnectionTest, OpenGivesTheResultCodeOfAFileThatIsNotADatabase) {
  test::TempDir dir;
  std::ofstream(dir.File("garbage.db")) << std::string(8192, 'x');
  ConnectionOptions options;
  options.path = dir.File("garbage.db");
  int rc = SQLITE_OK;
  auto conn = Connection::Open(options, &rc);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(rc & 0xff, SQLITE_NOTADB);

  options.path = dir.File("missing/t.db");
  conn = Connection::Open(options, &rc);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(rc & 0xff, SQLITE_CANTOPEN);
  EXPECT_NE(conn.status().message().find(options.path), std::string::npos);
}

}  // namespace
}  // namespace batchcall::sqlite
