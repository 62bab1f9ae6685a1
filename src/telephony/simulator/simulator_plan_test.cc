// Pure parts of the simulator: config parsing, welcome rendering, plans,
// record lines.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "telephony/simulator/simulator.h"
#include "telephony/simulator/simulator_plan.h"
#include "telephony/simulator/simulator_record.h"
#include "telephony/simulator/simulator_test_util.h"

namespace batchcall {
namespace {

using simulator_test::Key;


using nlohmann::json;

TEST(SimulatorConfigTest, ParsesTheDocumentedExample) {
  auto c = SimulatorConfig::FromJson(json::parse(
      R"({"type":"simulator","speed":2.5,"seed":42,"answer_rate":0.5,"busy_rate":0.2,"no_answer_rate":0.1,
          "voicemail_rate":0.1,"failure_rate":0.1,"ring_seconds":[1,4],"talk_seconds":[10,30]})"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->speed, 2.5);
  EXPECT_EQ(c->seed, 42u);
  EXPECT_DOUBLE_EQ(c->answer_rate, 0.5);
  EXPECT_DOUBLE_EQ(c->busy_rate, 0.2);
  EXPECT_DOUBLE_EQ(c->failure_rate, 0.1);
  EXPECT_EQ(c->ring_min_seconds, 1);
  EXPECT_EQ(c->ring_max_seconds, 4);
  EXPECT_EQ(c->talk_min_seconds, 10);
  EXPECT_EQ(c->talk_max_seconds, 30);
}

TEST(SimulatorConfigTest, DefaultsForOmittedSettings) {
  auto c = SimulatorConfig::FromJson(json{{"type", "simulator"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->speed, 1);
  EXPECT_DOUBLE_EQ(c->answer_rate, 0.6);
  EXPECT_EQ(c->ring_max_seconds, 15);
  EXPECT_EQ(c->talk_min_seconds, 20);
}

TEST(SimulatorConfigTest, NegativeSeedIsAccepted) {
  auto c = SimulatorConfig::FromJson(json{{"seed", -1}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->seed, ~uint64_t{0});
}

TEST(SimulatorConfigTest, RejectsBadSettings) {
  const char* bad[] = {
      R"([])",
      R"({"type":"twilio"})",
      R"({"speed":0})",
      R"({"speed":-1})",
      R"({"speed":"fast"})",
      R"({"seed":1.5})",
      R"({"answer_rate":1.5})",
      R"({"busy_rate":-0.1})",
      R"({"answer_rate":0.9})",  // sums to 1.3
      R"({"ring_seconds":[5,1]})",
      R"({"ring_seconds":[1]})",
      R"({"talk_seconds":"10-20"})",
      R"({"talk_seconds":[-1,5]})",
  };
  for (const char* text : bad) {
    auto c = SimulatorConfig::FromJson(json::parse(text));
    EXPECT_FALSE(c.ok()) << text;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(SimulatorConfigTest, RatesAreNormalised) {
  auto c = SimulatorConfig::FromJson(json::parse(
      R"({"answer_rate":0.6005,"busy_rate":0.1,"no_answer_rate":0.15,"voicemail_rate":0.1,"failure_rate":0.05})"));
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->answer_rate + c->busy_rate + c->no_answer_rate + c->voicemail_rate + c->failure_rate, 1, 1e-12);
}

using Vars = std::vector<std::pair<std::string, std::string>>;

TEST(RenderWelcomeTest, FillsVariables) {
  Vars v{{"first_name", "Asha"}, {"city", "Pune"}};
  EXPECT_EQ(RenderWelcomeMessage("Hi {first_name}, calling about {city}!", v), "Hi Asha, calling about Pune!");
  EXPECT_EQ(RenderWelcomeMessage("{first_name}{city}", v), "AshaPune");
  EXPECT_EQ(RenderWelcomeMessage("Hi { first_name }", v), "Hi Asha");
}

TEST(RenderWelcomeTest, UnknownVariablesBecomeEmpty) {
  Vars v{{"first_name", "Asha"}};
  EXPECT_EQ(RenderWelcomeMessage("Hi {first_name} {last_name}!", v), "Hi Asha !");
  EXPECT_EQ(RenderWelcomeMessage("Hi {First_Name}", v), "Hi ");  // names are case sensitive
}

TEST(RenderWelcomeTest, NoVariables) {
  EXPECT_EQ(RenderWelcomeMessage("Hello there.", {}), "Hello there.");
  EXPECT_EQ(RenderWelcomeMessage("", {{"a", "b"}}), "");
  EXPECT_EQ(RenderWelcomeMessage("Hi {name}", {}), "Hi ");
}

TEST(RenderWelcomeTest, FirstOfDuplicateNamesWins) {
  EXPECT_EQ(RenderWelcomeMessage("{a}", {{"a", "1"}, {"a", "2"}}), "1");
}

TEST(RenderWelcomeTest, DoubledBracesAreLiteral) {
  Vars v{{"name", "Asha"}};
  EXPECT_EQ(RenderWelcomeMessage("{{name}}", v), "{name}");
  EXPECT_EQ(RenderWelcomeMessage("{{{name}}}", v), "{Asha}");
  EXPECT_EQ(RenderWelcomeMessage("a }} b {{ c", v), "a } b { c");
}

TEST(RenderWelcomeTest, MalformedBracesAreCopied) {
  Vars v{{"name", "Asha"}, {"b", "B"}};
  EXPECT_EQ(RenderWelcomeMessage("{}", v), "{}");
  EXPECT_EQ(RenderWelcomeMessage("{ }", v), "{ }");
  EXPECT_EQ(RenderWelcomeMessage("open { only", v), "open { only");
  EXPECT_EQ(RenderWelcomeMessage("close } only", v), "close } only");
  EXPECT_EQ(RenderWelcomeMessage("{name", v), "{name");
  EXPECT_EQ(RenderWelcomeMessage("{a{b}", v), "{aB");
  EXPECT_EQ(RenderWelcomeMessage(R"({"x": 1})", v), R"({"x": 1})");
  EXPECT_EQ(RenderWelcomeMessage("trailing {", v), "trailing {");
}

TEST(RenderWelcomeTest, ValuesAreNotRenderedAgain) {
  EXPECT_EQ(RenderWelcomeMessage("{a}", {{"a", "{b}"}, {"b", "x"}}), "{b}");
}

TEST(SimulatorPlanTest, SameSeedAndKeyGiveTheSamePlan) {
  SimulatorConfig c;
  c.seed = 7;
  for (int i = 0; i < 100; ++i) {
    std::string key = Key("key-", i);
    sim::Plan a = sim::MakePlan(c, key);
    sim::Plan b = sim::MakePlan(c, key);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.ring_s, b.ring_s);
    EXPECT_EQ(a.talk_s, b.talk_s);
    EXPECT_EQ(a.transcript_bits, b.transcript_bits);
  }
}

// Pins the generator: a change here changes every simulated call ever placed.
TEST(SimulatorPlanTest, HashAndDrawsAreStable) {
  // Values checked against an independent implementation of FNV-1a + SplitMix64.
  EXPECT_EQ(sim::HashKey(""), 0xc3817c016ba4ff30ULL);
  EXPECT_EQ(sim::HashKey("abc"), 0x29e32c04ec3f9c30ULL);
  sim::Rng rng(0, sim::HashKey("abc"));
  EXPECT_EQ(rng.Next(), 0x94f2dc1e7f8ad5caULL);
  EXPECT_EQ(SimulatorProvider::CallIdFor("abc"), "sim-29e32c04ec3f9c30");
  for (int i = 0; i < 1000; ++i) {
    double u = rng.Uniform01();
    EXPECT_GE(u, 0);
    EXPECT_LT(u, 1);
  }
}

TEST(SimulatorPlanTest, DurationsStayInTheirRanges) {
  SimulatorConfig c;
  c.ring_min_seconds = 2;
  c.ring_max_seconds = 4;
  c.talk_min_seconds = 30;
  c.talk_max_seconds = 31;
  for (int i = 0; i < 2000; ++i) {
    sim::Plan p = sim::MakePlan(c, Key("k", i));
    switch (p.outcome) {
      case sim::Outcome::kAnswered:
        EXPECT_GE(p.ring_s, 2);
        EXPECT_LE(p.ring_s, 4);
        EXPECT_GE(p.talk_s, 30);
        EXPECT_LE(p.talk_s, 31);
        break;
      case sim::Outcome::kVoicemail:
        EXPECT_GE(p.talk_s, sim::kVoicemailTalkMinSeconds);
        EXPECT_LE(p.talk_s, sim::kVoicemailTalkMaxSeconds);
        break;
      case sim::Outcome::kBusy:
        EXPECT_GE(p.ring_s, 1);
        EXPECT_LE(p.ring_s, 2);
        break;
      case sim::Outcome::kNoAnswer:
        EXPECT_EQ(p.ring_s, 20);  // max(ring max, 20 s)
        break;
      case sim::Outcome::kFailed:
        EXPECT_EQ(p.ring_s, 0);
        break;
    }
    EXPECT_EQ(p.ring_s, std::round(p.ring_s * 10) / 10);  // 0.1 s resolution
  }
}

TEST(SimulatorPlanTest, CostIsPerStartedMinute) {
  sim::Plan p = sim::RestorePlan(0, 1, "k", sim::Outcome::kAnswered, 3, 60);
  CallEvent e;
  sim::FillOutcome(p, "hi", &e);
  EXPECT_DOUBLE_EQ(e.cost, 0.013);
  p = sim::RestorePlan(0, 1, "k", sim::Outcome::kAnswered, 3, 60.1);
  CallEvent e2;
  sim::FillOutcome(p, "hi", &e2);
  EXPECT_DOUBLE_EQ(e2.cost, 0.026);
  p = sim::RestorePlan(0, 1, "k", sim::Outcome::kBusy, 1.5, 0);
  CallEvent e3;
  sim::FillOutcome(p, "hi", &e3);
  EXPECT_EQ(e3.cost, 0);
}

TEST(SimulatorPlanTest, ScaledMsRounds) {
  EXPECT_EQ(sim::ScaledMs(15'000, 1), 15'000);
  EXPECT_EQ(sim::ScaledMs(15'000, 1000), 15);
  EXPECT_EQ(sim::ScaledMs(500, 1000), 1);  // 0.5 rounds away from zero
  EXPECT_EQ(sim::ScaledMs(90'000, 1e6), 0);
  EXPECT_EQ(sim::ScaledMs(1000, 0.5), 2000);
}

TEST(SimulatorRecordTest, JsonStringsRoundTripAndBadUtf8IsReplaced) {
  std::string out;
  sim::AppendJsonString(&out, "a\"b\\c\n\x01 héllo \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(json::parse(out).get<std::string>(), "a\"b\\c\n\x01 héllo \xe2\x82\xac \xf0\x9f\x98\x80");
  out.clear();
  sim::AppendJsonString(&out, "x\xff\xc3y\xed\xa0\x80");
  EXPECT_EQ(json::parse(out).get<std::string>(),
            "x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(SimulatorRecordTest, PlacedAndEndedLinesRoundTrip) {
  sim::Plan plan = sim::RestorePlan(99, 250, "key-1", sim::Outcome::kVoicemail, 7.3, 11.2);
  sim::PlacedLine pl{"agent-a", "key-1", "att-1", "sim-0123", "+15550001", "+15550002", "Hi \"Asha\"\n",
                     1'700'000'000'123, &plan};
  std::string text = sim::FormatPlacedLine(pl);
  ASSERT_EQ(text.back(), '\n');
  auto l = sim::ParseRecordLine(std::string_view(text).substr(0, text.size() - 1));
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->event, "placed");
  EXPECT_EQ(l->provider, "agent-a");
  EXPECT_EQ(l->key, "key-1");
  EXPECT_EQ(l->attempt_id, "att-1");
  EXPECT_EQ(l->call_id, "sim-0123");
  EXPECT_EQ(l->to, "+15550001");
  EXPECT_EQ(l->from, "+15550002");
  EXPECT_EQ(l->at_ms, 1'700'000'000'123);
  EXPECT_EQ(l->seed, 99u);
  EXPECT_EQ(l->speed, 250);
  EXPECT_EQ(l->outcome, "voicemail");
  EXPECT_EQ(l->ring_s, 7.3);
  EXPECT_EQ(l->talk_s, 11.2);
  EXPECT_EQ(l->welcome, "Hi \"Asha\"\n");

  std::string ended = sim::FormatEndedLine("agent-a", "key-1", ExecutionStatus::kNoAnswer, 42);
  EXPECT_EQ(ended, R"({"event":"ended","provider":"agent-a","key":"key-1","status":"no-answer","at_ms":42})"
                   "\n");
  auto e = sim::ParseRecordLine(ended);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->status, "no-answer");
  EXPECT_EQ(e->at_ms, 42);

  EXPECT_FALSE(sim::ParseRecordLine(R"({"event":"placed","key":"k","at_m)").has_value());
  EXPECT_FALSE(sim::ParseRecordLine(R"({"event":"other","key":"k","at_ms":1})").has_value());
  EXPECT_FALSE(sim::ParseRecordLine("").has_value());
}

}  // namespace
}  // namespace batchcall
