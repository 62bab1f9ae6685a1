#include "base/ids.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
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

TEST(Ids, OrderedUuidsAreVersion7AndIncreasing) {
  OrderedUuids ids;
  std::string last;
  std::set<std::string> seen;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < 100000; ++i) {
    const std::string id = ids.Next();
    ASSERT_EQ(id.size(), 36u);
    ASSERT_EQ(NormalizeUuid(id), id);
    ASSERT_EQ(id[14], '7') << id;                            // version
    ASSERT_TRUE(std::string("89ab").find(id[19]) != std::string::npos) << id;  // variant 10
    ASSERT_LT(last, id);
    ASSERT_TRUE(seen.insert(id).second);
    last = id;
  }
  // The first 48 bits are the start time in milliseconds.
  const long long ms = std::stoll(last.substr(0, 8) + last.substr(9, 4), nullptr, 16);
  EXPECT_LE(std::llabs(ms - now_ms), 60000) << last;
}

TEST(Ids, OrderedUuidsMoveTimeOnWhenTheCounterEnds) {
  OrderedUuids ids(0x0123456789ab, (1u << 30) - 2);
  const std::string a = ids.Next();
  const std::string b = ids.Next();
  const std::string c = ids.Next();
  EXPECT_EQ(a.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(a.substr(14, 3), "7ff");  // counter bits 29..18 all set
  EXPECT_EQ(b.substr(0, 13), "01234567-89ab");
  EXPECT_EQ(c.substr(0, 13), "01234567-89ac");  // a millisecond on, counter 0
  EXPECT_EQ(c.substr(14, 4), "7000");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  // Two sequences started at the same moment do not collide.
  OrderedUuids x(1, 5), y(1, 5);
  EXPECT_NE(x.Next(), y.Next());
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
