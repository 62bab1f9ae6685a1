// The settings table's bindings: every row's default is its member's
// in-class default (and what the docs say), every value lands in its member.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config/config.h"

namespace batchcall::config {
namespace {

using namespace std::chrono_literals;

const Setting& Row(std::string_view key) {
  const Setting* s = FindSetting(key);
  EXPECT_NE(s, nullptr) << key;
  return *s;
}

Config Load(ConfigInput in) {
  auto c = LoadConfig(in);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(*c) : Config({}, {});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(BindingTest, EveryDefaultIsTheMembersDefaultAndValid) {
  const Options defaults;
  for (const Setting& s : Settings()) {
    SCOPED_TRACE(s.key);
    ASSERT_TRUE(s.binding.get && s.binding.set);
    ASSERT_FALSE(s.binding.members.empty());
    EXPECT_EQ(s.type, s.binding.type);
    auto parsed = ParseSettingText(s, s.default_value);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(*parsed, s.binding.get(defaults));
  }
}

TEST(BindingTest, DefaultsAreTheLibrariesDefaults) {
  const ServerOptions server;
  EXPECT_EQ(Row("listen").default_value, HttpServerOptions().listen);
  EXPECT_EQ(Row("max_rows").default_value, std::to_string(IngestOptions().max_rows));
  EXPECT_EQ(Row("dial_threads").default_value, std::to_string(DispatcherOptions().dial_threads));
  EXPECT_EQ(Row("webhook_max_age").default_value, "259200");  // WebhookOptions::max_age, 72 h
  EXPECT_EQ(Row("max_upload_mb").default_value, "100");
  EXPECT_EQ(Row("log_level").default_value, "info");
  EXPECT_EQ(Row("server_url").default_value, ClientOptions().server_url);
  EXPECT_EQ(Row("db").default_value, server.store.db);
}

// Each member is set by one row only; a row may set two (api_key, public_url).
TEST(BindingTest, RowsBindDistinctMembers) {
  const Options options;
  std::set<const void*> seen;
  for (const Setting& s : Settings()) {
    for (const auto& member : s.binding.members) EXPECT_TRUE(seen.insert(member(options)).second) << s.key;
  }
}

// A value of the setting, distinct from its default, that converts exactly.
std::string Sample(const Setting& s) {
  if (!s.choices.empty()) return s.choices.front() == s.default_value ? s.choices.back() : s.choices.front();
  if (s.format == "hex64") return std::string(64, 'b');
  if (s.format == "url") return "https://sample.example";
  if (s.format == "cidr_list") return "10.0.0.0/8,::1/128";
  if (s.type == SettingType::kString) return "sample";
  return std::to_string(static_cast<int64_t>(s.min) + 3);
}

// Set through the file, each row's member reads back as the value.
TEST(BindingTest, EveryValueRoundTripsThroughItsMember) {
  for (const Setting& s : Settings()) {
    SCOPED_TRACE(s.key);
    std::string text = Sample(s);
    ConfigInput in;
    in.file = "f.toml";
    in.file_text = s.key + " = " + (s.type == SettingType::kString ? "\"" + text + "\"" : text) + "\n";
    Config c = Load(in);
    Options filled{c.server(), c.client()};
    EXPECT_EQ(s.binding.get(filled), *ParseSettingText(s, text));
    const Options kDefaults;  // default-initialised: GCC 12 -O2 warns (maybe-uninitialized) on a value-initialised one
    EXPECT_NE(s.binding.get(filled), s.binding.get(kDefaults));
  }
}

TEST(BindingTest, ValuesLandInTheirTypedMembers) {
  ConfigInput in;
  in.file = "f.toml";
  in.file_text =
      "listen = \"0.0.0.0:9000\"\nmax_upload_mb = 0.5\noutbound_allow = [\"10.0.0.0/8\", \"::1/128\"]\n"
      "log_format = \"json\"\napi_key = \"bc_file_key\"\npublic_url = \"https://calls.example\"\n";
  in.env["BATCHCALL_WEBHOOK_TIMEOUT"] = "2.5";
  in.env["BATCHCALL_DIAL_THREADS"] = "3";
  in.env["BATCHCALL_URL"] = "http://10.1.1.1:8080";
  in.flags["max_rows"] = "42";
  in.flags["header_timeout_ms"] = "1500";
  in.flags["log_level"] = "warn";
  Config c = Load(in);
  const ServerOptions& o = c.server();
  EXPECT_EQ(o.http.listen, "0.0.0.0:9000");
  EXPECT_EQ(o.http.max_upload_bytes, 512u * 1024);
  EXPECT_EQ(o.outbound_allow, (std::vector<std::string>{"10.0.0.0/8", "::1/128"}));
  EXPECT_EQ(o.log.format, LogFormat::kJson);
  EXPECT_EQ(o.log.level, LogLevel::kWarn);
  EXPECT_EQ(o.api_key, "bc_file_key");
  EXPECT_EQ(c.client().api_key, "bc_file_key");
  EXPECT_EQ(o.api.public_url, "https://calls.example");
  EXPECT_EQ(o.dispatch.callback_base_url, "https://calls.example");
  EXPECT_EQ(o.webhook.request_timeout, 2500ms);
  EXPECT_EQ(o.dispatch.dial_threads, 3);
  EXPECT_EQ(c.client().server_url, "http://10.1.1.1:8080");
  EXPECT_EQ(o.api.ingest.max_rows, 42);
  EXPECT_EQ(o.http.header_timeout, 1500ms);
  // Untouched members keep their defaults.
  EXPECT_EQ(o.webhook.max_age, WebhookOptions().max_age);
  EXPECT_EQ(o.store.db, StoreOptions().db);
}

TEST(BindingTest, SourceOfAClientMember) {
  ConfigInput in;
  in.file = "f.toml";
  in.file_text = "api_key = \"bc_file_key\"\n";
  Config c = Load(in);
  EXPECT_EQ(c.SourceOf(&ClientOptions::api_key), Source::kFile);
  EXPECT_EQ(c.SourceOf(&ClientOptions::server_url), Source::kDefault);
}

// The line after ".B <key>" in the man page's CONFIGURATION list, with "\-" as "-".
std::string ManPageLine(const std::string& man, const std::string& key) {
  size_t at = man.find("\n.B " + key + "\n", man.find("\n.SH CONFIGURATION"));
  if (at == std::string::npos) return "";
  size_t begin = man.find('\n', at + 1) + 1;
  std::string line = man.substr(begin, man.find('\n', begin) - begin);
  for (size_t p; (p = line.find("\\-")) != std::string::npos;) line.erase(p, 1);
  return line;
}

// docs/batchcall.1 and docs/operations.md show the defaults the members have.
TEST(BindingTest, DocsShowTheDefaults) {
  const std::string man = ReadFile(BATCHCALL_DOCS_DIR "/batchcall.1");
  const std::string ops = ReadFile(BATCHCALL_DOCS_DIR "/operations.md");
  ASSERT_FALSE(man.empty());
  ASSERT_FALSE(ops.empty());
  for (const Setting& s : Settings()) {
    SCOPED_TRACE(s.key);
    std::string line = ManPageLine(man, s.key);
    ASSERT_FALSE(line.empty()) << "no .B " << s.key << " in the man page's CONFIGURATION";
    size_t row = ops.find("\n| `" + s.key + "` |");
    ASSERT_NE(row, std::string::npos) << "no row in docs/operations.md";
    std::string ops_row = ops.substr(row + 1, ops.find('\n', row + 1) - row - 1);
    if (s.default_value.empty()) {
      EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("default \"")));
      EXPECT_THAT(ops_row, ::testing::HasSubstr("| unset"));
      continue;
    }
    EXPECT_THAT(line, ::testing::EndsWith("default " + s.default_value + "."));
    EXPECT_THAT(ops_row, ::testing::HasSubstr("| `" + s.default_value + "`"));
  }
}

}  // namespace
}  // namespace batchcall::config
