#include "metrics/app_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace batchcall::metrics {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(AppMetrics, HttpLabelsAreBounded) {
  Registry r;
  AppMetrics m(r);
  m.ObserveHttp("GET", "/batches/{batch_id}", 200, 20ms);
  m.ObserveHttp("BREW", "", 404, 1ms);
  m.ObserveHttp("POST", "/batches", 503, 1ms);
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("batchcall_http_request_duration_seconds_count{method=\"GET\",route=\"/batches/{batch_id}\",code=\"2xx\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{method=\"other\",route=\"unmatched\",code=\"4xx\"}"));
  EXPECT_THAT(text, HasSubstr("code=\"5xx\""));
}

TEST(AppMetrics, IngestRowsSecondsAndRate) {
  Registry r;
  AppMetrics m(r);
  m.ObserveIngest(90, 10, 500ms);
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("batchcall_ingest_rows_total{result=\"accepted\"} 90\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_ingest_rows_total{result=\"rejected\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_ingest_duration_seconds_total 0.5\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_ingest_last_rows_per_second 200\n"));
}

TEST(AppMetrics, AgentNamesThatCouldBePhoneNumbersAreOther) {
  EXPECT_EQ(AgentLabel("Sales EU"), "Sales EU");
  EXPECT_EQ(AgentLabel("+1 415 555 0100"), "other");
  EXPECT_EQ(AgentLabel("agent 2024"), "agent 2024");
  EXPECT_EQ(AgentLabel(""), "other");
  Registry r;
  AppMetrics m(r);
  m.DialsFor("+14155550100").Inc();
  EXPECT_THAT(r.Render(), HasSubstr("batchcall_dials_total{agent=\"other\"} 1\n"));
}

TEST(AppMetrics, BuildInfoStartTimeAndWebhookResults) {
  Registry r;
  AppMetrics m(r);
  m.webhook_failed.Inc();
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("batchcall_build_info{version=\""));
  EXPECT_THAT(text, HasSubstr("\"} 1\n"));
  EXPECT_GT(m.process_start_time.Value(), 1.6e9);
  EXPECT_THAT(text, HasSubstr("batchcall_webhook_deliveries_total{result=\"delivered\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_webhook_deliveries_total{result=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("batchcall_webhook_deliveries_total{result=\"given_up\"} 0\n"));
  EXPECT_EQ(StatusClass(302), "3xx");
  EXPECT_EQ(StatusClass(42), "other");
}

}  // namespace
}  // namespace batchcall::metrics
