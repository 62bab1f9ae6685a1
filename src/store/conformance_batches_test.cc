// Store conformance suite, part 2: batch listing and state changes, stop,
// delete, keyset paging with status filters, counts, concurrency.
#include <gmock/gmock.h>

#include <atomic>
#include <thread>

#include "store/conformance_test.h"
#include "store/rules/codecs.h"

namespace batchcall {

using ::testing::HasSubstr;

TEST_P(StoreConformanceTest, ListBatchesNewestFirstScopedByAgentAndAccount) {
  Account acc = NewAccount("acme");
  Account other = NewAccount("other");
  Agent a = NewAgent(acc.id, "a");
  Agent b = NewAgent(acc.id, "b");
  Batch first = Import(a, 1, 0, T(10));
  Batch second = Import(a, 1, 0, T(20));
  Batch of_b = Import(b, 1, 0, T(15));
  Batch third = Import(a, 1, 0, T(30));
  auto list = store().ListBatches(acc.id, a.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].batch.id, third.id);
  EXPECT_EQ((*list)[1].batch.id, second.id);
  EXPECT_EQ((*list)[2].batch.id, first.id);
  list = store().ListBatches(acc.id, b.id);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].batch.id, of_b.id);
  EXPECT_TRUE(store().ListBatches(other.id, a.id)->empty());
  EXPECT_EQ(store().GetBatch(other.id, first.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetBatch(acc.id, std::string(32, 'f')).status().code(), StatusCode::kNotFound);
}

// Walks every (from, to) pair of batch statuses against the state table.
TEST_P(StoreConformanceTest, ListBatchesCarriesEachBatchsCounts) {
  Account acc = NewAccount("acme");
  Agent a = NewAgent(acc.id, "a");
  Batch small = Import(a, 3, 0, T(10));
  Batch big = Import(a, 7, 2, T(20));
  Batch empty = Import(a, 0, 4, T(30));
  std::vector<Execution> of_big = AllExecutions(big);
  ASSERT_TRUE(SetStatus(of_big[0].id, ExecutionStatus::kCompleted).ok());
  ASSERT_TRUE(SetStatus(of_big[1].id, ExecutionStatus::kBusy).ok());
  auto list = store().ListBatches(acc.id, a.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].batch.id, empty.id);
  EXPECT_TRUE((*list)[0].counts.empty());
  EXPECT_EQ((*list)[1].counts, (StatusCounts{{ExecutionStatus::kPrepared, 5},
                                             {ExecutionStatus::kCompleted, 1},
                                             {ExecutionStatus::kBusy, 1}}));
  EXPECT_EQ((*list)[2].counts, (StatusCounts{{ExecutionStatus::kPrepared, 3}}));
  // The same counts as the one-batch read.
  for (const auto& b : *list) EXPECT_EQ(b.counts, *store().CountExecutions(b.batch.id)) << b.batch.id;
}

TEST_P(StoreConformanceTest, TransitionBatchFollowsTheStateTable) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  for (BatchStatus from : kAllBatchStatuses) {
    for (BatchStatus to : kAllBatchStatuses) {
      SCOPED_TRACE(std::string(ToString(from)) + " -> " + std::string(ToString(to)));
      Batch b = Import(agent, 1);
      ASSERT_NO_FATAL_FAILURE(DriveTo(b, from));
      BatchTransition t{to, T(500), true};
      auto r = store().TransitionBatch(acc.id, b.id, t, T(99));
      auto now = store().GetBatch(acc.id, b.id);
      ASSERT_TRUE(now.ok());
      if (CanTransition(from, to)) {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(r->status, to);
        EXPECT_EQ(r->scheduled_at, std::optional<TimePoint>(T(500)));
        EXPECT_TRUE(r->bypass_call_guardrails);
        EXPECT_EQ(r->updated_at, T(99));
        EXPECT_EQ(now->status, to);
      } else {
        ASSERT_EQ(r.status().code(), StatusCode::kConflict);
        EXPECT_THAT(r.status().message(), HasSubstr("batch is " + std::string(ToString(from))));
        EXPECT_EQ(now->status, from);
        EXPECT_FALSE(now->bypass_call_guardrails);
      }
    }
  }
}

