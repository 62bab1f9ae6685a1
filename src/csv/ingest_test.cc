#include "csv/ingest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace batchcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RecordingSink : public ContactSink {
 public:
  Status OnHeader(const std::vector<std::string>& columns) override {
    ++headers;
    this->columns = columns;
    return Status::Ok();
  }
  Status OnContact(const ContactRow& row) override {
    contacts.push_back(row);
    if (fail_after >= 0 && static_cast<int64_t>(contacts.size()) > fail_after) {
      return Unavailable("disk full");
    }
    return Status::Ok();
  }
  Status OnReject(const RejectedRow& row) override {
    rejects.push_back(row);
    return Status::Ok();
  }

  int headers = 0;
  int64_t fail_after = -1;
  std::vector<std::string> columns;
  std::vector<ContactRow> contacts;
  std::vector<RejectedRow> rejects;
};

Result<IngestSummary> IngestString(const std::string& csv, RecordingSink& sink,
                                   IngestOptions options = {}) {
  std::istringstream in(csv);
  return IngestContacts(in, options, sink);
}

Result<IngestSummary> IngestFixture(const std::string& name, RecordingSink& sink,
                                    IngestOptions options = {}) {
  std::ifstream in(std::string(BATCHCALL_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return IngestContacts(in, options, sink);
}

std::string IngestErrorOf(const std::string& csv, IngestOptions options = {}) {
  RecordingSink sink;
  auto r = IngestString(csv, sink, options);
  return r.ok() ? "no error" : r.status().message();
}

TEST(Ingest, SeedExampleUnderStrictRejectsAllFourForDistinctReasons) {
  RecordingSink sink;
  auto r = IngestFixture("seed_example.csv", sink);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->total_rows, 4);
  EXPECT_EQ(r->valid, 0);
  EXPECT_EQ(r->rejected, 4);
  ASSERT_EQ(sink.rejects.size(), 4u);
  std::set<std::string> messages;
  for (const auto& rej : sink.rejects) {
    messages.insert(rej.message);
    EXPECT_THAT(rej.message, HasSubstr(rej.contact_number)) << "the message names the value";
    std::printf("  line %lld  %-14s %-22s %s\n", static_cast<long long>(rej.line),
                rej.contact_number.c_str(), rej.code.c_str(), rej.message.c_str());
  }
  EXPECT_EQ(messages.size(), 4u);
  EXPECT_EQ(sink.rejects[0].line, 2);
  EXPECT_EQ(sink.rejects[0].code, "invalid_number");
  EXPECT_THAT(sink.rejects[0].message, HasSubstr("United States (US)"));
  EXPECT_EQ(sink.rejects[1].code, "invalid_number");
  EXPECT_THAT(sink.rejects[1].message, HasSubstr("trunk prefix"));
  EXPECT_THAT(sink.rejects[1].message, HasSubstr("India (IN)"));
  EXPECT_EQ(sink.rejects[2].code, "invalid_country_code");
  EXPECT_EQ(sink.rejects[3].code, "invalid_number");
  EXPECT_THAT(sink.rejects[3].message, HasSubstr("United Kingdom (GB)"));
  EXPECT_THAT(sink.rejects[3].message, HasSubstr("too few for a mobile number"));
  EXPECT_EQ(r->rejected_by_code.at("invalid_number"), 3);
  EXPECT_EQ(r->rejected_by_code.at("invalid_country_code"), 1);
  EXPECT_THAT(sink.columns, ElementsAre("first_name", "last_name"));
}

TEST(Ingest, DemoContacts) {
  RecordingSink sink;
  auto r = IngestFixture("demo_contacts.csv", sink);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->total_rows, 8);
  EXPECT_EQ(r->valid, 7);
  EXPECT_EQ(r->rejected, 1);
  EXPECT_EQ(sink.headers, 1);
  EXPECT_THAT(sink.columns, ElementsAre("first_name", "last_name", "appointment_day"));
  ASSERT_EQ(sink.contacts.size(), 7u);
  for (size_t i = 0; i < sink.contacts.size(); ++i) {
    EXPECT_EQ(sink.contacts[i].row_index, static_cast<int64_t>(i));
    EXPECT_EQ(sink.contacts[i].line, static_cast<int64_t>(i) + 2);
  }
  EXPECT_EQ(sink.contacts[0].contact_number, "+14155552671");
  EXPECT_THAT(sink.contacts[0].variables, ElementsAre("Ada", "Lovelace", "Monday"));
  EXPECT_EQ(sink.contacts[6].contact_number, "+61412345678");  // apostrophe dropped
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].line, 9);
  EXPECT_EQ(sink.rejects[0].code, "duplicate");
  EXPECT_EQ(sink.rejects[0].contact_number, "+14155552671");
  EXPECT_EQ(sink.rejects[0].message, "+14155552671 already appears on line 2.");
}

