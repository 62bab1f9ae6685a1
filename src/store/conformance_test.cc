// Store conformance suite, part 1: fixture helpers, accounts, API keys,
// agents, imports, executions listing. Part 2 (batch states, stop, delete,
// concurrency) is conformance_batches_test.cc.
#include "store/conformance_test.h"

#include <gmock/gmock.h>

#include <atomic>
#include <set>

namespace batchcall {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void StoreConformanceTest::SetUp() {
  harness_ = GetParam()();
  ASSERT_NE(harness_.store, nullptr);
  ASSERT_TRUE(harness_.set_execution_status);
}

void StoreConformanceTest::TearDown() {
  if (harness_.store) {
    for (const Batch& b : imported_) ExpectCountsMatchRows(b);
  }
  harness_.store.reset();
}

void StoreConformanceTest::ExpectCountsMatchRows(const Batch& batch) {
  auto kept = store().CountExecutions(batch.id);
  if (kept.status().code() == StatusCode::kNotFound) return;
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  StatusCounts counted;
  for (const Execution& e : AllExecutions(batch)) counted[e.status]++;
  EXPECT_EQ(*kept, counted) << "batch " << batch.id;
}

TimePoint StoreConformanceTest::T(int64_t seconds) {
  return FromUnixMillis(1767225600000LL + seconds * 1000);
}

Account StoreConformanceTest::NewAccount(const std::string& name) {
  auto a = store().CreateAccount(name, T(0));
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? *a : Account{};
}

Agent StoreConformanceTest::SampleAgent(const std::string& account_id, const std::string& name,
                                        TimePoint created) {
  static std::atomic<int> counter{0};
  Agent a;
  a.id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++counter);
  a.account_id = account_id;
  a.name = name;
  a.provider_type = "twilio";
  a.provider = {{"account_sid", "AC123"}, {"auth_token", "very-secret-token"}, {"speed", 2.5}};
  a.from_phone_numbers = {"+14155550100", "+14155550101"};
  a.webhook_url = "https://example.com/hook";
  a.welcome_message = "Hello {name}";
  a.calling_guardrails = CallingGuardrails{8, 20, "America/New_York", kAllWeekdays, AmbiguousZonePolicy::kDefault, {}};
  a.max_concurrency = 7;
  a.calls_per_second = 0.5;
  RetryConfig r;
  r.enabled = true;
  r.max_retries = 2;
  r.retry_on_statuses = {ExecutionStatus::kBusy, ExecutionStatus::kNoAnswer};
  r.retry_on_voicemail = true;
  r.retry_intervals_minutes = {5, 60};
  a.retry_config = r;
  a.created_at = created;
  a.updated_at = created;
  return a;
}

