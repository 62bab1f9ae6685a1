#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace batchcall::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ConfigInput WithFile(std::string text) {
  ConfigInput in;
  in.file = "batchcall.toml";
  in.file_text = std::move(text);
  return in;
}

// The entry of the setting `key` (what `config check` prints for it).
const Entry& EntryOf(const Config& c, std::string_view key) { return c.entry(*FindSetting(key)); }
std::string String(const Config& c, std::string_view key) { return std::get<std::string>(EntryOf(c, key).value); }
int64_t Integer(const Config& c, std::string_view key) { return std::get<int64_t>(EntryOf(c, key).value); }
double Number(const Config& c, std::string_view key) { return std::get<double>(EntryOf(c, key).value); }

std::string ErrorOf(const ConfigInput& in) {
  auto c = LoadConfig(in);
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.status().message();
}

// A value of the setting's type, distinct from its default; `n` picks one of several.
std::string SampleText(const Setting& s, int n) {
  if (!s.choices.empty())
    return s.choices[static_cast<size_t>(n) % s.choices.size()] == s.default_value
               ? s.choices[static_cast<size_t>(n + 1) % s.choices.size()]
               : s.choices[static_cast<size_t>(n) % s.choices.size()];
  if (s.format == "hex64") return std::string(63, 'a') + std::to_string(n);
  if (s.format == "url") return "https://host" + std::to_string(n) + ".example";
  if (s.format == "cidr_list") return "10." + std::to_string(n) + ".0.0/16,::1/128";
  if (s.type == SettingType::kString) return "value-" + std::to_string(n);
  return std::to_string(static_cast<int64_t>(s.min) + 1 + n);
}

std::string FileLine(const Setting& s, const std::string& text) {
  return s.key + " = " + (s.type == SettingType::kString ? "\"" + text + "\"" : text) + "\n";
}

TEST(ConfigTest, DefaultsMatchTheServeFlagsOfOld) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(String(*c, "listen"), "127.0.0.1:8080");
  EXPECT_EQ(String(*c, "db"), "sqlite:./data/batchcall.db");
  EXPECT_EQ(Integer(*c, "dial_threads"), 8);
  EXPECT_EQ(Number(*c, "max_upload_mb"), 100);
  EXPECT_EQ(Integer(*c, "max_rows"), 1'000'000);
  EXPECT_EQ(Integer(*c, "header_timeout_ms"), 10'000);
  EXPECT_EQ(Integer(*c, "body_idle_timeout_ms"), 15'000);
  EXPECT_EQ(Number(*c, "webhook_max_age"), 72 * 3600);
  EXPECT_EQ(Number(*c, "webhook_backoff_max"), 600);
  EXPECT_EQ(Number(*c, "webhook_timeout"), 10);
  EXPECT_EQ(String(*c, "log_format"), "text");
  EXPECT_EQ(String(*c, "log_level"), "info");
  EXPECT_EQ(String(*c, "api_key"), "");
  for (const Entry& e : c->entries()) EXPECT_EQ(e.source, Source::kDefault) << e.setting->key;
}

TEST(ConfigTest, FlagAndEnvNamesFollowTheKey) {
  const Setting* s = FindSetting("webhook_max_age");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->flag, "--webhook-max-age");
  EXPECT_EQ(s->env, "BATCHCALL_WEBHOOK_MAX_AGE");
  EXPECT_EQ(FindSetting("api_key")->flag, "") << "secrets have no flag";
  EXPECT_EQ(FindSetting("secret_key")->env, "BATCHCALL_SECRET_KEY");
  EXPECT_EQ(FindSetting("server_url")->env, "BATCHCALL_URL");
  EXPECT_EQ(FindSetting("nope"), nullptr);
}

