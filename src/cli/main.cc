// batchcall: one binary, subcommands: serve, validate, keys create, config
// check/example and the client commands (client_commands.h). Settings come
// from config/config.h: flags > environment > the --config file > defaults.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "app/server_app.h"
#include "base/build_info.h"
#include "base/log.h"
#include "base/memory.h"
#include "cli/client_commands.h"
#include "cli/keys_command.h"
#include "cli/validate_command.h"
#include "config/config.h"

namespace batchcall {
namespace {

namespace cfg = config;

constexpr int kExitUsage = 2;

// The environment variables of every setting that are set.
std::map<std::string, std::string> SettingsEnvironment() {
  std::map<std::string, std::string> env;
  for (const cfg::Setting& s : cfg::Settings()) {
    if (const char* v = std::getenv(s.env.c_str())) env[s.env] = v;
  }
  return env;
}

// Reads the configuration; prints each problem as "batchcall <command>: ..." and returns nullopt.
std::optional<cfg::Config> LoadOrReport(const std::string& command, cfg::ConfigInput input) {
  input.env = SettingsEnvironment();
  auto loaded = cfg::LoadConfig(input);
  if (loaded.ok()) return std::move(*loaded);
  std::istringstream lines(loaded.status().message());
  for (std::string line; std::getline(lines, line);) std::cerr << "batchcall " << command << ": " << line << "\n";
  return std::nullopt;
}

std::string OptionHelp(const cfg::Setting& s) {
  return s.help + " [default: " + (s.default_value.empty() ? "unset" : s.default_value) + "; env " + s.env +
         "; file key " + s.key + "]";
}

// Registers --config and one flag per setting of `scope` on `cmd`; the flags
// given on the command line are collected after parsing by GivenFlags.
struct SettingFlags {
  std::string config_file;
  std::vector<std::pair<const cfg::Setting*, CLI::Option*>> options;
  std::map<std::string, std::string> values;  // key -> text (CLI11 writes here)