Agent StoreConformanceTest::NewAgent(const std::string& account_id, const std::string& name, TimePoint created) {
  Agent a = SampleAgent(account_id, name, created);
  Status s = store().CreateAgent(a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return a;
}

Batch StoreConformanceTest::Draft(const Agent& agent, TimePoint created) {
  static std::atomic<int> counter{0};
  Batch b;
  std::string n = std::to_string(++counter);
  b.id = std::string(32 - n.size(), 'a') + n;
  b.account_id = agent.account_id;
  b.agent_id = agent.id;
  b.created_at = created;
  b.updated_at = created;
  b.file_name = "contacts.csv";
  b.columns = {"name", "city"};
  b.from_phone_numbers = {"+14155550100"};
  b.webhook_url = "https://example.com/batch-hook";
  b.phone_validation = PhoneValidationMode::kPossible;
  b.default_country = "US";
  b.allow_duplicates = true;
  return b;
}

Batch StoreConformanceTest::Import(const Agent& agent, int contacts, int rejects, TimePoint created) {
  auto import = store().BeginImport(Draft(agent, created));
  EXPECT_TRUE(import.ok()) << import.status().ToString();
  if (!import.ok()) return Batch{};
  for (int i = 0; i < contacts; ++i) {
    ContactRow row{i, i + 2, "+1415555" + std::to_string(1000 + i), {"n" + std::to_string(i), "c" + std::to_string(i)}};
    Status s = (*import)->AddContact(row);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  for (int i = 0; i < rejects; ++i) {
    Status s = (*import)->AddReject({contacts + i + 2, "bad" + std::to_string(i), "invalid_number", "Not a number."});
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  auto batch = (*import)->Commit(contacts + rejects, contacts, rejects);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (batch.ok()) imported_.push_back(*batch);
  return batch.ok() ? *batch : Batch{};
}

std::vector<Execution> StoreConformanceTest::AllExecutions(const Batch& batch) {
  ExecutionQuery q{batch.account_id, batch.id, {}, std::nullopt, 1'000'000};
  auto page = store().ListExecutions(q);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? *page : std::vector<Execution>{};
}

void StoreConformanceTest::DriveTo(const Batch& batch, BatchStatus status) {
  std::vector<BatchStatus> path;
  switch (status) {
    case BatchStatus::kCreated: break;
    case BatchStatus::kScheduled: path = {BatchStatus::kScheduled}; break;
    case BatchStatus::kRunning: path = {BatchStatus::kScheduled, BatchStatus::kRunning}; break;
    case BatchStatus::kPaused: path = {BatchStatus::kScheduled, BatchStatus::kPaused}; break;
    case BatchStatus::kCompleted:
      path = {BatchStatus::kScheduled, BatchStatus::kRunning, BatchStatus::kCompleted};
      break;
    case BatchStatus::kStopped: path = {BatchStatus::kScheduled, BatchStatus::kStopped}; break;
    case BatchStatus::kFailed: path = {BatchStatus::kScheduled, BatchStatus::kFailed}; break;
  }
  for (BatchStatus to : path) {
    auto r = store().TransitionBatch(batch.account_id, batch.id, {to, std::nullopt, std::nullopt}, T(1));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// --- accounts and keys

std::vector<AppliedOutcome> Apply(Store& store, const std::vector<CallUpdate>& updates, TimePoint now) {
  auto r = store.ApplyCallUpdates(updates, now);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<AppliedOutcome>{};
}

TEST_P(StoreConformanceTest, DefaultAccountIsCreatedOnce) {
  auto a = store().EnsureDefaultAccount(T(0));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = store().EnsureDefaultAccount(T(10));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->created_at, T(0));
  auto other = store().CreateAccount("acme", T(1));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->id, a->id);
  EXPECT_EQ(store().EnsureDefaultAccount(T(2))->id, a->id);
}

TEST_P(StoreConformanceTest, ApiKeysAddFindAndRejectDuplicates) {
  Account acc = NewAccount("acme");
  EXPECT_EQ(*store().CountApiKeys(), 0);
  ApiKey key{"key-1", acc.id, "cli", std::string(64, 'a'), T(0), "bc_1a2b3", std::nullopt};
  ASSERT_TRUE(store().AddApiKey(key).ok());
  auto found = store().FindApiKeyByHash(key.key_hash);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->account_id, acc.id);
  EXPECT_EQ(found->id, "key-1");
  EXPECT_EQ(found->name, "cli");
  EXPECT_EQ(found->prefix, "bc_1a2b3");
  EXPECT_EQ(found->created_at, T(0));
  EXPECT_FALSE(found->last_used_at.has_value());
  EXPECT_EQ(store().FindApiKeyByHash(std::string(64, 'b')).status().code(), StatusCode::kNotFound);
  ApiKey dup{"key-2", acc.id, "again", key.key_hash, T(1), "", std::nullopt};
  EXPECT_EQ(store().AddApiKey(dup).code(), StatusCode::kConflict);
  ApiKey second{"key-3", acc.id, "other", std::string(64, 'c'), T(1), "", std::nullopt};
  ASSERT_TRUE(store().AddApiKey(second).ok());
  EXPECT_EQ(*store().CountApiKeys(), 2);
}

// Issue 13, finding 4: keys are listed per account, revoked within the
// account only, never found again once revoked (nor re-added), and their
// last use is recorded as the latest time given.
TEST_P(StoreConformanceTest, ApiKeysListRevokeAndRecordUse) {
  Account acc = NewAccount("acme");
  Account other = NewAccount("other");
  ASSERT_TRUE(store().AddApiKey({"k1", acc.id, "first", std::string(64, '1'), T(1), "bc_11111", std::nullopt}).ok());
  ASSERT_TRUE(store().AddApiKey({"k2", acc.id, "second", std::string(64, '2'), T(2), "bc_22222", std::nullopt}).ok());
  ASSERT_TRUE(store().AddApiKey({"k3", other.id, "theirs", std::string(64, '3'), T(0), "", std::nullopt}).ok());

  auto listed = store().ListApiKeys(acc.id);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "k1");
  EXPECT_EQ((*listed)[1].id, "k2");
  EXPECT_EQ((*listed)[1].prefix, "bc_22222");
  auto all = store().ListApiKeys("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "k3");  // oldest first

  // Another account's key is NotFound, exactly like an unknown one.
  EXPECT_EQ(store().RevokeApiKey(acc.id, "k3", T(5)).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RevokeApiKey(acc.id, "nope", T(5)).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().FindApiKeyByHash(std::string(64, '3')).ok());

  ASSERT_TRUE(store().RevokeApiKey(acc.id, "k1", T(5)).ok());
  EXPECT_EQ(store().FindApiKeyByHash(std::string(64, '1')).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().RevokeApiKey(acc.id, "k1", T(6)).code(), StatusCode::kNotFound);  // already revoked
  ASSERT_EQ(store().ListApiKeys(acc.id)->size(), 1u);
  EXPECT_EQ(store().ListApiKeys(acc.id)->front().id, "k2");
  EXPECT_EQ(store().AddApiKey({"k4", acc.id, "again", std::string(64, '1'), T(7), "", std::nullopt}).code(),
            StatusCode::kConflict);
  EXPECT_EQ(*store().CountApiKeys(), 3);  // revoked keys still count (first start detection)
  // The operator revokes in any account.
  ASSERT_TRUE(store().RevokeApiKey("", "k3", T(8)).ok());
  EXPECT_TRUE(store().ListApiKeys(other.id)->empty());

  ASSERT_TRUE(store().RecordApiKeyUse({{"k2", T(100)}, {"unknown", T(100)}}).ok());
  ASSERT_TRUE(store().RecordApiKeyUse({{"k2", T(50)}}).ok());  // older: kept the later one
  auto k2 = store().FindApiKeyByHash(std::string(64, '2'));
  ASSERT_TRUE(k2.ok());
  ASSERT_TRUE(k2->last_used_at.has_value());
  EXPECT_EQ(*k2->last_used_at, T(100));
  EXPECT_EQ(store().ListApiKeys(acc.id)->front().last_used_at, T(100));
  EXPECT_TRUE(store().RecordApiKeyUse({}).ok());
}

// --- agents

TEST_P(StoreConformanceTest, AgentCrudRoundTripsEveryField) {
  Account acc = NewAccount("acme");
  Agent a = NewAgent(acc.id, "sales", T(5));
  auto got = store().GetAgent(acc.id, a.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "sales");
  EXPECT_EQ(got->provider_type, "twilio");
  EXPECT_EQ(got->provider, a.provider);
  EXPECT_EQ(got->from_phone_numbers, a.from_phone_numbers);
  EXPECT_EQ(got->webhook_url, a.webhook_url);
  EXPECT_EQ(got->welcome_message, a.welcome_message);
  ASSERT_TRUE(got->calling_guardrails.has_value());
  EXPECT_EQ(got->calling_guardrails->call_start_hour, 8);
  EXPECT_EQ(got->calling_guardrails->call_end_hour, 20);
  EXPECT_EQ(got->calling_guardrails->default_timezone, "America/New_York");
  EXPECT_EQ(got->max_concurrency, 7);
  EXPECT_DOUBLE_EQ(got->calls_per_second, 0.5);
  ASSERT_TRUE(got->retry_config.has_value());
  EXPECT_EQ(got->retry_config->max_retries, 2);
  EXPECT_THAT(got->retry_config->retry_on_statuses, ElementsAre(ExecutionStatus::kBusy, ExecutionStatus::kNoAnswer));
  EXPECT_EQ(got->retry_config->retry_intervals_minutes, (std::vector<int>{5, 60}));
  EXPECT_TRUE(got->retry_config->retry_on_voicemail);
  EXPECT_EQ(got->created_at, T(5));

  EXPECT_EQ(store().CreateAgent(a).code(), StatusCode::kConflict);

  Agent b = NewAgent(acc.id, "support", T(6));
  auto list = store().ListAgents(acc.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a.id);  // oldest first
  EXPECT_EQ((*list)[1].id, b.id);

  a.name = "sales-2";
  a.webhook_url.reset();
  a.calling_guardrails.reset();
  a.retry_config.reset();
  a.provider = {{"auth_token", "rotated"}};
  a.updated_at = T(9);
  ASSERT_TRUE(store().UpdateAgent(a).ok());
  got = store().GetAgent(acc.id, a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "sales-2");
  EXPECT_FALSE(got->webhook_url.has_value());
  EXPECT_FALSE(got->calling_guardrails.has_value());
  EXPECT_FALSE(got->retry_config.has_value());
  EXPECT_EQ(got->provider, a.provider);
  EXPECT_EQ(got->updated_at, T(9));

  auto by_name = store().FindAgentByName(acc.id, "support");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, b.id);
  EXPECT_EQ(store().FindAgentByName(acc.id, "nobody").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store().DeleteAgent(acc.id, a.id).ok());
  EXPECT_EQ(store().GetAgent(acc.id, a.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteAgent(acc.id, a.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().ListAgents(acc.id)->size(), 1u);
}

TEST_P(StoreConformanceTest, AgentsOfAnotherAccountAreNotFound) {
  Account mine = NewAccount("mine");
  Account theirs = NewAccount("theirs");
  Agent a = NewAgent(mine.id, "sales");
  EXPECT_EQ(store().GetAgent(theirs.id, a.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindAgentByName(theirs.id, "sales").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().ListAgents(theirs.id)->empty());
  Agent hijack = a;
  hijack.account_id = theirs.id;
  hijack.name = "stolen";
  EXPECT_EQ(store().UpdateAgent(hijack).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteAgent(theirs.id, a.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetAgent(mine.id, a.id)->name, "sales");
  // A batch for another account's agent is refused too.
  Batch draft = Draft(a);
  draft.account_id = theirs.id;
  EXPECT_EQ(store().BeginImport(draft).status().code(), StatusCode::kNotFound);
}

// --- imports

TEST_P(StoreConformanceTest, CommittedImportIsVisible) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch b = Import(agent, 3, 2, T(30));
  EXPECT_EQ(b.status, BatchStatus::kCreated);
  EXPECT_EQ(b.total_contacts, 5);
  EXPECT_EQ(b.valid_contacts, 3);
  EXPECT_EQ(b.invalid_contacts, 2);

  auto got = store().GetBatch(acc.id, b.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->agent_id, agent.id);
  EXPECT_EQ(got->file_name, "contacts.csv");
  EXPECT_EQ(got->columns, (std::vector<std::string>{"name", "city"}));
  EXPECT_EQ(got->from_phone_numbers, (std::vector<std::string>{"+14155550100"}));
  EXPECT_EQ(got->webhook_url, std::optional<std::string>("https://example.com/batch-hook"));
  EXPECT_EQ(got->phone_validation, PhoneValidationMode::kPossible);
  EXPECT_EQ(got->default_country, "US");
  EXPECT_TRUE(got->allow_duplicates);
  EXPECT_FALSE(got->bypass_call_guardrails);
  EXPECT_FALSE(got->retry_config.has_value());
  EXPECT_EQ(got->created_at, T(30));
  EXPECT_EQ(got->total_contacts, 5);

  std::vector<Execution> all = AllExecutions(b);
  ASSERT_EQ(all.size(), 3u);
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    const Execution& e = all[i];
    EXPECT_EQ(e.row_index, static_cast<int64_t>(i));
    EXPECT_EQ(e.line, static_cast<int64_t>(i) + 2);
    EXPECT_EQ(e.status, ExecutionStatus::kPrepared);
    EXPECT_EQ(e.batch_id, b.id);
    EXPECT_EQ(e.account_id, acc.id);
    EXPECT_EQ(e.agent_id, agent.id);
    EXPECT_EQ(e.contact_number, "+1415555" + std::to_string(1000 + i));
    EXPECT_EQ(e.variables, (std::vector<std::string>{"n" + std::to_string(i), "c" + std::to_string(i)}));
    EXPECT_EQ(e.id.size(), 36u);
    EXPECT_EQ(e.retry_count, 0);
    EXPECT_TRUE(e.extracted_data.is_null());
    EXPECT_FALSE(e.next_attempt_at.has_value());
    ids.insert(e.id);
    auto one = store().GetExecution(acc.id, e.id);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->row_index, e.row_index);
  }
  EXPECT_EQ(ids.size(), 3u);

  auto rejects = store().ListRejects(b.id, 0, 100);
  ASSERT_TRUE(rejects.ok());
  ASSERT_EQ(rejects->size(), 2u);
  EXPECT_EQ((*rejects)[0].line, 5);
  EXPECT_EQ((*rejects)[0].contact_number, "bad0");
  EXPECT_EQ((*rejects)[0].code, "invalid_number");
  EXPECT_EQ((*rejects)[0].message, "Not a number.");
  EXPECT_EQ(store().ListRejects(b.id, 5, 100)->size(), 1u);
  EXPECT_EQ(store().ListRejects(b.id, 0, 1)->size(), 1u);

  StatusCounts counts = *store().CountExecutions(b.id);
  EXPECT_EQ(counts, (StatusCounts{{ExecutionStatus::kPrepared, 3}}));
}

TEST_P(StoreConformanceTest, ImportDestroyedWithoutCommitLeavesNothing) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch draft = Draft(agent);
  std::string execution_id;
  {
    auto import = store().BeginImport(draft);
    ASSERT_TRUE(import.ok());
    ASSERT_TRUE((*import)->AddContact({0, 2, "+14155551000", {"a", "b"}}).ok());
    ASSERT_TRUE((*import)->AddReject({3, "x", "invalid_number", "Bad."}).ok());
  }
  EXPECT_EQ(store().GetBatch(acc.id, draft.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().CountExecutions(draft.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().ListRejects(draft.id, 0, 10).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().ListBatches(acc.id, agent.id)->empty());
  // The same id can be imported again: nothing of the first attempt is left.
  auto again = store().BeginImport(draft);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE((*again)->AddContact({0, 2, "+14155551001", {"c", "d"}}).ok());
  auto b = (*again)->Commit(1, 1, 0);
  ASSERT_TRUE(b.ok());
  std::vector<Execution> all = AllExecutions(*b);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].contact_number, "+14155551001");
  EXPECT_TRUE(store().ListRejects(draft.id, 0, 10)->empty());
}

TEST_P(StoreConformanceTest, VariablesRoundTrip) {
  Account acc = NewAccount("acme");
  Agent agent = NewAgent(acc.id, "sales");
  Batch draft = Draft(agent);
  draft.columns = {"name", "note", "empty", "quote", "tab"};
  std::vector<std::string> vars = {"Zoë Ångström 日本 🎉", "a, b, c", "", "say \"hi\" \\ 'x'", "x\ty\nz\r\x01"};
  auto import = store().BeginImport(draft);
  ASSERT_TRUE(import.ok());
  ASSERT_TRUE((*import)->AddContact({0, 2, "+14155551000", vars}).ok());
  ASSERT_TRUE((*import)->AddContact({1, 3, "+14155551001", {"", "", "", "", ""}}).ok());
  auto b = (*import)->Commit(2, 2, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->columns, draft.columns);
  std::vector<Execution> all = AllExecutions(*b);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].variables, vars);
  EXPECT_EQ(all[1].variables, (std::vector<std::string>{"", "", "", "", ""}));
}

}  // namespace batchcall
