#include "app/first_start.h"

#include <filesystem>

namespace batchcall {
namespace {

#include "app/demo_contacts.inc"  // kDemoContactsCsv, generated from test/data/demo_contacts.csv

constexpr std::string_view kClientDefaultServer = "http://127.0.0.1:8080";

// Quotes a shell word when it holds anything but [A-Za-z0-9_./:=+-].
std::string ShellWord(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=+-") ==
                        std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string_view DemoContactsCsv() { return kDemoContactsCsv; }

std::string DashboardUrl(const std::string& listen, uint16_t port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") host = "127.0.0.1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

std::string ShortPath(const std::string& path, const std::string& cwd) {
  namespace fs = std::filesystem;
  if (cwd.empty()) return path;
  fs::path p = fs::path(path).lexically_normal();
  fs::path rel = p.lexically_relative(fs::path(cwd).lexically_normal());
  if (!p.is_absolute() || rel.empty() || *rel.begin() == "..") return path;
  return rel.string();
}

std::vector<std::string> NextSteps(const NextStepsInput& in) {
  const std::string url = DashboardUrl(in.listen, in.port);
  std::string server = url.substr(0, url.size() - 1);  // no trailing '/'
  std::string key_line, key_prefix;
  switch (in.key_source) {
    case KeySource::kPrinted:
      key_line = in.key + " (printed above; keep it safe)";
      key_prefix = "BATCHCALL_API_KEY=" + in.key + " ";
      break;
    case KeySource::kFile:
      key_line = "in " + in.key_file + " (mode 0600)";
      key_prefix = "BATCHCALL_API_KEY=$(cat " + ShellWord(in.key_file) + ") ";
      break;
    case KeySource::kEnvironment:
      key_line = "the one in BATCHCALL_API_KEY (export it for the client commands too)";
      break;
  }
  std::string command = key_prefix + ShellWord(in.binary) + " batch run " + ShellWord(in.demo_file) + " --agent " +
                        in.demo_agent_id + " --at now --wait";
  if (server != kClientDefaultServer) command += " --server " + server;
  return {"Dashboard: " + url + " (sign in with the API key)", "API key:   " + key_line, "Demo:      " + command};
}

}  // namespace batchcall
