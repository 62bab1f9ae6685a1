// What the first start of a new installation tells its user to do next: the
// dashboard's address, where the API key is, and the one command that runs
// the demo batch on the demo agent. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace batchcall {

// The contacts file the first start writes next to the database for the demo
// batch (the project's test/data/demo_contacts.csv, embedded at build time):
// seven valid rows for the simulator and one duplicate, so that the report
// shows what a rejected row looks like.
std::string_view DemoContactsCsv();

// Where the user finds the API key the demo command needs.
enum class KeySource {
  kPrinted,      // generated now and printed above on the terminal
  kFile,         // generated now and written to a file (json log format)
  kEnvironment,  // the operator's own BATCHCALL_API_KEY
};

struct NextStepsInput {
  std::string listen;          // the --listen value, e.g. "127.0.0.1:8080" or "0.0.0.0:80"
  uint16_t port = 0;           // the port actually bound (listen may say 0)
  KeySource key_source = KeySource::kPrinted;
  std::string key;             // kPrinted: the key itself
  std::string key_file;        // kFile: its path
  std::string binary;          // how the user runs batchcall ("batchcall", "build/release/batchcall")
  std::string demo_file;       // the demo contacts file
  std::string demo_agent_id;   // the demo agent
};

// Exactly three lines (no trailing newlines): "Dashboard: <url>",
// "API key:   <where it is>", "Demo:      <command>". A wildcard listen
// address (0.0.0.0, ::, empty host) is shown as 127.0.0.1; the command adds
// --server only when the client's default (http://127.0.0.1:8080) would not
// reach this server.
std::vector<std::string> NextSteps(const NextStepsInput& in);

// The dashboard URL for a listen address and the bound port.
std::string DashboardUrl(const std::string& listen, uint16_t port);

// `path` relative to `cwd` when it lies under it, else unchanged.
std::string ShortPath(const std::string& path, const std::string& cwd);

}  // namespace batchcall
