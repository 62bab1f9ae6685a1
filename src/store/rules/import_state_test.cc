#include "store/rules/import_state.h"

#include <gtest/gtest.h>

namespace batchcall::store_rules {
namespace {

TEST(ImportStateTest, RowsMustIncrease) {
  ImportState s;
  EXPECT_TRUE(s.AcceptRow(0).ok());
  EXPECT_TRUE(s.AcceptRow(5).ok());
  Status back = s.AcceptRow(5);
  EXPECT_EQ(back.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), "row_index 5 out of order (rows must come with increasing row_index)");
  EXPECT_EQ(s.AcceptRow(kMaxRowIndex + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.AcceptRow(kMaxRowIndex).ok());
  EXPECT_EQ(s.last_row_index(), kMaxRowIndex);
}

TEST(ImportStateTest, FirstFailureSticksAndFinishCloses) {
  ImportState s;
  EXPECT_TRUE(s.CheckOpen().ok());
  EXPECT_TRUE(s.Fail(Status::Ok()).ok());
  EXPECT_TRUE(s.CheckOpen().ok());
  EXPECT_EQ(s.Fail(Unavailable("first")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.Fail(Internal("second")).code(), StatusCode::kInternal);
  EXPECT_EQ(s.CheckOpen().message(), "first");
  ImportState t;
  t.Finish();
  EXPECT_EQ(t.CheckOpen().code(), StatusCode::kInternal);
  EXPECT_EQ(t.CheckOpen().message(), "the import is already finished");
}

TEST(ImportStateTest, RemembersTheResponse) {
  ImportState s;
  EXPECT_FALSE(s.remembered().has_value());
  IdempotentResponse r;
  r.key = "k1";
  s.Remember(r, FromUnixMillis(77));
  ASSERT_TRUE(s.remembered().has_value());
  EXPECT_EQ(s.remembered()->key, "k1");
  EXPECT_EQ(s.expired_before(), FromUnixMillis(77));
}

TEST(ImportStateTest, IdsComeBackSortedById) {
  ImportState s;
  s.AddId("c0000000-0000-0000-0000-000000000000", 3);
  s.AddId("a0000000-0000-0000-0000-000000000000", 1);
  s.AddId("b0000000-0000-0000-0000-000000000000", 2);
  const auto& ids = s.SortedIds();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(std::string(ids[0].id.data(), ids[0].id.size()),
            "a0000000-0000-0000-0000-000000000000");
  EXPECT_EQ(ids[0].key, 1);
  EXPECT_EQ(ids[2].key, 3);
  s.ReleaseIds();
  EXPECT_TRUE(s.SortedIds().empty());
}

}  // namespace
}  // namespace batchcall::store_rules
