#include "base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace batchcall {
namespace {

Result<int> Parse(const std::string& text) {
  if (text.empty()) return InvalidArgument("empty");
  return std::stoi(text);
}

Result<int> Doubled(const std::string& text) {
  BC_ASSIGN_OR_RETURN(int n, Parse(text));
  return 2 * n;
}

Status SumInto(const std::string& a, const std::string& b, int* out) {
  BC_ASSIGN_OR_RETURN(int x, Parse(a));
  BC_ASSIGN_OR_RETURN(int y, Parse(b));  // a second use in one scope
  *out = x + y;
  return Status::Ok();
}

Result<std::unique_ptr<int>> Boxed(int n) {
  if (n < 0) return NotFound("negative");
  return std::make_unique<int>(n);
}

Result<int> Unboxed(int n) {
  BC_ASSIGN_OR_RETURN(auto box, Boxed(n));  // move-only value
  return *box;
}

Result<int> AssignsExisting(const std::string& text) {
  int n = -1;
  BC_ASSIGN_OR_RETURN(n, Parse(text));
  return n;
}

TEST(AssignOrReturnTest, AssignsTheValue) {
  auto r = Doubled("21");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(*AssignsExisting("7"), 7);
  EXPECT_EQ(*Unboxed(5), 5);
}

TEST(AssignOrReturnTest, ReturnsTheFailure) {
  auto r = Doubled("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "empty");
  EXPECT_EQ(Unboxed(-1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AssignsExisting("").status().code(), StatusCode::kInvalidArgument);
}

TEST(AssignOrReturnTest, WorksInAStatusFunction) {
  int sum = 0;
  ASSERT_TRUE(SumInto("2", "3", &sum).ok());
  EXPECT_EQ(sum, 5);
  sum = 0;
  EXPECT_EQ(SumInto("2", "", &sum).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sum, 0);
}

}  // namespace
}  // namespace batchcall
