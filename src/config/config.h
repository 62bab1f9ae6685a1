// Configuration: one table of settings drives the TOML file, the
// command-line flags, the environment variables, validation, `batchcall
// config check`, `config example` and the help text
// (docs/operations.md#configuration). Each row binds a typed member of
// Options (binding.h): loading fills a ServerOptions and a ClientOptions, and
// the default every row shows is read from a default-constructed Options.
//
// Every setting has a flat top-level file key (e.g. `webhook_max_age`), a
// flag ("--" + key with '_' -> '-', unless it is a secret) and an
// environment variable ("BATCHCALL_" + upper-case key). Precedence, per key:
// flags > environment > file > defaults.
//
// Pure functions of their inputs (the caller reads the environment and the
// command line): thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "config/binding.h"

namespace batchcall::config {

// Which commands read a setting.
enum class Scope { kServer, kClient, kBoth };

struct Setting {
  std::string key;  // file key, e.g. "webhook_max_age"
  SettingType type;
  // The bound member's default as text ("" = not set, strings only), read
  // from a default-constructed Options when the table is built.
  std::string default_value;
  std::string help;  // one line, shown by --help, `config example` and the docs
  Scope scope = Scope::kServer;
  bool opens_store = false;          // read by the `keys` commands too (they open the store)
  bool secret = false;               // masked in `config check`; file and environment only, no flag
  std::string flag;                  // "--webhook-max-age"; empty for secrets
  std::string env;                   // "BATCHCALL_WEBHOOK_MAX_AGE"
  double min = 0, max = 0;           // numbers: allowed closed range
  std::vector<std::string> choices;  // strings: allowed values (empty = any), the binding's
  // Strings: "url" (http:// or https://), "hex64" (empty or 64 hex characters),
  // "cidr_list" (comma-separated CIDRs, see net/outbound_policy.h; in the file
  // also an array of strings), "" (any).
  std::string format;
  Binding binding;  // the member(s) it sets
};

// Every setting, in documentation order.
const std::vector<Setting>& Settings();
// nullptr when `key` names no setting.
const Setting* FindSetting(std::string_view key);

// Levenshtein distance (bytes).
size_t EditDistance(std::string_view a, std::string_view b);
// The valid key nearest to `key` by edit distance (ties: table order).
const std::string& ClosestKey(std::string_view key);

enum class Source { kDefault, kFile, kEnv, kFlag };
std::string_view SourceName(Source source);  // "default" | "file" | "env" | "flag"

struct Entry {
  const Setting* setting;
  Value value;
  Source source = Source::kDefault;
  std::string origin;  // "batchcall.toml:3", "BATCHCALL_DB", "--db" or "" for a default
};

// The effective configuration: the filled options, and one entry per
// setting, in table order, saying where its value came from.
class Config {
 public:
  Config(Options options, std::vector<Entry> entries) : options_(std::move(options)), entries_(std::move(entries)) {}
  const ServerOptions& server() const { return options_.server; }
  const ClientOptions& client() const { return options_.client; }
  const std::vector<Entry>& entries() const { return entries_; }
  // The entry of `setting`, a row of Settings().
  const Entry& entry(const Setting& setting) const;
  // Where the value of a member of ClientOptions came from.
  template <typename T>
  Source SourceOf(T ClientOptions::*member) const {
    return SourceAt(&(options_.client.*member));
  }

 private:
  // The source of the setting bound to the member at `address` in options_.
  Source SourceAt(const void* address) const;

  Options options_;
  std::vector<Entry> entries_;
};

struct ConfigInput {
  std::string file;                          // TOML file path; empty = no file
  std::optional<std::string> file_text;      // the file's contents (tests); unset = read `file`
  std::map<std::string, std::string> env;    // variable name -> value; empty values count as unset
  std::map<std::string, std::string> flags;  // setting key -> text given on the command line
};

// Largest configuration file read, in bytes.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;

// Merges defaults, file, environment and flags. InvalidArgument listing
// every problem, one per line, each naming where it came from: unreadable
// file, TOML syntax ("f.toml:3:7: ..."), unknown key with the closest valid
// one ("unknown key 'listne' at f.toml:3; did you mean 'listen'?"), wrong
// type or value ("dial_threads at f.toml:4: must be between 1 and 256, got 300").
Result<Config> LoadConfig(const ConfigInput& input);

// Parses command-line or environment text as a value of `setting`, checked.
// Error text without a location prefix.
Result<Value> ParseSettingText(const Setting& setting, std::string_view text);

// The effective configuration as TOML: every key, its source as a comment,
// secrets masked.
std::string FormatConfig(const Config& config, std::string_view file);
// A default configuration file: every setting commented out at its default,
// with its help, flag and environment variable.
std::string ExampleConfig();
// "****cdef" for a set secret (last 4 shown when at least 12 long), "" when unset.
std::string MaskSecret(std::string_view secret);
// Value as TOML text: strings quoted and escaped, numbers shortest round-trip.
std::string TomlValue(const Value& value);

}  // namespace batchcall::config