TEST_P(StoreConformanceTest, TransitionConflictNamesCurrentStatusAndSources) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 1);
  DriveTo(b, BatchStatus::kRunning);
  auto r = store().TransitionBatch(acc.id, b.id, {BatchStatus::kScheduled, T(5), std::nullopt}, T(2));
  EXPECT_EQ(r.status().message(), "batch is running; it can only be scheduled from created, scheduled or paused");
  // Fields left unset keep their values.
  auto paused = store().TransitionBatch(acc.id, b.id, {BatchStatus::kPaused, std::nullopt, std::nullopt}, T(3));
  ASSERT_TRUE(paused.ok());
  EXPECT_FALSE(paused->scheduled_at.has_value());
  Account other = NewAccount("other");
  EXPECT_EQ(store().TransitionBatch(other.id, b.id, {BatchStatus::kRunning, {}, {}}, T(4)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, StopBatchStopsOnlyPreDialExecutions) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 8);
  EXPECT_EQ(store().StopBatch(acc.id, b.id, T(1)).status().code(), StatusCode::kConflict);  // created
  DriveTo(b, BatchStatus::kRunning);
  const ExecutionStatus before[] = {
      ExecutionStatus::kPrepared,  ExecutionStatus::kQueued,     ExecutionStatus::kRescheduled,
      ExecutionStatus::kScheduled, ExecutionStatus::kInitiated,  ExecutionStatus::kInProgress,
      ExecutionStatus::kCompleted, ExecutionStatus::kFailed,
  };
  std::vector<Execution> all = AllExecutions(b);
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_TRUE(SetStatus(all[i].id, before[i]).ok());
  Account other = NewAccount("other");
  EXPECT_EQ(store().StopBatch(other.id, b.id, T(2)).status().code(), StatusCode::kNotFound);

  auto stopped = store().StopBatch(acc.id, b.id, T(2));
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_EQ(stopped->status, BatchStatus::kStopped);
  all = AllExecutions(b);
  for (size_t i = 0; i < all.size(); ++i) {
    ExecutionStatus expected = IsPreDial(before[i]) ? ExecutionStatus::kStopped : before[i];
    EXPECT_EQ(all[i].status, expected) << i;
  }
  EXPECT_EQ(*store().CountExecutions(b.id),
            (StatusCounts{{ExecutionStatus::kStopped, 4}, {ExecutionStatus::kInitiated, 1},
                          {ExecutionStatus::kInProgress, 1}, {ExecutionStatus::kCompleted, 1},
                          {ExecutionStatus::kFailed, 1}}));
  auto again = store().StopBatch(acc.id, b.id, T(3));
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_THAT(again.status().message(), HasSubstr("stopped"));
}

