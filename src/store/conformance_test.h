// The Store conformance suite: GoogleTest cases written against Store& only,
// run for every backend. A backend instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreFactory(&MakeSqliteHarness)));
//
// Test-only code; not thread-safe beyond what each test does itself.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace batchcall {

// A hold and a block for RescheduleExecutions / CancelExecutions.
inline ExecutionHold Held(const std::string& id, TimePoint at, std::string reason = "calling_hours",
                          std::optional<std::string> prior = std::nullopt) {
  return {id, std::move(reason), std::move(prior), at, "", 1};
}
inline ExecutionHold Blocked(const std::string& id, std::string message, std::string reason = "do_not_call") {
  return {id, std::move(reason), std::nullopt, TimePoint{}, std::move(message), 1};
}

// A fresh, empty store plus the narrow hooks the suite needs that Store
// does not offer.
struct StoreHarness {
  // Resources the store depends on (temporary files, a SecretBox, ...);
  // destroyed after the store.
  std::shared_ptr<void> owner;
  std::unique_ptr<Store> store;
  // Sets one execution's status directly, bypassing every rule (to put an
  // execution in flight, finished, ...).
  std::function<Status(const std::string& execution_id, ExecutionStatus status)> set_execution_status;
};

using StoreFactory = std::function<StoreHarness()>;

// Fixture with helpers that build typical records. Every helper asserts
// success (use ASSERT_NO_FATAL_FAILURE around calls when it matters).
class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  // Checks every batch the test imported (ExpectCountsMatchRows), then
  // closes the store.
  void TearDown() override;

  Store& store() { return *harness_.store; }
  Status SetStatus(const std::string& execution_id, ExecutionStatus s) {
    return harness_.set_execution_status(execution_id, s);
  }

  // 2026-01-01T00:00:00Z + seconds.
  static TimePoint T(int64_t seconds);
  // A new account named `name`.
  Account NewAccount(const std::string& name);
  // An agent with every field set (provider with a secret, guardrails, retry config).
  Agent SampleAgent(const std::string& account_id, const std::string& name, TimePoint created);
  Agent NewAgent(const std::string& account_id, const std::string& name, TimePoint created = T(0));
  // A batch draft of the agent with columns {"name", "city"}.
  static Batch Draft(const Agent& agent, TimePoint created = T(0));
  // Imports `contacts` rows (number +1415555xxxx, variables {"n<i>", "c<i>"})
  // and `rejects` rejected rows, and commits.
  Batch Import(const Agent& agent, int contacts, int rejects = 0, TimePoint created = T(0));
  // Every execution of the batch, CSV order.
  std::vector<Execution> AllExecutions(const Batch& batch);
  // CountExecutions (kept by the store as statuses change) equals a count of
  // the batch's execution rows by status; nothing when the batch is gone.
  void ExpectCountsMatchRows(const Batch& batch);
  // Drives a created batch to `status` through allowed transitions.
  void DriveTo(const Batch& batch, BatchStatus status);
  // Like Import, but the batch has no webhook_url (conformance_webhooks_test.cc).
  Batch ImportWithoutBatchWebhook(const Agent& agent, int contacts);
  // Journals `n` webhook changes (status flips of one execution of a new
  // account's agent with a webhook_url) and returns their seqs.
  std::vector<int64_t> JournalChanges(int n);

  StoreHarness harness_;
  // Every batch Import and ImportWithoutBatchWebhook committed.
  std::vector<Batch> imported_;
};

// store.ApplyCallUpdates(updates, now), expected to succeed; its outcomes
// (empty when it failed).
std::vector<AppliedOutcome> Apply(Store& store, const std::vector<CallUpdate>& updates, TimePoint now);

}  // namespace batchcall
