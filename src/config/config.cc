#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "config/toml_guard.h"
#include "net/outbound_policy.h"

namespace batchcall::config {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Checks range, choices and format; "" when fine.
std::string Check(const Setting& s, const Value& value) {
  if (s.type == SettingType::kString) {
    const auto& text = std::get<std::string>(value);
    if (!s.choices.empty() &&
        std::find(s.choices.begin(), s.choices.end(), text) == s.choices.end()) {
      std::string all;
      for (const auto& c : s.choices) all += (all.empty() ? "" : ", ") + c;
      return "must be one of " + all + ", got " + Quoted(text);
    }
    if (s.format == "url" && !text.empty() && text.rfind("http://", 0) != 0 &&
        text.rfind("https://", 0) != 0) {
      return "must be an http:// or https:// URL, got " + Quoted(text);
    }
    if (s.format == "cidr_list") {
      auto policy = OutboundPolicy::Allowing(SplitList(text));
      if (!policy.ok()) return policy.status().message();
    }
    if (s.format == "hex64" && !text.empty()) {
      bool hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                   return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                 });
      if (!hex) return "must be 64 hex characters (" + std::to_string(text.size()) + " given)";
    }
    return "";
  }
  double n = s.type == SettingType::kInteger ? static_cast<double>(std::get<int64_t>(value))
                                             : std::get<double>(value);
  if (!(n >= s.min && n <= s.max)) {
    return "must be between " +
           TomlValue(s.type == SettingType::kInteger ? Value(int64_t(s.min)) : Value(s.min)) +
           " and " +
           TomlValue(s.type == SettingType::kInteger ? Value(int64_t(s.max)) : Value(s.max)) +
           ", got " + TomlValue(value);
  }
  return "";
}

std::string_view TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    default:
      return "date/time";
  }
}

std::string_view WantedTypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "a string";
    case SettingType::kInteger:
      return "an integer";
    case SettingType::kNumber:
      return "a number";
  }
  return "";
}

// The value of a file node for `s`, or an error message.
std::variant<Value, std::string> FromNode(const Setting& s, const toml::node& node) {
  if (s.type == SettingType::kString && node.is_string()) return Value(*node.value<std::string>());
  if (s.format == "cidr_list" && node.is_array()) {
    // A list setting: an array of strings, kept as the comma-separated text the environment uses.
    std::string joined;
    for (const toml::node& item : *node.as_array()) {
      if (!item.is_string()) return "must be a list of strings, got a list holding " + std::string(TomlTypeName(item));
      joined += (joined.empty() ? "" : ",") + *item.value<std::string>();
    }
    return Value(joined);
  }
  if (s.type == SettingType::kInteger && node.is_integer()) return Value(*node.value<int64_t>());
  if (s.type == SettingType::kNumber && (node.is_integer() || node.is_floating_point())) {
    return Value(*node.value<double>());
  }
  return "must be " + std::string(WantedTypeName(s.type)) + ", got " +
         std::string(TomlTypeName(node));
}

std::string Location(const std::string& file, const toml::source_region& where) {
  return file + ":" + std::to_string(where.begin.line);
}

// File problems with their line, reported in line order (a table iterates its keys sorted).
using LineErrors = std::vector<std::pair<uint32_t, std::string>>;

void UnknownKey(const std::string& shown, std::string_view leaf, const std::string& file,
                const toml::source_region& where, LineErrors& errors) {
  errors.emplace_back(where.begin.line,
                      "unknown key " + Quoted(shown) + " at " + Location(file, where) +
                          "; did you mean " + Quoted(ClosestKey(leaf)) + "?" +
                          (shown != leaf ? " (settings are top-level keys, not in tables)" : ""));
}

// Reports every key of an unknown table (recursively), or the table itself when empty.
void UnknownTable(const std::string& prefix, const toml::table& table, const std::string& file,
                  LineErrors& errors) {
  for (auto&& [k, node] : table) {
    std::string name = prefix + "." + std::string(k.str());
    if (const toml::table* sub = node.as_table(); sub && !sub->empty()) {
      UnknownTable(name, *sub, file, errors);
    } else {
      UnknownKey(name, k.str(), file, k.source(), errors);
    }
  }
}

