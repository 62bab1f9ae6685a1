// The never-dial-twice table of reconcile.h, one test row per table row.
// A row with a wildcard is checked for every concrete case it matches
// (that no earlier row matches), and every case must match some row.
#include "engine/reconcile.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace batchcall {
namespace {

using D = CheckDisposition;
using R = CheckReason;
using A = LookupAnswer;

// One row of the table; nullopt is "any".
struct Row {
  int number;
  std::optional<R> reason;
  A answer;
  std::optional<bool> has_call_id;
  std::optional<bool> blind;
  D disposition;
};

// The table in reconcile.h, row for row.
const std::vector<Row>& Table() {
  static const std::vector<Row> rows = {
      {1, std::nullopt, A::kOutcome, std::nullopt, std::nullopt, D::kRecordOutcome},
      {2, R::kTimeout, A::kProgress, std::nullopt, std::nullopt, D::kCloseNoResult},
      {3, std::nullopt, A::kProgress, std::nullopt, std::nullopt, D::kRecordProgress},
      {4, std::nullopt, A::kNotFound, std::nullopt, true, D::kCloseUnknownBlind},
      {5, std::nullopt, A::kNotFound, false, false, D::kRequeueNeverPlaced},
      {6, std::nullopt, A::kNotFound, true, false, D::kCloseNoRecord},
      {7, R::kTimeout, A::kFailed, std::nullopt, std::nullopt, D::kCloseUnreachable},
      {8, R::kUncertainDial, A::kFailed, std::nullopt, std::nullopt, D::kKeepUncertain},
      {9, R::kRecovery, A::kFailed, false, std::nullopt, D::kCloseInterrupted},
      {10, R::kRecovery, A::kFailed, true, std::nullopt, D::kKeepWaiting},
  };
  return rows;
}

bool Matches(const Row& row, const AttemptFacts& f) {
  return (!row.reason || *row.reason == f.reason) && row.answer == f.answer &&
         (!row.has_call_id || *row.has_call_id == f.has_call_id) && (!row.blind || *row.blind == f.blind);
}

// Every combination of facts.
std::vector<AttemptFacts> AllFacts() {
  std::vector<AttemptFacts> all;
  for (R reason : {R::kRecovery, R::kTimeout, R::kUncertainDial})
    for (A answer : {A::kOutcome, A::kProgress, A::kNotFound, A::kFailed})
      for (bool has_call_id : {false, true})
        for (bool blind : {false, true}) all.push_back(AttemptFacts{reason, answer, has_call_id, blind});
  return all;
}

std::string Describe(const AttemptFacts& f) {
  return std::string(ToString(f.reason)) + "/" + std::string(ToString(f.answer)) +
         (f.has_call_id ? "/call_id" : "/no_call_id") + (f.blind ? "/blind" : "/sees");
}

// The first row matching f (what Reconcile must return).
const Row* FirstMatch(const AttemptFacts& f) {
  for (const Row& row : Table())
    if (Matches(row, f)) return &row;
  return nullptr;
}

class ReconcileTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(ReconcileTableTest, RowDecidesEveryCaseItMatchesFirst) {
  const Row& row = GetParam();
  int cases = 0;
  for (const AttemptFacts& f : AllFacts()) {
    if (FirstMatch(f) != nullptr && FirstMatch(f)->number != row.number) continue;
    if (!Matches(row, f)) continue;
    ++cases;
    EXPECT_EQ(ToString(Reconcile(f)), ToString(row.disposition)) << Describe(f);
  }
  EXPECT_GT(cases, 0) << "row " << row.number << " is shadowed by earlier rows";
}

INSTANTIATE_TEST_SUITE_P(Rows, ReconcileTableTest, ::testing::ValuesIn(Table()),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return "Row" + std::to_string(info.param.number) + "_" +
                                  std::string(ToString(info.param.disposition));
                         });

TEST(ReconcileTest, EveryCaseIsInTheTable) {
  for (const AttemptFacts& f : AllFacts()) EXPECT_NE(FirstMatch(f), nullptr) << Describe(f);
}

TEST(ReconcileTest, DialsAgainOnlyWhenAProviderThatSeesTheCallHasNoRecordAndNoCallIdWasStored) {
  for (const AttemptFacts& f : AllFacts()) {
    bool never_placed = f.answer == A::kNotFound && !f.has_call_id && !f.blind;
    EXPECT_EQ(DialsAgain(Reconcile(f)), never_placed) << Describe(f);
  }
}

}  // namespace
}  // namespace batchcall
