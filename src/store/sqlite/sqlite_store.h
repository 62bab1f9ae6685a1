// SqliteStore: the embedded Store backend, one SQLite file in WAL mode.
//
// Thread-safety: every method may be called concurrently from any thread
// (a pool of connections; writes run in BEGIN IMMEDIATE transactions, so
// writers queue on SQLite's single write lock for up to busy_timeout_ms and
// then fail with Unavailable). A BatchImport owns a connection of its own and
// holds the write lock from BeginImport until Commit or destruction; imports
// of one store take turns in arrival order (BeginImport waits, without a
// time limit, for the imports begun before it), so concurrent uploads never
// run into busy_timeout_ms because of each other.
//
// Engine writes (claims, attempt starts, call updates) each run in one
// BEGIN IMMEDIATE transaction per call, however many rows they carry.
#pragma once

#include <memory>
#include <string>

#include "base/crypto.h"
#include "store/store.h"

namespace batchcall {

namespace sqlite {
class ConnectionPool;
class TurnQueue;
}

struct SqliteStoreOptions {
  // Database file; created when missing (its directory must exist).
  std::string path;
  // When set, Agent::provider is sealed at rest with it and opened on read.
  // Not owned; must outlive the store.
  const SecretBox* secret_box = nullptr;
  // How long a statement waits for a lock held by another connection.
  int busy_timeout_ms = 30000;
  // Connections kept for concurrent readers and writers (imports have their own).
  int pool_size = 4;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating) the file, enables WAL, and applies pending schema
  // migrations in one transaction. InvalidArgument when the database was
  // written by a newer batchcall (a schema version this binary does not
  // know); Internal/Unavailable when the file cannot be opened or migrated.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;

  // The newest schema version this binary knows.
  static int LatestSchemaVersion();

  // Test hook only (not part of Store): sets one execution's status
  // directly, bypassing every rule. NotFound for an unknown id.
  Status SetExecutionStatusForTesting(const std::string& execution_id, ExecutionStatus status,
                                      TimePoint now);

  Result<Account> EnsureDefaultAccount(TimePoint now) override;
  Result<Account> CreateAccount(const std::string& name, TimePoint now) override;
  Status AddApiKey(const ApiKey& key) override;
  Result<ApiKey> FindApiKeyByHash(const std::string& key_hash) override;
  Result<std::vector<ApiKey>> ListApiKeys(const std::string& account_id) override;
  Status RevokeApiKey(const std::string& account_id, const std::string& key_id, TimePoint now) override;
  Status RecordApiKeyUse(const std::vector<std::pair<std::string, TimePoint>>& uses) override;
  Result<int64_t> CountApiKeys() override;

  Status CreateAgent(const Agent& agent) override;
  Result<Agent> GetAgent(const std::string& account_id, const std::string& agent_id) override;
  Result<std::vector<Agent>> ListAgents(const std::string& account_id) override;
  Status UpdateAgent(const Agent& agent) override;
  Status DeleteAgent(const std::string& account_id, const std::string& agent_id) override;
  Result<Agent> FindAgentByName(const std::string& account_id, const std::string& name) override;