TEST(Ingest, VariablesFollowColumnOrderWhereverContactNumberIs) {
  RecordingSink sink;
  auto r = IngestString("city, contact_number ,name\nParis,+33612345678,Marie\n", sink);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(sink.columns, ElementsAre("city", "name"));
  ASSERT_EQ(sink.contacts.size(), 1u);
  EXPECT_THAT(sink.contacts[0].variables, ElementsAre("Paris", "Marie"));
}

TEST(Ingest, BomCrlfQuotedAndMultilineRows) {
  RecordingSink sink;
  auto r = IngestString(
      "\xEF\xBB\xBF" "contact_number,note\r\n"
      "\"+1 (415) 555-2671\",\"two\r\nlines\"\r\n"
      "\r\n"
      "+447911123456,\"a, b\"\r\n",
      sink);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(sink.contacts.size(), 2u);
  EXPECT_EQ(sink.contacts[0].contact_number, "+14155552671");
  EXPECT_THAT(sink.contacts[0].variables, ElementsAre("two\r\nlines"));
  EXPECT_EQ(sink.contacts[1].line, 5);
  EXPECT_THAT(sink.contacts[1].variables, ElementsAre("a, b"));
}

TEST(Ingest, ColumnCountRejects) {
  RecordingSink sink;
  auto r = IngestString("contact_number,a,b\n+14155552671,1\n+447911123456,1,2,3\n+33612345678,1,2\n", sink);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total_rows, 3);
  EXPECT_EQ(r->valid, 1);
  ASSERT_EQ(sink.rejects.size(), 2u);
  EXPECT_EQ(sink.rejects[0].code, "column_count");
  EXPECT_EQ(sink.rejects[0].line, 2);
  EXPECT_EQ(sink.rejects[0].contact_number, "+14155552671");
  EXPECT_EQ(sink.rejects[0].message, "The row has 2 fields but the header has 3 columns.");
  EXPECT_EQ(sink.rejects[1].message, "The row has 4 fields but the header has 3 columns.");
  EXPECT_EQ(r->rejected_by_code.at("column_count"), 2);
}

TEST(Ingest, BlankRowsAreSkipped) {
  RecordingSink sink;
  auto r = IngestString("contact_number,a\n\n , \n,\n+14155552671,x\n", sink);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total_rows, 1);
  EXPECT_EQ(r->valid, 1);
  EXPECT_EQ(sink.contacts[0].line, 5);
}

TEST(Ingest, FileLevelErrors) {
  EXPECT_EQ(IngestErrorOf(""), "the file is empty: it has no header row");
  EXPECT_EQ(IngestErrorOf("\n\n"), "the file is empty: it has no header row");
  EXPECT_EQ(IngestErrorOf("phone,name\n+14155552671,x\n"), "the header row has no contact_number column");
  EXPECT_EQ(IngestErrorOf("Contact_Number,name\n"),
            "the header row has no contact_number column (found \"Contact_Number\"; column names "
            "are case-sensitive)");
  EXPECT_EQ(IngestErrorOf("contact_number,name, name \n"),
            "the header row names column \"name\" twice (columns 2 and 3)");
  EXPECT_EQ(IngestErrorOf("contact_number,,x\n"),
            "column 2 of the header row has no name; every column needs a unique name");
  EXPECT_EQ(IngestErrorOf("contact_number\n+14155552671\nJos\xE9\n"),
            "the file is not UTF-8: invalid byte sequence on line 3; save it as CSV UTF-8");
  EXPECT_THAT(IngestErrorOf("contact_number\n\"+1415\n"), HasSubstr("not closed"));
  IngestOptions bad_region;
  bad_region.default_country = "XX";
  EXPECT_THAT(IngestErrorOf("contact_number\n", bad_region), HasSubstr("\"XX\" is not a known"));
}

TEST(Ingest, MaxRows) {
  IngestOptions options;
  options.max_rows = 2;
  RecordingSink sink;
  EXPECT_TRUE(IngestString("contact_number\n+14155552671\n\n+447911123456\n", sink, options).ok());
  auto r = IngestString("contact_number\n+14155552671\n+447911123456\n+33612345678\n", sink, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(r.status().message(), "the file has more than 2 data rows, the most one upload may have");
}

TEST(Ingest, AllowDuplicates) {
  const std::string csv = "contact_number\n+14155552671\n+1 415 555 2671\n'+14155552671\n";
  RecordingSink dedupe;
  auto r1 = IngestString(csv, dedupe);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->valid, 1);
  EXPECT_EQ(r1->rejected_by_code.at("duplicate"), 2);
  IngestOptions options;
  options.allow_duplicates = true;
  RecordingSink keep;
  auto r2 = IngestString(csv, keep, options);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->valid, 3);
  ASSERT_EQ(keep.contacts.size(), 3u);
  for (const auto& c : keep.contacts) EXPECT_EQ(c.contact_number, "+14155552671");
}