// For every key: file beats default, env beats file, flag beats env.
TEST(ConfigTest, PrecedencePerKey) {
  for (const Setting& s : Settings()) {
    SCOPED_TRACE(s.key);
    std::string file_text = SampleText(s, 1), env_text = SampleText(s, 2),
                flag_text = SampleText(s, 3);
    ConfigInput in = WithFile(FileLine(s, file_text));
    auto from_file = LoadConfig(in);
    ASSERT_TRUE(from_file.ok()) << from_file.status().message();
    EXPECT_EQ(from_file->entry(s).source, Source::kFile);
    EXPECT_EQ(from_file->entry(s).origin, "batchcall.toml:1");
    EXPECT_EQ(from_file->entry(s).value, *ParseSettingText(s, file_text));

    in.env[s.env] = env_text;
    auto from_env = LoadConfig(in);
    ASSERT_TRUE(from_env.ok()) << from_env.status().message();
    EXPECT_EQ(from_env->entry(s).source, Source::kEnv);
    EXPECT_EQ(from_env->entry(s).value, *ParseSettingText(s, env_text));

    if (s.flag.empty()) continue;
    in.flags[s.key] = flag_text;
    auto from_flag = LoadConfig(in);
    ASSERT_TRUE(from_flag.ok()) << from_flag.status().message();
    EXPECT_EQ(from_flag->entry(s).source, Source::kFlag);
    EXPECT_EQ(from_flag->entry(s).origin, s.flag);
    EXPECT_EQ(from_flag->entry(s).value, *ParseSettingText(s, flag_text));

    // The other keys stay at their defaults.
    for (const Entry& e : from_flag->entries()) {
      if (e.setting != &s) {
        EXPECT_EQ(e.source, Source::kDefault) << e.setting->key;
      }
    }
  }
}

TEST(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  ConfigInput in = WithFile("listen = \"0.0.0.0:9000\"\n");
  in.env["BATCHCALL_LISTEN"] = "";
  auto c = LoadConfig(in);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(String(*c, "listen"), "0.0.0.0:9000");
}

TEST(ConfigTest, UnknownKeyNamesLineAndClosestKey) {
  std::string e = ErrorOf(WithFile("# comment\nlisten = \"127.0.0.1:1\"\nlistne = \"x\"\n"));
  EXPECT_EQ(e, "unknown key 'listne' at batchcall.toml:3; did you mean 'listen'?");
  EXPECT_THAT(ErrorOf(WithFile("webhook_maxage = 5\n")),
              HasSubstr("did you mean 'webhook_max_age'?"));
  EXPECT_THAT(ErrorOf(WithFile("log_levl = \"debug\"\n")), HasSubstr("did you mean 'log_level'?"));
}

TEST(ConfigTest, KeysInTablesAreUnknown) {
  std::string e = ErrorOf(WithFile("[server]\nlisten = \"127.0.0.1:1\"\n"));
  EXPECT_THAT(e,
              HasSubstr("unknown key 'server.listen' at batchcall.toml:2; did you mean 'listen'?"));
  EXPECT_THAT(ErrorOf(WithFile("[empty]\n")), HasSubstr("unknown key 'empty' at batchcall.toml:1"));
}

TEST(ConfigTest, EveryProblemIsReportedOnItsOwnLine) {
  std::string e = ErrorOf(WithFile("listne = 1\ndial_threads = 0\nlog_format = \"xml\"\n"));
  EXPECT_THAT(e, HasSubstr("unknown key 'listne' at batchcall.toml:1"));
  EXPECT_THAT(e, HasSubstr("\ndial_threads at batchcall.toml:2: must be between 1 and 256, got 0"));
  EXPECT_THAT(e,
              HasSubstr("\nlog_format at batchcall.toml:3: must be one of text, json, got 'xml'"));
}

TEST(ConfigTest, WrongTypesNameFileAndLine) {
  EXPECT_EQ(ErrorOf(WithFile("\nlisten = 8080\n")),
            "listen at batchcall.toml:2: must be a string, got integer");
  EXPECT_EQ(ErrorOf(WithFile("dial_threads = \"8\"\n")),
            "dial_threads at batchcall.toml:1: must be an integer, got string");
  EXPECT_EQ(ErrorOf(WithFile("dial_threads = 2.5\n")),
            "dial_threads at batchcall.toml:1: must be an integer, got float");
  EXPECT_EQ(ErrorOf(WithFile("webhook_timeout = true\n")),
            "webhook_timeout at batchcall.toml:1: must be a number, got boolean");
  EXPECT_EQ(ErrorOf(WithFile("db = [\"a\"]\n")),
            "db at batchcall.toml:1: must be a string, got array");
}

