#include "config/toml_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace batchcall::config {
namespace {

using ::testing::HasSubstr;

std::string Dotted(int parts) {
  std::string key = "a";
  for (int i = 1; i < parts; ++i) key += ".a";
  return key;
}

TEST(TomlGuardTest, OrdinaryFilesPass) {
  EXPECT_EQ(CheckTomlNesting("listen = \"127.0.0.1:8080\" # a.b.c\n[server]\nx.y = [1, [2]]\n", "f"), "");
  EXPECT_EQ(CheckTomlNesting(Dotted(kMaxTomlNesting) + " = 1\n", "f"), "");
  // Dots and brackets inside strings do not count.
  const std::string many_dots(500, '.');
  EXPECT_EQ(CheckTomlNesting("a = \"" + many_dots + "[[[{{\"\nb = '" + many_dots + "'\n", "f"), "");
  EXPECT_EQ(CheckTomlNesting("a = \"\"\"\n" + many_dots + "\n\\\"\"\"\n" + many_dots + "\"\"\"\n", "f"), "");
  EXPECT_EQ(CheckTomlNesting("a = '''" + many_dots + "\n" + many_dots + "'''\n", "f"), "");
}

TEST(TomlGuardTest, DeepDottedKeysHeadersAndArraysAreRefused) {
  EXPECT_EQ(CheckTomlNesting("x = 1\n" + Dotted(kMaxTomlNesting + 1) + " = 1\n", "f.toml"),
            "f.toml:2: keys, tables or arrays nested more than 64 levels deep");
  EXPECT_THAT(CheckTomlNesting("[" + Dotted(1000) + "]\n", "f"), HasSubstr("f:1:"));
  EXPECT_THAT(CheckTomlNesting("a = " + std::string(100, '[') + std::string(100, ']') + "\n", "f"),
              HasSubstr("nested more than 64"));
  EXPECT_THAT(CheckTomlNesting("a = " + std::string(100, '{'), "f"), HasSubstr("nested more than 64"));
}

// Regression: 100,000 dotted parts overflowed the stack in toml++ (found
// with the previous fuzzing attempt); LoadConfig refuses them first.
TEST(TomlGuardTest, LoadConfigRefusesDeepKeysWithoutCrashing) {
  ConfigInput in;
  in.file = "batchcall.toml";
  in.file_text = Dotted(100'000) + " = 1\n";
  auto c = LoadConfig(in);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("batchcall.toml:1: keys, tables or arrays nested more than 64"));
  in.file_text = "[" + Dotted(100'000) + "]\n";
  EXPECT_FALSE(LoadConfig(in).ok());
}

}  // namespace
}  // namespace batchcall::config