  Result<std::unique_ptr<BatchImport>> BeginImport(const Batch& draft) override;
  Result<Batch> GetBatch(const std::string& account_id, const std::string& batch_id) override;
  Result<IdempotentResponse> FindIdempotentResponse(const std::string& account_id, const std::string& key,
                                                    TimePoint not_before) override;
  Result<std::vector<Batch>> ListBatches(const std::string& account_id, const std::string& agent_id) override;
  Result<StatusCounts> CountExecutions(const std::string& batch_id) override;
  Result<Batch> TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                const BatchTransition& t, TimePoint now) override;
  Result<Batch> StopBatch(const std::string& account_id, const std::string& batch_id, TimePoint now) override;
  Status DeleteBatch(const std::string& account_id, const std::string& batch_id) override;

  Result<std::vector<Execution>> ListExecutions(const ExecutionQuery& q) override;
  Result<Execution> GetExecution(const std::string& account_id, const std::string& execution_id) override;
  Result<std::vector<RejectedRow>> ListRejects(const std::string& batch_id, int64_t after_line,
                                               int64_t limit) override;

  // Engine (sqlite_engine.cc, sqlite_calls.cc).
  Result<std::vector<std::string>> StartDueBatches(TimePoint now) override;
  Result<std::vector<RunningBatch>> ListRunningBatches() override;
  Result<std::vector<Execution>> ClaimExecutions(const std::string& batch_id, int64_t limit,
                                                 const std::string& worker, TimePoint now,
                                                 TimePoint lease_until) override;
  Status RescheduleExecutions(const std::vector<std::pair<std::string, TimePoint>>& ids_and_times,
                              const std::string& worker, TimePoint now) override;
  Status CancelExecutions(const std::vector<std::pair<std::string, std::string>>& ids_and_messages,
                          const std::string& worker, TimePoint now) override;
  Status ReleaseExecutions(const std::vector<std::string>& execution_ids, const std::string& worker) override;
  Result<std::vector<std::string>> BeginAttempts(const std::vector<AttemptStart>& starts,
                                                 const std::string& worker, TimePoint now) override;
  Result<std::vector<std::string>> BeginAttemptsLimited(const std::vector<AttemptStart>& starts,
                                                        const std::string& worker, TimePoint now,
                                                        const DialLimits& limits) override;
  Status Heartbeat(const std::string& worker, TimePoint now) override;
  Result<std::vector<OpenAttempt>> AdoptOrphanAttempts(const std::string& worker, TimePoint stale_before,
                                                       bool include_own) override;
  Result<std::vector<std::string>> FilterClosedAttempts(const std::vector<std::string>& attempt_ids) override;
  Status SetProviderCallIds(const std::vector<std::pair<std::string, std::string>>& ids) override;
  Result<std::vector<AppliedOutcome>> ApplyCallUpdates(const std::vector<CallUpdate>& updates,
                                                       TimePoint now) override;
  Result<std::vector<std::string>> CompleteFinishedBatches(TimePoint now) override;
  Result<std::optional<TimePoint>> NextDueTime() override;
  Result<std::vector<OpenAttempt>> ListOpenAttempts() override;
  Result<std::vector<Attempt>> ListAttempts(const std::string& execution_id) override;
  Result<OpenAttempt> FindAttempt(const std::string& attempt_id) override;
  Result<OpenAttempt> FindLatestAttempt(const std::string& execution_id) override;

  // Webhooks (sqlite_webhooks.cc).
  Status RotateWebhookSecret(const std::string& account_id, const std::string& secret, TimePoint previous_until,
                             TimePoint now) override;
  Result<WebhookSecrets> GetWebhookSecrets(const std::string& account_id) override;
  Result<std::vector<WebhookChange>> ReadWebhookChanges(int64_t limit) override;
  Result<int64_t> EnqueueWebhooks(const std::vector<RenderedChange>& changes) override;
  Result<std::vector<WebhookDelivery>> ClaimWebhookDeliveries(TimePoint now, int64_t limit, const std::string& worker,
                                                              TimePoint lease_until) override;
  Status MarkWebhookDelivered(int64_t id, TimePoint now) override;
  Status MarkWebhookFailed(int64_t id, std::optional<TimePoint> next_attempt_at, const std::string& error,
                           TimePoint now) override;
  Result<WebhookBacklog> GetWebhookBacklog() override;

  Result<int64_t> AddDoNotCall(const std::string& account_id, const std::vector<std::string>& numbers,
                               const std::string& reason, TimePoint now) override;
  Result<std::vector<DncEntry>> ListDoNotCall(const std::string& account_id, const std::string& after_number,
                                              int64_t limit) override;
  Status RemoveDoNotCall(const std::string& account_id, const std::string& number) override;
  Result<std::vector<std::string>> FilterDoNotCall(const std::string& account_id,
                                                   const std::vector<std::string>& numbers) override;

 private:
  explicit SqliteStore(const SqliteStoreOptions& options);
  Result<std::vector<std::string>> BeginAttemptsImpl(const std::vector<AttemptStart>& starts,
                                                     const std::string& worker, TimePoint now,
                                                     const DialLimits* limits);

  SqliteStoreOptions options_;
  std::unique_ptr<sqlite::ConnectionPool> pool_;
  // Imports' turns (shared: an import releases its turn when it ends).
  std::shared_ptr<sqlite::TurnQueue> import_turns_;
};

}  // namespace batchcall
