// Store: the one persistence interface. SQLite (store/sqlite) implements it
// now, PostgreSQL later; both must pass store/conformance_test.cc.
//
// Thread-safety: every method may be called from any thread concurrently.
// A BatchImport is used by one thread at a time.
//
// Account scoping: every read or write of an agent, batch or execution takes
// the caller's account id; a row of another account is NotFound, exactly as
// an unknown id.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/model.h"

namespace batchcall {

// One upload: a batch and all its rows, written in one transaction. Nothing
// is visible to other readers before Commit(); destroying an import that was
// not committed rolls everything back.
class BatchImport {
 public:
  virtual ~BatchImport() = default;
  // Rows arrive in CSV order; contact.row_index is 0, 1, 2, ... Each contact
  // becomes one execution in state `prepared` with a new hyphenated UUID.
  virtual Status AddContact(const ContactRow& contact) = 0;
  virtual Status AddReject(const RejectedRow& reject) = 0;
  // Writes the batch row (with these final counts) and commits. Returns the
  // stored batch. After Commit() (successful or not) the import is finished.
  virtual Result<Batch> Commit(int64_t total_contacts, int64_t valid_contacts,
                               int64_t invalid_contacts) = 0;
};

// Conditional batch state change, checked against the state table
// (domain/states.h) and the batch's current status in one atomic step.
struct BatchTransition {
  BatchStatus to = BatchStatus::kScheduled;
  std::optional<TimePoint> scheduled_at;        // set when present
  std::optional<bool> bypass_call_guardrails;   // set when present
};

class Store {
 public:
  virtual ~Store() = default;

  // --- accounts and API keys
  // The account used by BATCHCALL_API_KEY and `batchcall keys create`;
  // created on first call (idempotent, safe to race).
  virtual Result<Account> EnsureDefaultAccount(TimePoint now) = 0;
  virtual Result<Account> CreateAccount(const std::string& name, TimePoint now) = 0;
  // Adds a key; AlreadyExists-like duplicates of key_hash are a Conflict.
  virtual Status AddApiKey(const ApiKey& key) = 0;
  // The account owning the key with this SHA-256 hex hash, or NotFound.
  virtual Result<std::string> FindAccountIdByKeyHash(const std::string& key_hash) = 0;
  virtual Result<int64_t> CountApiKeys() = 0;

  // --- agents
  virtual Status CreateAgent(const Agent& agent) = 0;
  virtual Result<Agent> GetAgent(const std::string& account_id, const std::string& agent_id) = 0;
  // Oldest first.
  virtual Result<std::vector<Agent>> ListAgents(const std::string& account_id) = 0;
  // Replaces every field of the stored agent with agent's (matched by account and id).
  virtual Status UpdateAgent(const Agent& agent) = 0;
  // Conflict while one of its batches is scheduled, running or paused.
  // Deleting an agent deletes its finished and created batches with it.
  virtual Status DeleteAgent(const std::string& account_id, const std::string& agent_id) = 0;
  // The agent of this account named `name`, or NotFound.
  virtual Result<Agent> FindAgentByName(const std::string& account_id, const std::string& name) = 0;

  // --- batches
  // Starts an import for `draft` (id, account, agent, columns, options and
  // created_at set by the caller; status created).
  virtual Result<std::unique_ptr<BatchImport>> BeginImport(const Batch& draft) = 0;
  virtual Result<Batch> GetBatch(const std::string& account_id, const std::string& batch_id) = 0;
  // Newest first.
  virtual Result<std::vector<Batch>> ListBatches(const std::string& account_id,
                                                 const std::string& agent_id) = 0;
  // Execution counts by status, only statuses with count > 0.
  virtual Result<StatusCounts> CountExecutions(const std::string& batch_id) = 0;
  // Applies t if CanTransition(current, t.to); otherwise Conflict whose
  // message names the current status. Returns the updated batch.
  virtual Result<Batch> TransitionBatch(const std::string& account_id, const std::string& batch_id,
                                        const BatchTransition& t, TimePoint now) = 0;
  // Batch -> stopped and every pre-dial execution -> stopped, atomically.
  // Conflict unless the batch is scheduled, running or paused.
  virtual Result<Batch> StopBatch(const std::string& account_id, const std::string& batch_id,
                                  TimePoint now) = 0;
  // Removes the batch, its executions and its report. Conflict while any of its
  // executions is in flight (initiated, ringing, in-progress, call-disconnected).
  virtual Status DeleteBatch(const std::string& account_id, const std::string& batch_id) = 0;

  // --- executions and reports
  // One keyset page in CSV order (row_index ascending).
  virtual Result<std::vector<Execution>> ListExecutions(const ExecutionQuery& q) = 0;
  virtual Result<Execution> GetExecution(const std::string& account_id,
                                         const std::string& execution_id) = 0;
  // Rejected rows of a batch, by line ascending, lines > after_line, at most limit.
  virtual Result<std::vector<RejectedRow>> ListRejects(const std::string& batch_id,
                                                       int64_t after_line, int64_t limit) = 0;
};

}  // namespace batchcall
