// batchcall: one binary, subcommands (serve, validate, keys create).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "api/auth.h"
#include "app/server_app.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/ids.h"
#include "cli/client_commands.h"
#include "cli/validate_command.h"

namespace batchcall {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int RunServe(ServerOptions options) {
  // Block the stop signals before any thread starts, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ServerApp app(std::move(options), std::cout);
  Status s = app.Start();
  if (!s.ok()) {
    std::cerr << "batchcall serve: " << s.message() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << "batchcall: received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down" << std::endl;
  app.Stop();
  return 0;
}

int RunKeysCreate(const std::string& db, const std::string& name, const std::string& new_account) {
  auto opened = OpenStore(db, Env("BATCHCALL_SECRET_KEY"));
  if (!opened.ok()) {
    std::cerr << "batchcall keys create: " << opened.status().message() << "\n";
    return 1;
  }
  Store& store = *opened->store;
  SystemClock clock;
  auto account = new_account.empty() ? store.EnsureDefaultAccount(clock.Now())
                                     : store.CreateAccount(new_account, clock.Now());
  if (!account.ok()) {
    std::cerr << "batchcall keys create: " << account.status().message() << "\n";
    return 1;
  }
  std::string key = NewApiKey();
  Status s = store.AddApiKey({NewUuid(), account->id, name, Sha256Hex(key), clock.Now()});
  if (!s.ok()) {
    std::cerr << "batchcall keys create: " << s.message() << "\n";
    return 1;
  }
  if (!new_account.empty()) {
    // A new account gets its webhook signing secret now, shown this once.
    std::string secret = "whsec_" + RandomHex(32);
    Status rotated = store.RotateWebhookSecret(account->id, secret, clock.Now(), clock.Now());
    if (!rotated.ok()) {
      std::cerr << "batchcall keys create: " << rotated.message() << "\n";
      return 1;
    }
    std::cout << "webhook signing secret for account \"" << new_account << "\" (shown once): " << secret << "\n";
  }
  std::cout << key << std::endl;
  return 0;
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) {
  using namespace batchcall;
  CLI::App app{"batchcall: a self-hosted batch calling engine for voice AI agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "batchcall 0.1.0");

  // serve
  ServerOptions serve;
  double max_upload_mb = 100;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server (API, dashboard, engine)");
  serve_cmd->add_option("--listen", serve.listen, "host:port to listen on")->envname("BATCHCALL_LISTEN")->capture_default_str();
  serve_cmd->add_option("--db", serve.db, "sqlite:PATH or a postgresql:// URL")->envname("BATCHCALL_DB")->capture_default_str();
  serve_cmd->add_option("--max-upload-mb", max_upload_mb, "largest accepted CSV upload, in MiB")->capture_default_str();
  serve_cmd->add_option("--max-rows", serve.max_rows, "most data rows in one CSV")->capture_default_str();
  serve_cmd->add_option("--public-url", serve.public_url, "address providers call back (https://host)")
      ->envname("BATCHCALL_PUBLIC_URL");
  serve_cmd->add_option("--node-id", serve.node_id,
                        "this node's stable name among nodes sharing a database (default: host:port)")
      ->envname("BATCHCALL_NODE_ID");
  serve_cmd->add_option("--simulator-record", serve.simulator_record,
                        "the simulator's call record file (default: <data dir>/simulator-calls.jsonl; "
                        "nodes on one machine sharing a database share one file)")
      ->envname("BATCHCALL_SIMULATOR_RECORD");
  serve_cmd->add_option("--dial-threads", serve.dial_threads, "threads dialling remote providers")
      ->check(CLI::Range(1, 256))->capture_default_str();
  double webhook_max_age_s = 72 * 3600, webhook_backoff_max_s = 600, webhook_timeout_s = 10;
  serve_cmd->add_option("--webhook-max-age", webhook_max_age_s, "seconds a webhook delivery is retried before it is given up")
      ->envname("BATCHCALL_WEBHOOK_MAX_AGE")->check(CLI::PositiveNumber)->capture_default_str();
  serve_cmd->add_option("--webhook-backoff-max", webhook_backoff_max_s, "longest wait between two tries of a delivery, seconds")
      ->envname("BATCHCALL_WEBHOOK_BACKOFF_MAX")->check(CLI::PositiveNumber)->capture_default_str();
  serve_cmd->add_option("--webhook-timeout", webhook_timeout_s, "seconds a receiver has to answer one delivery")
      ->envname("BATCHCALL_WEBHOOK_TIMEOUT")->check(CLI::PositiveNumber)->capture_default_str();
  int header_timeout_ms = 10'000, body_idle_timeout_ms = 15'000;
  serve_cmd->add_option("--header-timeout-ms", header_timeout_ms, "time allowed for a request head")->capture_default_str();
  serve_cmd->add_option("--body-idle-timeout-ms", body_idle_timeout_ms, "longest pause inside a request body")->capture_default_str();

  // validate
  ValidateCommandOptions validate;
  std::string mode = "strict";
  auto* validate_cmd = app.add_subcommand("validate", "Check a contacts CSV offline and print the report");
  validate_cmd->add_option("file", validate.file, "contacts CSV")->required();
  validate_cmd->add_option("--phone-validation", mode, "strict | possible | e164")
      ->check(CLI::IsMember({"strict", "possible", "e164"}))->capture_default_str();
  validate_cmd->add_option("--default-country", validate.default_country, "ISO region for numbers without +");
  validate_cmd->add_flag("--allow-duplicates", validate.allow_duplicates, "keep repeated numbers");
  validate_cmd->add_flag("--json", validate.json, "print the report as JSON");

  // keys create
  auto* keys_cmd = app.add_subcommand("keys", "Manage API keys");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Create an API key and print it once");
  std::string key_name = "cli", new_account, keys_db = "sqlite:./data/batchcall.db";
  keys_create->add_option("--name", key_name, "a label for the key")->capture_default_str();
  keys_create->add_option("--new-account", new_account, "create a new, separate account with this name for the key");
  keys_create->add_option("--db", keys_db, "database")->envname("BATCHCALL_DB")->capture_default_str();

  AddClientCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // client commands finish by throwing their exit code
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : 2;
  }

  if (serve_cmd->parsed()) {
    serve.api_key = Env("BATCHCALL_API_KEY");
    serve.secret_key = Env("BATCHCALL_SECRET_KEY");
    auto ms = [](double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)); };
    serve.webhook.max_age = ms(webhook_max_age_s);
    serve.webhook.backoff_max = ms(webhook_backoff_max_s);
    serve.webhook.request_timeout = ms(webhook_timeout_s);
    serve.webhook.lease = std::max(std::chrono::milliseconds(60'000), 2 * serve.webhook.request_timeout);
    serve.http.max_upload_bytes = static_cast<uint64_t>(max_upload_mb * 1024 * 1024);
    serve.http.header_timeout = std::chrono::milliseconds(header_timeout_ms);
    serve.http.body_idle_timeout = std::chrono::milliseconds(body_idle_timeout_ms);
    return RunServe(std::move(serve));
  }
  if (validate_cmd->parsed()) {
    validate.mode = *ParsePhoneValidationMode(mode);
    return RunValidateCommand(validate, std::cout, std::cerr);
  }
  if (keys_create->parsed()) return RunKeysCreate(keys_db, key_name, new_account);
  return 2;
}
