#include "cli/validate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace batchcall {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const char* name) { return std::string(BATCHCALL_TEST_DATA_DIR) + "/" + name; }

struct Outcome {
  int code;
  std::string out, err;
};

Outcome Validate(ValidateCommandOptions options) {
  std::ostringstream out, err;
  const int code = RunValidateCommand(options, out, err);
  return {code, out.str(), err.str()};
}

TEST(ValidateCommand, DemoTable) {
  const Outcome r = Validate({Fixture("demo_contacts.csv"), PhoneValidationMode::kStrict, "", false, false});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("8 rows, 7 valid, 1 rejected"));
  EXPECT_THAT(r.out, HasSubstr("LINE  CONTACT_NUMBER  CODE       MESSAGE\n"
                               "   9  +14155552671    duplicate  +14155552671 already appears on line 2.\n"));
}

TEST(ValidateCommand, SeedJsonAndExitCodeOne) {
  const Outcome r = Validate({Fixture("seed_example.csv"), PhoneValidationMode::kStrict, "", false, true});
  EXPECT_EQ(r.code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["file"], Fixture("seed_example.csv"));
  EXPECT_EQ(j["total_rows"], 4);
  EXPECT_EQ(j["valid"], 0);
  EXPECT_EQ(j["rejected"], 4);
  EXPECT_EQ(j["rejected_by_code"]["invalid_number"], 3);
  EXPECT_EQ(j["rejected_by_code"]["invalid_country_code"], 1);
  ASSERT_EQ(j["rejects"].size(), 4u);
  EXPECT_EQ(j["rejects"][2]["line"], 4);
  EXPECT_EQ(j["rejects"][2]["contact_number"], "+00021000000");
  EXPECT_EQ(j["rejects"][2]["code"], "invalid_country_code");
  EXPECT_TRUE(j["rejects"][2]["message"].is_string());
}

TEST(ValidateCommand, PossibleModeAcceptsSomeSeedRows) {
  const Outcome r = Validate({Fixture("seed_example.csv"), PhoneValidationMode::kE164, "", false, false});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("4 rows, 3 valid, 1 rejected"));
}

TEST(ValidateCommand, FileLevelErrorsExitTwo) {
  Outcome r = Validate({"/nonexistent/x.csv", PhoneValidationMode::kStrict, "", false, false});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot open /nonexistent/x.csv"));
  r = Validate({Fixture("demo_contacts.csv"), PhoneValidationMode::kStrict, "ZQ", false, false});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown default country \"ZQ\""));

  const std::string path = ::testing::TempDir() + "/validate_latin1.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "contact_number,name\n+14155552671,Jos\xE9\n";
  }
  r = Validate({path, PhoneValidationMode::kStrict, "", false, false});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("not UTF-8: invalid byte sequence on line 2"));
  EXPECT_EQ(r.out, "");
  std::remove(path.c_str());
}

TEST(ValidateCommand, TableEscapesMultilineValues) {
  const std::string path = ::testing::TempDir() + "/validate_multiline.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "contact_number\n\"+1415\n5552671\"\n";
  }
  const Outcome r = Validate({path, PhoneValidationMode::kStrict, "", false, false});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("   2  +1415\\n5552671  invalid_characters"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace batchcall