TEST(Ingest, DuplicatesAcrossSpellingsAndDefaultCountry) {
  IngestOptions options;
  options.default_country = "US";
  RecordingSink sink;
  auto r = IngestString(
      "contact_number\n(415) 555-2671\n415.555.2671\n+14155552671\n+4407911123456\n"
      "+447911123456\n+4407911123456\nabc\nabc\n",
      sink, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->valid, 2);
  ASSERT_EQ(sink.rejects.size(), 6u);
  EXPECT_EQ(sink.rejects[0].message, "+14155552671 already appears on line 2.");
  EXPECT_EQ(sink.rejects[1].message, "+14155552671 already appears on line 2.");
  EXPECT_EQ(sink.rejects[2].message, "+447911123456 already appears on line 5.");
  EXPECT_EQ(sink.rejects[3].message, "+447911123456 already appears on line 5.");
  EXPECT_EQ(sink.rejects[4].code, "invalid_characters");
  EXPECT_EQ(sink.rejects[5].code, "invalid_characters");
  EXPECT_EQ(sink.rejects[5].line, 9);
}

TEST(Ingest, SinkErrorStopsTheIngest) {
  RecordingSink sink;
  sink.fail_after = 1;
  auto r = IngestFixture("demo_contacts.csv", sink);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "disk full");
  EXPECT_EQ(sink.contacts.size(), 2u);
}

// Many chunks through the worker threads: results must match a
// single-threaded run exactly, in CSV order.
TEST(Ingest, ThreadedMatchesInline) {
  std::string csv = "contact_number,i\n";
  const char* patterns[] = {"+1415555%04d", "+9198765%05d", "+4479111%05d", "+1123123%04d",
                            "'+614121%05d", "x%d", "+1 (415) 555-%04d", "%d"};
  for (int i = 0; i < 7000; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, patterns[i % 8], (i * 7) % 3000);
    csv.append(buf).append(",").append(std::to_string(i)).append("\n");
  }
  RecordingSink inline_sink;
  IngestOptions inline_options;
  inline_options.check_threads = 0;
  auto a = IngestString(csv, inline_sink, inline_options);
  for (int threads : {1, 2}) {
    RecordingSink sink;
    IngestOptions options;
    options.check_threads = threads;
    auto b = IngestString(csv, sink, options);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->valid, b->valid);
    EXPECT_EQ(a->rejected_by_code, b->rejected_by_code);
    ASSERT_EQ(inline_sink.contacts.size(), sink.contacts.size());
    for (size_t i = 0; i < sink.contacts.size(); ++i) {
      EXPECT_EQ(inline_sink.contacts[i].line, sink.contacts[i].line);
      EXPECT_EQ(inline_sink.contacts[i].contact_number, sink.contacts[i].contact_number);
      EXPECT_EQ(inline_sink.contacts[i].variables, sink.contacts[i].variables);
    }
    ASSERT_EQ(inline_sink.rejects.size(), sink.rejects.size());
    for (size_t i = 0; i < sink.rejects.size(); ++i) {
      EXPECT_EQ(inline_sink.rejects[i].line, sink.rejects[i].line);
      EXPECT_EQ(inline_sink.rejects[i].message, sink.rejects[i].message);
    }
  }
  EXPECT_GT(a->valid, 1000);
  EXPECT_GT(a->rejected_by_code.at("duplicate"), 1000);
  EXPECT_EQ(a->total_rows, 7000);
}

}  // namespace
}  // namespace batchcall

namespace batchcall {
namespace {

// Stopping early (sink error, max_rows) while chunks are queued on the
// workers must return the error and join the threads cleanly.
TEST(Ingest, EarlyStopWithWorkersInFlight) {
  std::string csv = "contact_number\n";
  for (int i = 0; i < 20000; ++i) csv.append("+1415555").append(std::to_string(1000 + i % 9000)).append("\n");
  IngestOptions options;
  options.check_threads = 2;
  RecordingSink failing;
  failing.fail_after = 1500;
  auto r = IngestString(csv, failing, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "disk full");
  options.max_rows = 15000;
  RecordingSink limited;
  r = IngestString(csv, limited, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace batchcall