  // Adds a flag for every setting `pick` accepts that has one, in table order.
  template <typename Pick>
  void Add(CLI::App* cmd, Pick pick) {
    cmd->add_option("--config", config_file, "TOML configuration file (batchcall config example prints one)")
        ->envname("BATCHCALL_CONFIG");
    for (const cfg::Setting& setting : cfg::Settings()) {
      if (setting.flag.empty() || !pick(setting)) continue;
      const cfg::Setting* s = &setting;
      auto* option = cmd->add_option(s->flag, values[s->key], OptionHelp(*s));
      option->type_name(s->type == cfg::SettingType::kInteger  ? "INT"
                        : s->type == cfg::SettingType::kNumber ? "NUMBER"
                                                               : "TEXT");
      options.emplace_back(s, option);
    }
  }
  cfg::ConfigInput Input() const {
    cfg::ConfigInput in;
    in.file = config_file;
    for (const auto& [s, option] : options) {
      if (option->count() > 0) in.flags[s->key] = values.at(s->key);
    }
    return in;
  }
};

int RunServe(const cfg::Config& config) {
  SetMallocForServer();  // before any thread starts (base/memory.h)
  ServerOptions options = config.server();
  const LogOptions log = options.log;
  InitLogging(log);

  // Block the stop signals before any thread starts, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ServerApp app(std::move(options), std::cout);
  Status s = app.Start();
  if (!s.ok()) {
    if (log.format == LogFormat::kJson) {
      LogError("batchcall serve failed to start", {{"error", s.message()}});
    } else {
      std::cerr << "batchcall serve: " << s.message() << "\n";
    }
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  app.Stop();
  return 0;
}

int RunConfigCheck(const std::string& file) {
  cfg::ConfigInput in;
  in.file = file;
  auto config = LoadOrReport("config check", in);
  if (!config) return kExitUsage;
  std::cout << cfg::FormatConfig(*config, file);
  return 0;
}

}  // namespace
}  // namespace batchcall

int main(int argc, char** argv) {
  using namespace batchcall;
  CLI::App app{"batchcall: a self-hosted batch calling engine for voice AI agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", BuildVersionLine());
  app.footer("Every subcommand has --help. Manual: man batchcall (docs/batchcall.1).");

  // serve
  SettingFlags serve_flags;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server (API, dashboard, engine)");
  serve_flags.Add(serve_cmd, [](const cfg::Setting& s) { return s.scope != cfg::Scope::kClient; });
  serve_cmd->footer(
      "Precedence per setting: flags > environment > --config file > defaults.\n"
      "Secrets have no flags (a flag would show in ps): set api_key, secret_key and metrics_token\n"
      "in the file or as BATCHCALL_API_KEY / BATCHCALL_SECRET_KEY / BATCHCALL_METRICS_TOKEN.");

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
  std::string key_name = "cli", new_account;
  keys_create->add_option("--name", key_name, "a label for the key")->capture_default_str();
  keys_create->add_option("--new-account", new_account, "create a new, separate account with this name for the key");
  SettingFlags keys_flags;
  // The keys commands open the store: db (secret_key has no flag).
  auto opens_store = [](const cfg::Setting& s) { return s.opens_store; };
  keys_flags.Add(keys_create, opens_store);
  keys_create->footer("Reads db and secret_key like serve: flags > environment > --config file > defaults.");
  auto* keys_list = keys_cmd->add_subcommand(
      "list", "List the active API keys of every account (id, account, name, prefix, created, last used)");
  SettingFlags keys_list_flags;
  keys_list_flags.Add(keys_list, opens_store);
  keys_list->footer("Reads the database directly, like keys create; never shows a key.");
  auto* keys_revoke = keys_cmd->add_subcommand(
      "revoke", "Revoke an API key by id: it fails at once on new connections to this database, within 5 s on "
                "every running node");
  std::string revoke_id;
  keys_revoke->add_option("id", revoke_id, "the key's id (keys list, GET /keys)")->required();
  SettingFlags keys_revoke_flags;
  keys_revoke_flags.Add(keys_revoke, opens_store);
  keys_revoke->footer("Reads the database directly, like keys create; may revoke an account's last key.");

  // config check / example
  auto* config_cmd = app.add_subcommand("config", "Check a configuration file or print an example one");
  config_cmd->require_subcommand(1);
  std::string check_file;
  auto* config_check = config_cmd->add_subcommand(
      "check", "Validate a TOML configuration file (with the environment) and print the effective "
               "configuration, secrets masked; exit 0 when valid, 2 when not");
  config_check->add_option("file", check_file, "TOML configuration file")->required();
  auto* config_example = config_cmd->add_subcommand(
      "example", "Print a configuration file with every setting commented out at its default");

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
    auto config = LoadOrReport("serve", serve_flags.Input());
    if (!config) return kExitUsage;
    return RunServe(*config);
  }
  if (validate_cmd->parsed()) {
    validate.mode = *ParsePhoneValidationMode(mode);
    return RunValidateCommand(validate, std::cout, std::cerr);
  }
  if (keys_create->parsed()) {
    auto config = LoadOrReport("keys create", keys_flags.Input());
    if (!config) return kExitUsage;
    return RunKeysCreate(config->server().store, key_name, new_account);
  }
  if (keys_list->parsed()) {
    auto config = LoadOrReport("keys list", keys_list_flags.Input());
    if (!config) return kExitUsage;
    return RunKeysList(config->server().store);
  }
  if (keys_revoke->parsed()) {
    auto config = LoadOrReport("keys revoke", keys_revoke_flags.Input());
    if (!config) return kExitUsage;
    return RunKeysRevoke(config->server().store, revoke_id);
  }
  if (config_check->parsed()) return RunConfigCheck(check_file);
  if (config_example->parsed()) {
    std::cout << cfg::ExampleConfig();
    return 0;
  }
  return 2;
}
