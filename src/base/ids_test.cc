#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace batchcall {
namespace {

TEST(Ids, UuidShapeAndVersion) {
  std::string id = NewUuid();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(NormalizeUuid(id), id);
}

TEST(Ids, BatchIdIs32LowercaseHex) {
  std::string id = NewBatchId();
  ASSERT_EQ(id.size(), 32u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
}

TEST(Ids, UniqueEnough) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(NewBatchId()).second);
}

TEST(Ids, NormalizeAcceptsBothFormsAndRejectsOthers) {
  EXPECT_EQ(NormalizeBatchId("1B4E28BA-2FA1-4D2B-883F-0016D3CCA427"), "1b4e28ba2fa14d2b883f0016d3cca427");
  EXPECT_EQ(NormalizeBatchId("1b4e28ba2fa14d2b883f0016d3cca427"), "1b4e28ba2fa14d2b883f0016d3cca427");
  EXPECT_EQ(NormalizeUuid("1b4e28ba2fa14d2b883f0016d3cca427"), "1b4e28ba-2fa1-4d2b-883f-0016d3cca427");
  EXPECT_FALSE(NormalizeBatchId("").has_value());
  EXPECT_FALSE(NormalizeBatchId("1b4e28ba2fa14d2b883f0016d3cca42").has_value());
  EXPECT_FALSE(NormalizeBatchId("1b4e28ba2fa14d2b883f0016d3cca42g").has_value());
  EXPECT_FALSE(NormalizeBatchId("1b4e28ba-2fa14d2b-883f-0016d3cca427").has_value());
  EXPECT_FALSE(NormalizeBatchId("../../etc/passwd").has_value());
}

}  // namespace
}  // namespace batchcall