TEST(ConfigTest, NumbersAcceptIntegersAndFloats) {
  auto c = LoadConfig(WithFile("webhook_timeout = 3\nmax_upload_mb = 0.5\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(Number(*c, "webhook_timeout"), 3.0);
  EXPECT_EQ(Number(*c, "max_upload_mb"), 0.5);
}

TEST(ConfigTest, ValuesAreChecked) {
  EXPECT_THAT(ErrorOf(WithFile("dial_threads = 300\n")),
              HasSubstr("must be between 1 and 256, got 300"));
  EXPECT_THAT(ErrorOf(WithFile("webhook_timeout = -1\n")), HasSubstr("must be between"));
  EXPECT_THAT(ErrorOf(WithFile("public_url = \"ftp://x\"\n")),
              HasSubstr("must be an http:// or https:// URL"));
  EXPECT_THAT(ErrorOf(WithFile("secret_key = \"abc\"\n")),
              HasSubstr("must be 64 hex characters (3 given)"));
  EXPECT_THAT(ErrorOf(WithFile("log_level = \"trace\"\n")),
              HasSubstr("one of debug, info, warn, error"));
}

// outbound_allow: a TOML list of CIDRs in the file, comma-separated text in
// the environment and on the command line; every entry checked.
TEST(ConfigTest, OutboundAllowIsAListOfCheckedRanges) {
  auto c = LoadConfig(WithFile("outbound_allow = [\"127.0.0.0/8\", \"::1/128\"]\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(String(*c, "outbound_allow"), "127.0.0.0/8,::1/128");
  EXPECT_EQ(EntryOf(*c, "outbound_allow").origin, "batchcall.toml:1");
  auto text = LoadConfig(WithFile("outbound_allow = \"10.0.0.0/8, 192.168.1.20\"\n"));
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(String(*text, "outbound_allow"), "10.0.0.0/8, 192.168.1.20");
  EXPECT_EQ(String(*LoadConfig({}), "outbound_allow"), "");
  EXPECT_THAT(ErrorOf(WithFile("outbound_allow = [\"10.0.0.1/8\"]\n")),
              HasSubstr("outbound_allow at batchcall.toml:1: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?"));
  EXPECT_THAT(ErrorOf(WithFile("outbound_allow = [8]\n")),
              HasSubstr("outbound_allow at batchcall.toml:1: must be a list of strings, got a list holding integer"));
  ConfigInput in;
  in.env["BATCHCALL_OUTBOUND_ALLOW"] = "127.0.0.0/8,localhost";
  in.flags["outbound_allow"] = "300.0.0.0/8";
  std::string e = ErrorOf(in);
  EXPECT_THAT(e, HasSubstr("BATCHCALL_OUTBOUND_ALLOW: 'localhost' is not an IP address or CIDR range"));
  EXPECT_THAT(e, HasSubstr("--outbound-allow: '300.0.0.0/8' is not a CIDR range"));
}

TEST(ConfigTest, EnvAndFlagErrorsNameTheirSource) {
  ConfigInput in;
  in.env["BATCHCALL_DIAL_THREADS"] = "many";
  in.flags["max_rows"] = "0";
  std::string e = ErrorOf(in);
  EXPECT_THAT(e, HasSubstr("BATCHCALL_DIAL_THREADS: must be an integer, got 'many'"));
  EXPECT_THAT(e, HasSubstr("--max-rows: must be between 1 and 1000000000, got 0"));
}

TEST(ConfigTest, TomlSyntaxErrorHasLineAndColumn) {
  std::string e = ErrorOf(WithFile("listen = \"127.0.0.1:1\"\ndb = \n"));
  EXPECT_THAT(e, HasSubstr("batchcall.toml:2:"));
  EXPECT_THAT(ErrorOf(WithFile("listen = \"a\"\nlisten = \"b\"\n")),
              HasSubstr("batchcall.toml:2:"));
}

TEST(ConfigTest, MissingFileIsAnError) {
  ConfigInput in;
  in.file = "/nonexistent/batchcall.toml";
  EXPECT_EQ(ErrorOf(in), "cannot read config file /nonexistent/batchcall.toml");
}

TEST(ConfigTest, OversizedFileIsAnError) {
  EXPECT_THAT(ErrorOf(WithFile(std::string(kMaxConfigFileBytes + 1, '#'))),
              HasSubstr("larger than"));
}

TEST(ConfigTest, EditDistanceAndClosestKey) {
  EXPECT_EQ(EditDistance("listne", "listen"), 2u);
  EXPECT_EQ(EditDistance("", "db"), 2u);
  EXPECT_EQ(EditDistance("db", "db"), 0u);
  EXPECT_EQ(ClosestKey("dial_thread"), "dial_threads");
  EXPECT_EQ(ClosestKey("secretkey"), "secret_key");
}

TEST(ConfigTest, PrintedConfigMasksSecretsAndNamesSources) {
  ConfigInput in =
      WithFile("listen = \"0.0.0.0:9000\"\napi_key = \"bc_test_key_0123456789abcdef\"\n");
  in.env["BATCHCALL_SECRET_KEY"] = std::string(60, '0') + "beef";
  in.flags["dial_threads"] = "4";
  auto c = LoadConfig(in);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string out = FormatConfig(*c, "batchcall.toml");
  EXPECT_THAT(out, HasSubstr("listen = \"0.0.0.0:9000\"  # file batchcall.toml:1\n"));
  EXPECT_THAT(out, HasSubstr("api_key = \"****cdef\"  # file batchcall.toml:2, secret, masked\n"));
  EXPECT_THAT(out,
              HasSubstr("secret_key = \"****beef\"  # env BATCHCALL_SECRET_KEY, secret, masked\n"));
  EXPECT_THAT(out, HasSubstr("dial_threads = 4  # flag --dial-threads\n"));
  EXPECT_THAT(out, HasSubstr("webhook_max_age = 259200  # default\n"));
  EXPECT_THAT(out, Not(HasSubstr("0123456789")));
  EXPECT_THAT(out, Not(HasSubstr("0000beef")));
  for (const Setting& s : Settings()) {
    EXPECT_THAT(out, HasSubstr("\n" + s.key + " = ")) << s.key;
  }
}

TEST(ConfigTest, PrintedConfigIsValidTomlThatLoadsBack) {
  ConfigInput in = WithFile("node_id = \"a \\\"quoted\\\" \\\\ name\"\nmax_upload_mb = 0.25\n");
  auto c = LoadConfig(in);
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto again = LoadConfig(WithFile(FormatConfig(*c, "batchcall.toml")));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(String(*again, "node_id"), "a \"quoted\" \\ name");
  EXPECT_EQ(Number(*again, "max_upload_mb"), 0.25);
}

TEST(ConfigTest, MaskSecret) {
  EXPECT_EQ(MaskSecret(""), "");
  EXPECT_EQ(MaskSecret("short"), "****");
  EXPECT_EQ(MaskSecret("bc_0123456789abcdef"), "****cdef");
}

TEST(ConfigTest, ExampleConfigLoadsAndMentionsEverySetting) {
  std::string example = ExampleConfig();
  for (const Setting& s : Settings()) {
    EXPECT_THAT(example, HasSubstr("\n#" + s.key + " = ")) << s.key;
    EXPECT_THAT(example, HasSubstr(s.env)) << s.key;
  }
  // Uncommenting every line gives the defaults.
  std::string uncommented;
  size_t pos = 0;
  while (pos < example.size()) {
    size_t end = example.find('\n', pos);
    std::string line = example.substr(pos, end - pos);
    if (line.size() > 1 && line[0] == '#' && line.find(" = ") != std::string::npos &&
        line[1] != ' ') {
      line = line.substr(1);
    }
    uncommented += line + "\n";
    pos = end == std::string::npos ? example.size() : end + 1;
  }
  auto c = LoadConfig(WithFile(uncommented));
  ASSERT_TRUE(c.ok()) << c.status().message();
  for (const Entry& e : c->entries()) {
    EXPECT_EQ(e.source, Source::kFile) << e.setting->key;
    EXPECT_EQ(e.value, *ParseSettingText(*e.setting, e.setting->default_value)) << e.setting->key;
  }
}

}  // namespace
}  // namespace batchcall::config
