// The actions behind the client subcommands (internal to src/cli). Each takes
// a connected HttpClient and the parsed arguments, writes results to `out`
// and diagnostics to `err`, and returns the process exit code (see
// client_commands.h). Not thread-safe: they write to the given streams.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/http_client.h"

namespace batchcall::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitApiError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

struct CreateArgs {
  std::string file;
  std::string agent_id;
  std::vector<std::string> from_numbers;
  std::string retry_config;  // JSON text; empty = not sent
  std::string webhook_url;
  std::string phone_validation;  // empty = server default
  std::string default_country;
  bool allow_duplicates = false;
  bool json = false;
};

struct ScheduleArgs {
  std::string batch_id;
  std::string at;  // ISO 8601 with offset, or "now"
  bool bypass_guardrails = false;
  bool json = false;
};

struct ExecutionsArgs {
  std::string batch_id;
  std::string statuses;  // "completed,busy"; empty = all
  bool csv = false;
  bool json = false;
};

struct WaitArgs {
  int interval_ms = 1000;
  // Draw a redrawn one-line bar (stderr is a terminal) or plain lines.
  bool tty = false;
  int width = 80;  // terminal columns, when tty
};

// A command's request failed: prints the reason to `err` and returns the exit
// code (2 when no response came, 1 for an HTTP error status).
int ReportFailure(const Result<ClientResponse>& r, std::ostream& err);

int RunCreate(const HttpClient& http, const CreateArgs& args, std::ostream& out, std::ostream& err,
              std::string* batch_id = nullptr);
int RunSchedule(const HttpClient& http, const ScheduleArgs& args, std::ostream& out, std::ostream& err);
int RunStatus(const HttpClient& http, const std::string& batch_id, bool json, std::ostream& out,
              std::ostream& err);
int RunExecutions(const HttpClient& http, const ExecutionsArgs& args, std::ostream& out, std::ostream& err);
struct PreviewArgs {
  std::string batch_id;
  std::string at;   // ISO 8601 with offset; empty = now
  int limit = 20;   // executions listed
  bool json = false;
};
// GET /batches/{id}/preview: what the calling rules would decide at `at`.
int RunPreview(const HttpClient& http, const PreviewArgs& args, std::ostream& out, std::ostream& err);
// verb: "stop", "pause" or "resume".
int RunBatchAction(const HttpClient& http, const std::string& batch_id, const std::string& verb, bool json,
                   std::ostream& out, std::ostream& err);
// Polls GET /batches/{id} until its status is terminal; progress goes to
// `err`, the summary table to `out`. 0 when completed, 1 otherwise.
int RunWait(const HttpClient& http, const std::string& batch_id, const WaitArgs& args, std::ostream& out,
            std::ostream& err);

}  // namespace batchcall::cli
