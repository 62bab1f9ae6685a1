#include "metrics/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace batchcall::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Registry, RendersCounterWithHelpTypeAndLabels) {
  Registry r;
  auto& f = r.AddCounter("x_calls_total", "Calls by status.", {.label_names = {"status"}});
  f.With({"busy"}).Inc();
  f.With({"busy"}).Inc(2);
  f.With({"completed"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP x_calls_total Calls by status.\n"
            "# TYPE x_calls_total counter\n"
            "x_calls_total{status=\"busy\"} 3\n"
            "x_calls_total{status=\"completed\"} 1\n");
}

TEST(Registry, CounterIgnoresNegativeIncrements) {
  Registry r;
  auto& c = r.AddCounter("c_total", "h").Get();
  c.Inc(-5);
  EXPECT_EQ(c.Value(), 0);
}

TEST(Registry, GaugeWithoutLabels) {
  Registry r;
  auto& g = r.AddGauge("x_in_flight", "In flight.").Get();
  g.Set(5);
  g.Dec();
  g.Inc(0.5);
  EXPECT_EQ(r.Render(), "# HELP x_in_flight In flight.\n# TYPE x_in_flight gauge\nx_in_flight 4.5\n");
}

TEST(Registry, EscapesLabelValuesAndHelp) {
  Registry r;
  auto& f = r.AddCounter("e_total", "a \\ b\nc", {.label_names = {"agent"}});
  f.With({"say \"hi\"\\n\nnext"}).Inc();
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# HELP e_total a \\\\ b\\nc\n"));
  EXPECT_THAT(text, HasSubstr("e_total{agent=\"say \\\"hi\\\"\\\\n\\nnext\"} 1\n"));
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("d_seconds", "Durations.", {.label_names = {"op"}, .buckets = {0.1, 1}});
  auto& c = h.With({"dial"});
  c.Observe(0.05);
  c.Observe(0.1);  // le is inclusive
  c.Observe(0.5);
  c.Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP d_seconds Durations.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{op=\"dial\",le=\"0.1\"} 2\n"
            "d_seconds_bucket{op=\"dial\",le=\"1\"} 3\n"
            "d_seconds_bucket{op=\"dial\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{op=\"dial\"} 7.65\n"
            "d_seconds_count{op=\"dial\"} 4\n");
}

TEST(Registry, HistogramWithoutLabels) {
  Registry r;
  r.AddHistogram("h_seconds", "h", {.buckets = {1}}).Get().Observe(2);
  EXPECT_THAT(r.Render(), HasSubstr("h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 1\n"));
}

TEST(Registry, CapsLabelSetsFoldingTheRestIntoOther) {
  Registry r;
  auto& f = r.AddCounter("cap_total", "h", {.label_names = {"agent", "kind"}, .max_children = 2});
  f.With({"a", "x"}).Inc();
  f.With({"b", "x"}).Inc();
  f.With({"c", "x"}).Inc();
  f.With({"d", "y"}).Inc(2);
  f.With({"a", "x"}).Inc();  // existing sets still count on their own
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("cap_total{agent=\"a\",kind=\"x\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("cap_total{agent=\"other\",kind=\"other\"} 3\n"));
  EXPECT_EQ(text.find("agent=\"c\""), std::string::npos);
  EXPECT_EQ(text.find("agent=\"d\""), std::string::npos);
}

TEST(Registry, TruncatesLongLabelValuesAtUtf8Boundary) {
  Registry r;
  auto& f = r.AddCounter("t_total", "h", {.label_names = {"agent"}});
  std::string v(kMaxLabelValueBytes - 1, 'a');
  v += "\xC3\xA9tail";  // é straddles the limit
  f.With({v}).Inc();
  EXPECT_THAT(r.Render(), HasSubstr("{agent=\"" + std::string(kMaxLabelValueBytes - 1, 'a') + "\"} 1"));
}

TEST(Registry, RegistrationIsIdempotentAndChecked) {
  Registry r;
  auto& a = r.AddCounter("same_total", "h", {.label_names = {"x"}});
  auto& b = r.AddCounter("same_total", "other help", {.label_names = {"x"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.AddGauge("same_total", "h", {.label_names = {"x"}}), std::logic_error);
  EXPECT_THROW(r.AddCounter("same_total", "h", {.label_names = {"y"}}), std::logic_error);
  EXPECT_THROW(r.AddCounter("bad-name", "h"), std::logic_error);
  EXPECT_THROW(r.AddCounter("ok_total", "h", {.label_names = {"__x"}}), std::logic_error);
  EXPECT_THROW(r.AddHistogram("h_seconds", "h", {.label_names = {"le"}}), std::logic_error);
  EXPECT_THROW(r.AddHistogram("h2_seconds", "h", {.buckets = {2, 1}}), std::logic_error);
  EXPECT_THROW(a.With({"1", "2"}), std::logic_error);
}

TEST(Registry, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(1e300 * 1e300), "+Inf");
  EXPECT_EQ(FormatValue(-1e300 * 1e300), "-Inf");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(3), "3");
}

TEST(Registry, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& f = r.AddCounter("conc_total", "h", {.label_names = {"k"}});
  auto& h = r.AddHistogram("conc_seconds", "h", {.buckets = {1}}).Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        f.With({t % 2 ? "a" : "b"}).Inc();
        h.Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.With({"a"}).Value() + f.With({"b"}).Value(), 40000);
  EXPECT_EQ(h.Count(), 40000u);
  EXPECT_EQ(h.Sum(), 20000);
}

}  // namespace
}  // namespace batchcall::metrics
