// The `batchcall` client subcommands, which talk to a running server over
// HTTP: `batch create`, `batch run`, `schedule`, `status`, `executions`,
// `stop`, `pause`, `resume` (docs/cli.md).
//
// Not thread-safe (registers options on a CLI11 app; call once from main).
#pragma once

#include <CLI/CLI.hpp>

namespace batchcall {

// Registers the client subcommands on `app`. Each command runs from its CLI11
// callback during parsing and ends by throwing CLI::RuntimeError(exit_code)
// (also for success, code 0), which CLI11_PARSE in main turns into the
// process's return value. Exit codes: 0 ok, 1 the server refused the request
// (or `batch run --wait` ended in a non-completed state), 2 usage or
// connection error, 130 interrupted while waiting.
//
// Every command takes `--server URL` (env BATCHCALL_URL, default
// http://127.0.0.1:8080), `--api-key KEY` (env BATCHCALL_API_KEY) and
// `--config FILE` (env BATCHCALL_CONFIG), whose server_url and api_key keys
// apply when neither the flag nor the environment sets them.
void AddClientCommands(CLI::App& app);

}  // namespace batchcall
