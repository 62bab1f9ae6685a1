// The engine, webhook and do-not-call SQL of the PostgreSQL backend
// (attempts, nodes, webhook journal/outbox/secrets, dnc) and its part of the
// migrations. Included by pg_sql.h (include that one); constants only;
// thread-safe.
//
// PLACEHOLDER written by P1; P2 owns and fills this file.
#pragma once

#include <array>

namespace batchcall::pg_sql {

// Migration 1, engine part: runs right after kCoreSchemaV1 (which creates
// accounts, agents, batches, executions, rejected_rows) in the same
// transaction.
inline constexpr const char* kEngineSchema = "";

// Removes the engine's rows of a batch being deleted (see BatchCleanup in
// pg_sql.h): e.g. {"DELETE FROM attempts WHERE execution_key BETWEEN $1 AND $2", true},
// {"DELETE FROM webhook_journal WHERE batch_seq = $1", false}.
inline constexpr std::array<BatchCleanup, 0> kEngineBatchCleanup{};

}  // namespace batchcall::pg_sql