// GetBatchWithCounts reads what GetBatch and CountExecutions read, and
// finds only the account's own batches.
TEST_P(StoreConformanceTest, BatchWithCountsIsTheBatchAndItsCounts) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 4, 1);
  std::vector<Execution> all = AllExecutions(b);
  ASSERT_TRUE(SetStatus(all[0].id, ExecutionStatus::kCompleted).ok());
  ASSERT_TRUE(SetStatus(all[1].id, ExecutionStatus::kBusy).ok());
  auto read = store().GetBatchWithCounts(acc.id, b.id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  auto batch = store().GetBatch(acc.id, b.id);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(read->batch.id, batch->id);
  EXPECT_EQ(read->batch.status, batch->status);
  EXPECT_EQ(read->batch.total_contacts, batch->total_contacts);
  EXPECT_EQ(read->batch.updated_at, batch->updated_at);
  EXPECT_EQ(read->counts, *store().CountExecutions(b.id));
  EXPECT_EQ(read->counts, (StatusCounts{{ExecutionStatus::kPrepared, 2}, {ExecutionStatus::kCompleted, 1},
                                        {ExecutionStatus::kBusy, 1}}));
  Account other = NewAccount("other");
  EXPECT_EQ(store().GetBatchWithCounts(other.id, b.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetBatchWithCounts(acc.id, std::string(32, 'f')).status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, DeleteBatchRefusedWhileACallIsInFlight) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 3, 1);
  std::vector<Execution> all = AllExecutions(b);
  for (ExecutionStatus s : {ExecutionStatus::kInitiated, ExecutionStatus::kRinging, ExecutionStatus::kInProgress,
                            ExecutionStatus::kCallDisconnected}) {
    ASSERT_TRUE(SetStatus(all[1].id, s).ok());
    EXPECT_EQ(store().DeleteBatch(acc.id, b.id).code(), StatusCode::kConflict) << ToString(s);
  }
  ASSERT_TRUE(SetStatus(all[1].id, ExecutionStatus::kCompleted).ok());
  Account other = NewAccount("other");
  EXPECT_EQ(store().DeleteBatch(other.id, b.id).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store().DeleteBatch(acc.id, b.id).ok());
  EXPECT_EQ(store().GetBatch(acc.id, b.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetExecution(acc.id, all[0].id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().ListRejects(b.id, 0, 10).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteBatch(acc.id, b.id).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, DeleteAgentRefusedWhileABatchIsActive) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch done = Import(agent, 2);
  Batch active = Import(agent, 2);
  for (BatchStatus s : {BatchStatus::kScheduled, BatchStatus::kRunning, BatchStatus::kPaused}) {
    Batch b = Import(agent, 1);
    DriveTo(b, s);
    EXPECT_EQ(store().DeleteAgent(acc.id, agent.id).code(), StatusCode::kConflict) << ToString(s);
    ASSERT_TRUE(store().StopBatch(acc.id, b.id, T(5)).ok());
  }
  DriveTo(active, BatchStatus::kScheduled);
  EXPECT_EQ(store().DeleteAgent(acc.id, agent.id).code(), StatusCode::kConflict);
  ASSERT_TRUE(store().StopBatch(acc.id, active.id, T(6)).ok());
  ASSERT_TRUE(store().DeleteAgent(acc.id, agent.id).ok());
  EXPECT_EQ(store().GetBatch(acc.id, done.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetBatch(acc.id, active.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().ListBatches(acc.id, agent.id)->empty());
}

TEST_P(StoreConformanceTest, ScanExecutionsVisitsTheRowsOfListExecutions) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 12);
  std::vector<Execution> all = AllExecutions(b);
  for (int i = 0; i < 12; i += 4) ASSERT_TRUE(SetStatus(all[i].id, ExecutionStatus::kCompleted).ok());
  for (const ExecutionQuery& q :
       {ExecutionQuery{acc.id, b.id, {}, std::nullopt, 100}, ExecutionQuery{acc.id, b.id, {}, 3, 5},
        ExecutionQuery{acc.id, b.id, {ExecutionStatus::kCompleted}, std::nullopt, 2},
        ExecutionQuery{acc.id, b.id, {ExecutionStatus::kPrepared, ExecutionStatus::kCompleted}, 6, 100},
        ExecutionQuery{acc.id, b.id, {}, 11, 10}}) {
    auto listed = store().ListExecutions(q);
    ASSERT_TRUE(listed.ok());
    std::vector<Execution> scanned;
    ASSERT_TRUE(store()
                    .ScanExecutions(q,
                                    [&](const ExecutionRow& row) -> Status {
                                      BC_ASSIGN_OR_RETURN(auto e, store_rules::ToExecution(row, b));
                                      scanned.push_back(std::move(e));
                                      return Status::Ok();
                                    })
                    .ok());
    ASSERT_EQ(scanned.size(), listed->size());
    for (size_t i = 0; i < scanned.size(); ++i) {
      EXPECT_EQ(scanned[i].id, (*listed)[i].id);
      EXPECT_EQ(scanned[i].row_index, (*listed)[i].row_index);
      EXPECT_EQ(scanned[i].status, (*listed)[i].status);
      EXPECT_EQ(scanned[i].variables, (*listed)[i].variables);
      EXPECT_EQ(scanned[i].created_at, (*listed)[i].created_at);
    }
    // The CSV export's columns are the same when the scan is told it reads
    // only those.
    ExecutionQuery csv_q = q;
    csv_q.csv_columns_only = true;
    size_t n = 0;
    ASSERT_TRUE(store()
                    .ScanExecutions(csv_q,
                                    [&](const ExecutionRow& row) -> Status {
                                      EXPECT_LT(n, listed->size());
                                      if (n >= listed->size()) return Status::Ok();
                                      const Execution& e = (*listed)[n++];
                                      EXPECT_EQ(row.id, e.id);
                                      EXPECT_EQ(row.row_index, e.row_index);
                                      EXPECT_EQ(row.contact_number, e.contact_number);
                                      EXPECT_EQ(*store_rules::ParseJsonStringArray(row.variables), e.variables);
                                      EXPECT_EQ(row.status, e.status);
                                      EXPECT_EQ(row.attempt_count, e.attempt_count);
                                      EXPECT_EQ(row.conversation_duration, e.conversation_duration);
                                      EXPECT_EQ(row.answered_by_voice_mail, e.answered_by_voice_mail);
                                      EXPECT_EQ(row.error_message, e.error_message);
                                      EXPECT_EQ(row.created_at_ms, store_rules::Millis(e.created_at));
                                      EXPECT_EQ(row.updated_at_ms, store_rules::Millis(e.updated_at));
                                      return Status::Ok();
                                    })
                    .ok());
    EXPECT_EQ(n, listed->size());
  }
  // The visitor's error ends the scan and is the result.
  int visited = 0;
  Status stopped = store().ScanExecutions({acc.id, b.id, {}, std::nullopt, 100}, [&](const ExecutionRow&) {
    return ++visited == 2 ? Internal("enough") : Status::Ok();
  });
  EXPECT_EQ(stopped.code(), StatusCode::kInternal);
  EXPECT_EQ(visited, 2);
  Account other = NewAccount("other");
  EXPECT_EQ(store()
                .ScanExecutions({other.id, b.id, {}, std::nullopt, 10}, [](const ExecutionRow&) { return Status::Ok(); })
                .code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListExecutionsKeysetPagesAndStatusFilter) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 25);
  std::vector<Execution> all = AllExecutions(b);
  ASSERT_EQ(all.size(), 25u);
  // Pages of 10 in CSV order.
  std::vector<int64_t> seen;
  std::optional<int64_t> after;
  for (int page_no = 0; page_no < 5; ++page_no) {
    auto page = store().ListExecutions({acc.id, b.id, {}, after, 10});
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (const auto& e : *page) seen.push_back(e.row_index);
    after = page->back().row_index;
  }
  ASSERT_EQ(seen.size(), 25u);
  for (int64_t i = 0; i < 25; ++i) EXPECT_EQ(seen[i], i);

  // Every 3rd completed, every 5th failed (15 is failed).
  for (int i = 0; i < 25; ++i) {
    if (i % 5 == 0) {
      ASSERT_TRUE(SetStatus(all[i].id, ExecutionStatus::kFailed).ok());
    } else if (i % 3 == 0) {
      ASSERT_TRUE(SetStatus(all[i].id, ExecutionStatus::kCompleted).ok());
    }
  }
  auto completed = store().ListExecutions({acc.id, b.id, {ExecutionStatus::kCompleted}, std::nullopt, 3});
  ASSERT_TRUE(completed.ok());
  std::vector<int64_t> rows;
  for (const auto& e : *completed) rows.push_back(e.row_index);
  EXPECT_EQ(rows, (std::vector<int64_t>{3, 6, 9}));
  completed = store().ListExecutions({acc.id, b.id, {ExecutionStatus::kCompleted}, 9, 100});
  rows.clear();
  for (const auto& e : *completed) rows.push_back(e.row_index);
  EXPECT_EQ(rows, (std::vector<int64_t>{12, 18, 21, 24}));

  auto mixed = store().ListExecutions(
      {acc.id, b.id, {ExecutionStatus::kFailed, ExecutionStatus::kCompleted, ExecutionStatus::kFailed}, 4, 5});
  ASSERT_TRUE(mixed.ok());
  rows.clear();
  for (const auto& e : *mixed) {
    rows.push_back(e.row_index);
    EXPECT_TRUE(e.status == ExecutionStatus::kFailed || e.status == ExecutionStatus::kCompleted);
  }
  EXPECT_EQ(rows, (std::vector<int64_t>{5, 6, 9, 10, 12}));

  EXPECT_TRUE(store().ListExecutions({acc.id, b.id, {ExecutionStatus::kRinging}, std::nullopt, 10})->empty());
  EXPECT_TRUE(store().ListExecutions({acc.id, b.id, {}, 24, 10})->empty());
  EXPECT_TRUE(store().ListExecutions({acc.id, b.id, {}, std::nullopt, 0})->empty());
  Account other = NewAccount("other");
  EXPECT_EQ(store().ListExecutions({other.id, b.id, {}, std::nullopt, 10}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().GetExecution(other.id, all[0].id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetExecution(acc.id, "00000000-0000-4000-8000-000000000000").status().code(),
            StatusCode::kNotFound);

  EXPECT_EQ(*store().CountExecutions(b.id),
            (StatusCounts{{ExecutionStatus::kPrepared, 13}, {ExecutionStatus::kCompleted, 7},
                          {ExecutionStatus::kFailed, 5}}));
}

TEST_P(StoreConformanceTest, ExecutionsOfSeveralBatchesStaySeparate) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch one = Import(agent, 4);
  Batch two = Import(agent, 6);
  EXPECT_EQ(AllExecutions(one).size(), 4u);
  EXPECT_EQ(AllExecutions(two).size(), 6u);
  ASSERT_TRUE(store().DeleteBatch(acc.id, one.id).ok());
  EXPECT_EQ(AllExecutions(two).size(), 6u);
  EXPECT_EQ(store().CountExecutions(two.id)->at(ExecutionStatus::kPrepared), 6);
}

TEST_P(StoreConformanceTest, ConcurrentReadersAndWriters) {
  Account acc = NewAccount("acme");
  constexpr int kThreads = 4;
  constexpr int kRounds = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto fail = [&](const Status& s) {
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << "thread " << t << ": " << s.ToString();
        }
      };
      Agent agent = SampleAgent(acc.id, "agent-" + std::to_string(t), T(t));
      fail(store().CreateAgent(agent));
      for (int r = 0; r < kRounds; ++r) {
        fail(store().EnsureDefaultAccount(T(0)).status());
        auto import = store().BeginImport(Draft(agent, T(r)));
        fail(import.status());
        if (!import.ok()) continue;
        for (int i = 0; i < 50; ++i) fail((*import)->AddContact({i, i + 2, "+14155550000", {"x", "y"}}));
        auto batch = (*import)->Commit(50, 50, 0);
        fail(batch.status());
        if (!batch.ok()) continue;
        fail(store().TransitionBatch(acc.id, batch->id, {BatchStatus::kScheduled, T(9), {}}, T(9)).status());
        fail(store().ListExecutions({acc.id, batch->id, {}, 10, 20}).status());
        fail(store().CountExecutions(batch->id).status());
        fail(store().ListAgents(acc.id).status());
        fail(store().StopBatch(acc.id, batch->id, T(10)).status());
        if (r % 2 == 0) fail(store().DeleteBatch(acc.id, batch->id));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store().ListAgents(acc.id)->size(), static_cast<size_t>(kThreads));
  size_t batches = 0;
  auto agents = store().ListAgents(acc.id);
  ASSERT_TRUE(agents.ok());
  for (const Agent& a : *agents) batches += store().ListBatches(acc.id, a.id)->size();
  EXPECT_EQ(batches, static_cast<size_t>(kThreads * (kRounds / 2)));
}

}  // namespace batchcall

