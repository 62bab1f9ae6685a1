// Printing the configuration: `batchcall config check` and `config example`.
#include <charconv>
#include <cstdio>

#include "config/config.h"

namespace batchcall::config {
namespace {

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string TomlValue(const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return TomlString(*s);
  if (const auto* n = std::get_if<int64_t>(&value)) return std::to_string(*n);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(value));
  return ec == std::errc() ? std::string(buf, end) : "nan";
}

std::string MaskSecret(std::string_view secret) {
  if (secret.empty()) return "";
  if (secret.size() < 12) return "****";
  return "****" + std::string(secret.substr(secret.size() - 4));
}

std::string FormatConfig(const Config& config, std::string_view file) {
  std::string out = "# batchcall effective configuration";
  out += file.empty() ? std::string(" (no file)") : " from " + std::string(file);
  out += "\n# precedence: flags > environment > file > defaults; secrets masked\n";
  for (const Entry& e : config.entries()) {
    std::string value = TomlValue(e.value);
    std::string comment(SourceName(e.source));
    if (!e.origin.empty()) comment += " " + e.origin;
    if (e.setting->secret) {
      const auto& text = std::get<std::string>(e.value);
      value = TomlValue(MaskSecret(text));
      comment += text.empty() ? ", secret, not set" : ", secret, masked";
    }
    out += e.setting->key + " = " + value + "  # " + comment + "\n";
  }
  return out;
}

std::string ExampleConfig() {
  std::string out =
      "# batchcall configuration file (TOML). Every setting is shown commented\n"
      "# out at its default. Precedence, per key: command-line flags >\n"
      "# environment variables > this file > defaults.\n"
      "# Check a file with: batchcall config check FILE\n";
  for (const Setting& s : Settings()) {
    out += "\n# " + s.help + "\n# ";
    if (!s.flag.empty()) out += "flag " + s.flag + ", ";
    out += "environment " + s.env;
    if (s.secret) out += " (secret: no flag, it would show in ps)";
    if (s.scope == Scope::kClient) out += " (client commands)";
    out += "\n#" + s.key + " = ";
    if (s.type == SettingType::kString) {
      out += TomlValue(s.default_value);
    } else {
      out += s.default_value;
    }
    out += "\n";
  }
  return out;
}

}  // namespace batchcall::config