void ApplyFile(const ConfigInput& in, std::vector<Entry>& entries,
               std::vector<std::string>& errors) {
  std::string text;
  if (in.file_text) {
    text = *in.file_text;
  } else {
    std::ifstream f(in.file, std::ios::binary);
    if (!f) {
      errors.push_back("cannot read config file " + in.file);
      return;
    }
    std::ostringstream buf;
    buf << f.rdbuf();
    text = buf.str();
  }
  if (text.size() > kMaxConfigFileBytes) {
    errors.push_back("config file " + in.file + " is larger than " +
                     std::to_string(kMaxConfigFileBytes) + " bytes");
    return;
  }
  if (std::string deep = CheckTomlNesting(text, in.file); !deep.empty()) {
    errors.push_back(deep);
    return;
  }
  toml::table root;
  try {
    root = toml::parse(text, in.file);
  } catch (const toml::parse_error& e) {
    errors.push_back(in.file + ":" + std::to_string(e.source().begin.line) + ":" +
                     std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
    return;
  }
  LineErrors file_errors;
  for (auto&& [k, node] : root) {
    std::string key(k.str());
    std::string where = Location(in.file, k.source());
    const Setting* s = FindSetting(key);
    if (!s) {
      if (const toml::table* t = node.as_table(); t && !t->empty()) {
        UnknownTable(key, *t, in.file, file_errors);
      } else {
        UnknownKey(key, key, in.file, k.source(), file_errors);
      }
      continue;
    }
    auto value = FromNode(*s, node);
    std::string error = std::holds_alternative<std::string>(value)
                            ? std::get<std::string>(value)
                            : Check(*s, std::get<Value>(value));
    if (!error.empty()) {
      file_errors.emplace_back(k.source().begin.line, key + " at " + where + ": " + error);
      continue;
    }
    Entry& e = entries[static_cast<size_t>(s - Settings().data())];
    e.value = std::get<Value>(value);
    e.source = Source::kFile;
    e.origin = where;
  }
  std::stable_sort(file_errors.begin(), file_errors.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, message] : file_errors) errors.push_back(std::move(message));
}

}  // namespace

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : Settings()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const std::string& ClosestKey(std::string_view key) {
  const Setting* best = &Settings().front();
  size_t best_distance = EditDistance(key, best->key);
  for (const Setting& s : Settings()) {
    size_t d = EditDistance(key, s.key);
    if (d < best_distance) {
      best = &s;
      best_distance = d;
    }
  }
  return best->key;
}

std::string_view SourceName(Source source) {
  switch (source) {
    case Source::kDefault:
      return "default";
    case Source::kFile:
      return "file";
    case Source::kEnv:
      return "env";
    case Source::kFlag:
      return "flag";
  }
  return "";
}

const Entry& Config::entry(const Setting& setting) const {
  return entries_.at(static_cast<size_t>(&setting - Settings().data()));
}

Source Config::SourceAt(const void* address) const {
  for (const Entry& e : entries_) {
    for (const auto& member : e.setting->binding.members) {
      if (member(options_) == address) return e.source;
    }
  }
  return Source::kDefault;
}

Result<Value> ParseSettingText(const Setting& s, std::string_view text) {
  Value value;
  if (s.type == SettingType::kString) {
    value = std::string(text);
  } else if (s.type == SettingType::kInteger) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return InvalidArgument("must be an integer, got " + Quoted(text));
    }
    value = n;
  } else {
    double n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(n)) {
      return InvalidArgument("must be a number, got " + Quoted(text));
    }
    value = n;
  }
  if (std::string error = Check(s, value); !error.empty()) return InvalidArgument(error);
  return value;
}

Result<Config> LoadConfig(const ConfigInput& in) {
  Options options;  // every member at its in-class default
  std::vector<Entry> entries;
  for (const Setting& s : Settings()) entries.push_back({&s, s.binding.get(options), Source::kDefault, ""});
  std::vector<std::string> errors;
  if (!in.file.empty()) ApplyFile(in, entries, errors);
  for (Entry& e : entries) {
    auto env = in.env.find(e.setting->env);
    if (env != in.env.end() && !env->second.empty()) {
      auto value = ParseSettingText(*e.setting, env->second);
      if (!value.ok()) {
        errors.push_back(e.setting->env + ": " + value.status().message());
      } else {
        e = {e.setting, *value, Source::kEnv, e.setting->env};
      }
    }
    auto flag = in.flags.find(e.setting->key);
    if (flag != in.flags.end()) {
      std::string name = e.setting->flag.empty() ? e.setting->key : e.setting->flag;
      auto value = ParseSettingText(*e.setting, flag->second);
      if (!value.ok()) {
        errors.push_back(name + ": " + value.status().message());
      } else {
        e = {e.setting, *value, Source::kFlag, name};
      }
    }
  }
  for (const auto& [key, text] : in.flags) {
    if (!FindSetting(key)) errors.push_back("unknown setting " + Quoted(key));
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += (message.empty() ? "" : "\n") + e;
    return InvalidArgument(message);
  }
  for (const Entry& e : entries) {
    if (e.source != Source::kDefault) e.setting->binding.set(options, e.value);
  }
  return Config(std::move(options), std::move(entries));
}

}  // namespace batchcall::config
