#include "cli/client_commands.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/client_actions.h"
#include "config/config.h"
#include "cli/http_client.h"

namespace batchcall {
namespace {

using cli::HttpClient;

// Options every client command takes.
struct Connection {
  std::string server = config::ClientOptions().server_url;
  std::string api_key;
  std::string config_file;  // --config: server_url and api_key when neither flag nor env gives them
  CLI::Option* server_option = nullptr;
  CLI::Option* api_key_option = nullptr;
};

void AddConnectionOptions(CLI::App* cmd, Connection* c) {
  c->server_option = cmd->add_option("--server", c->server, "URL of the batchcall server (file key server_url)")
                         ->envname("BATCHCALL_URL")
                         ->capture_default_str();
  c->api_key_option = cmd->add_option("--api-key", c->api_key, "API key, sent as a Bearer token (file key api_key)")
                          ->envname("BATCHCALL_API_KEY");
  cmd->add_option("--config", c->config_file, "TOML configuration file read for server_url and api_key")
      ->envname("BATCHCALL_CONFIG");
}

// Ends the command: CLI11_PARSE in main returns `code` from the process.
[[noreturn]] void Exit(int code) { throw CLI::RuntimeError(code); }

// Fills server and api_key from the --config file where the command line and
// the environment left them unset (flags > environment > file > defaults).
void ApplyConfigFile(Connection& c) {
  if (c.config_file.empty()) return;
  config::ConfigInput in;
  in.file = c.config_file;
  auto loaded = config::LoadConfig(in);
  if (!loaded.ok()) {
    std::istringstream lines(loaded.status().message());
    for (std::string line; std::getline(lines, line);) std::cerr << "batchcall: " << line << "\n";
    Exit(cli::kExitUsage);
  }
  using config::ClientOptions;
  if (c.server_option->count() == 0 && loaded->SourceOf(&ClientOptions::server_url) == config::Source::kFile) {
    c.server = loaded->client().server_url;
  }
  if (c.api_key_option->count() == 0 && loaded->SourceOf(&ClientOptions::api_key) == config::Source::kFile) {
    c.api_key = loaded->client().api_key;
  }
}

HttpClient MakeClient(Connection c) {
  ApplyConfigFile(c);
  if (c.server.rfind("http://", 0) != 0 && c.server.rfind("https://", 0) != 0) {
    std::cerr << "batchcall: --server must be an http:// or https:// URL, got \"" << c.server << "\"\n";
    Exit(cli::kExitUsage);
  }
  cli::HttpClientOptions o;
  o.base_url = c.server;
  o.api_key = c.api_key;
  return HttpClient(o);
}

void RequireReadableFile(const std::string& command, const std::string& path) {
  if (access(path.c_str(), R_OK) != 0) {
    std::cerr << "batchcall " << command << ": cannot read " << path << "\n";
    Exit(cli::kExitUsage);
  }
}

int TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* cols = std::getenv("COLUMNS")) {
    int n = std::atoi(cols);
    if (n > 0) return n;
  }
  return 80;
}

void AddCreateOptions(CLI::App* cmd, cli::CreateArgs* a) {
  cmd->add_option("file", a->file, "contacts CSV (streamed to the server)")->required();
  cmd->add_option("--agent", a->agent_id, "id of the agent that places the calls")->required();
  cmd->add_option("--from-number", a->from_numbers, "caller id in E.164 (repeatable: one per flag)")
      ->allow_extra_args(false);
  cmd->add_option("--retry-config", a->retry_config, "retry settings as JSON, e.g. '{\"max_retries\": 2}'");
  cmd->add_option("--webhook-url", a->webhook_url, "URL notified of call outcomes");
  cmd->add_option("--phone-validation", a->phone_validation, "strict | possible | e164 (server default: strict)")
      ->check(CLI::IsMember({"strict", "possible", "e164"}));
  cmd->add_option("--default-country", a->default_country, "ISO region for numbers without +, e.g. IN");
  cmd->add_flag("--allow-duplicates", a->allow_duplicates, "keep repeated numbers");
}

struct BatchRunArgs {
  cli::CreateArgs create;
  cli::ScheduleArgs schedule;
  bool wait = false;
  int interval_ms = 1000;
};