namespace batchcall {

// Issue 13, finding 14: an import remembers its answer under the client's
// Idempotency-Key in its own transaction; a second import with the same key
// (a concurrent duplicate) fails with Conflict and stores nothing; keys are
// per account; answers older than the window are not found and are cleaned.
TEST_P(StoreConformanceTest, IdempotentResponsesAreStoredWithTheirBatchOnlyOnce) {
  Account acc = NewAccount("acme");
  Account other = NewAccount("other");
  Agent agent = NewAgent(acc.id, "sales");
  Agent other_agent = NewAgent(other.id, "sales");
  auto import_with_key = [&](const Agent& a, const std::string& key, TimePoint at, TimePoint expired_before) {
    Batch draft = Draft(a, at);
    auto import = store().BeginImport(draft);
    EXPECT_TRUE(import.ok()) << import.status().ToString();
    EXPECT_TRUE((*import)->AddContact({0, 2, "+14155551000", {"n", "c"}}).ok());
    (*import)->RememberResponse({a.account_id, key, "hash-" + draft.id, 201, "{\"batch_id\":\"" + draft.id + "\"}", at},
                                expired_before);
    auto committed = (*import)->Commit(1, 1, 0);
    return std::make_pair(draft.id, committed.status());
  };

  auto [first_id, first] = import_with_key(agent, "key-1", T(100), T(0));
  ASSERT_TRUE(first.ok()) << first.ToString();
  auto found = store().FindIdempotentResponse(acc.id, "key-1", T(50));
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->account_id, acc.id);
  EXPECT_EQ(found->key, "key-1");
  EXPECT_EQ(found->request_hash, "hash-" + first_id);
  EXPECT_EQ(found->status, 201);
  EXPECT_EQ(found->body, "{\"batch_id\":\"" + first_id + "\"}");
  EXPECT_EQ(found->created_at, T(100));
  EXPECT_EQ(store().FindIdempotentResponse(acc.id, "key-1", T(101)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindIdempotentResponse(acc.id, "key-2", T(0)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindIdempotentResponse(other.id, "key-1", T(0)).status().code(), StatusCode::kNotFound);

  // The same key again (a duplicate that lost the race): Conflict, no batch.
  auto [dup_id, dup] = import_with_key(agent, "key-1", T(110), T(10));
  EXPECT_EQ(dup.code(), StatusCode::kConflict) << dup.ToString();
  EXPECT_EQ(store().GetBatch(acc.id, dup_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindIdempotentResponse(acc.id, "key-1", T(0))->body, found->body);
  ASSERT_TRUE(store().GetBatch(acc.id, first_id).ok());

  // Another account may use the same key.
  auto [theirs_id, theirs] = import_with_key(other_agent, "key-1", T(120), T(10));
  ASSERT_TRUE(theirs.ok()) << theirs.ToString();
  EXPECT_EQ(store().FindIdempotentResponse(other.id, "key-1", T(0))->request_hash, "hash-" + theirs_id);

  // Once expired, the key is free again: the old answer is removed and the new one stored.
  auto [again_id, again] = import_with_key(agent, "key-1", T(200), T(150));
  ASSERT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(store().FindIdempotentResponse(acc.id, "key-1", T(0))->request_hash, "hash-" + again_id);
  // Cleaning is global: the other account's expired answer went too.
  EXPECT_EQ(store().FindIdempotentResponse(other.id, "key-1", T(0)).status().code(), StatusCode::kNotFound);
}

}  // namespace batchcall