void AddBatchCommands(CLI::App& app) {
  auto* batch = app.add_subcommand("batch", "Create or run a batch on a running server");
  batch->require_subcommand(1);

  {
    auto conn = std::make_shared<Connection>();
    auto args = std::make_shared<cli::CreateArgs>();
    auto* cmd = batch->add_subcommand("create", "Upload a contacts CSV as a new batch (POST /batches)");
    AddCreateOptions(cmd, args.get());
    cmd->add_flag("--json", args->json, "print the server's JSON");
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, args] {
      RequireReadableFile("batch create", args->file);
      Exit(cli::RunCreate(MakeClient(*conn), *args, std::cout, std::cerr));
    });
  }
  {
    auto conn = std::make_shared<Connection>();
    auto args = std::make_shared<BatchRunArgs>();
    auto* cmd = batch->add_subcommand("run", "Create a batch, schedule it and optionally wait for it to finish");
    AddCreateOptions(cmd, &args->create);
    cmd->add_option("--at", args->schedule.at, "start time (ISO 8601 with offset) or now")->required();
    cmd->add_flag("--bypass-guardrails", args->schedule.bypass_guardrails, "ignore the agent's calling hours");
    cmd->add_flag("--wait", args->wait, "poll until the batch completes, stops or fails");
    cmd->add_option("--interval-ms", args->interval_ms, "poll interval for --wait")
        ->check(CLI::Range(50, 3'600'000))
        ->capture_default_str();
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, args] {
      RequireReadableFile("batch run", args->create.file);
      HttpClient http = MakeClient(*conn);
      std::string id;
      int code = cli::RunCreate(http, args->create, std::cout, std::cerr, &id);
      if (code != cli::kExitOk) Exit(code);
      args->schedule.batch_id = id;
      code = cli::RunSchedule(http, args->schedule, std::cout, std::cerr);
      if (code != cli::kExitOk || !args->wait) Exit(code);
      std::cout.flush();
      cli::WaitArgs w;
      w.interval_ms = args->interval_ms;
      w.tty = isatty(STDERR_FILENO) == 1;
      w.width = w.tty ? TerminalWidth() : 80;
      Exit(cli::RunWait(http, id, w, std::cout, std::cerr));
    });
  }
}

void AddBatchIdCommands(CLI::App& app) {
  {
    auto conn = std::make_shared<Connection>();
    auto args = std::make_shared<cli::ScheduleArgs>();
    auto* cmd = app.add_subcommand("schedule", "Schedule (or re-schedule) a batch");
    cmd->add_option("batch_id", args->batch_id, "batch id")->required();
    cmd->add_option("--at", args->at, "start time (ISO 8601 with offset, e.g. 2026-06-01T10:00:00+05:30) or now")
        ->required();
    cmd->add_flag("--bypass-guardrails", args->bypass_guardrails, "ignore the agent's calling hours");
    cmd->add_flag("--json", args->json, "print the server's JSON");
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, args] { Exit(cli::RunSchedule(MakeClient(*conn), *args, std::cout, std::cerr)); });
  }
  {
    auto conn = std::make_shared<Connection>();
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("status", "Show a batch: status, schedule, counts, progress");
    cmd->add_option("batch_id", *id, "batch id")->required();
    cmd->add_flag("--json", *json, "print the server's JSON");
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, id, json] { Exit(cli::RunStatus(MakeClient(*conn), *id, *json, std::cout, std::cerr)); });
  }
  {
    auto conn = std::make_shared<Connection>();
    auto args = std::make_shared<cli::ExecutionsArgs>();
    auto* cmd = app.add_subcommand("executions", "List a batch's executions (one per contact)");
    cmd->add_option("batch_id", args->batch_id, "batch id")->required();
    cmd->add_option("--status", args->statuses, "only these statuses, comma-separated (e.g. busy,no-answer)");
    auto* csv = cmd->add_flag("--csv", args->csv, "stream the server's CSV export to stdout");
    cmd->add_flag("--json", args->json, "stream the server's JSON to stdout")->excludes(csv);
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, args] { Exit(cli::RunExecutions(MakeClient(*conn), *args, std::cout, std::cerr)); });
  }
  {
    auto conn = std::make_shared<Connection>();
    auto args = std::make_shared<cli::PreviewArgs>();
    auto* cmd = app.add_subcommand("preview", "What the calling rules would decide for a batch's waiting calls at a time");
    cmd->add_option("batch_id", args->batch_id, "batch id")->required();
    cmd->add_option("--at", args->at, "the instant (ISO 8601 with offset, e.g. 2026-12-07T20:30:00-05:00); default now");
    cmd->add_option("--limit", args->limit, "executions listed (0-1000)")->check(CLI::Range(0, 1000));
    cmd->add_flag("--json", args->json, "print the server's JSON");
    AddConnectionOptions(cmd, conn.get());
    cmd->callback([conn, args] { Exit(cli::RunPreview(MakeClient(*conn), *args, std::cout, std::cerr)); });
  }
  for (const char* verb : {"stop", "pause", "resume"}) {
    auto conn = std::make_shared<Connection>();
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    std::string help = std::string(verb) == "stop"    ? "Stop a batch: calls not yet dialled become stopped"
                       : std::string(verb) == "pause" ? "Pause a scheduled or running batch"
                                                      : "Resume a paused batch";
    auto* cmd = app.add_subcommand(verb, help);
    cmd->add_option("batch_id", *id, "batch id")->required();
    cmd->add_flag("--json", *json, "print the server's JSON");
    AddConnectionOptions(cmd, conn.get());
    std::string v = verb;
    cmd->callback([conn, id, json, v] {
      Exit(cli::RunBatchAction(MakeClient(*conn), *id, v, *json, std::cout, std::cerr));
    });
  }
}

}  // namespace

void AddClientCommands(CLI::App& app) {
  AddBatchCommands(app);
  AddBatchIdCommands(app);
}

}  // namespace batchcall
