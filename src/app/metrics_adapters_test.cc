#include "app/metrics_adapters.h"

#include <gtest/gtest.h>

namespace batchcall {
namespace {

TEST(AppEngineMetricsTest, ForwardsToTheEngineFamilies) {
  metrics::Registry registry;
  metrics::AppMetrics m(registry);
  AppEngineMetrics engine(m);
  engine.SetCallsInFlight(7);
  engine.Dialed("sales", 0);  // the child exists from the first offer
  EXPECT_EQ(m.DialsFor("sales").Value(), 0);
  engine.Dialed("sales", 3);
  engine.Dialed("+14155552671", 2);  // a name like a number is never a label
  engine.Rescheduled(4);
  engine.CallEnded("completed", false);
  engine.CallEnded("busy", true);
  EXPECT_EQ(m.calls_in_flight.Value(), 7);
  EXPECT_EQ(m.DialsFor("sales").Value(), 3);
  EXPECT_EQ(m.dials.With({"other"}).Value(), 2);
  EXPECT_EQ(m.rescheduled.Value(), 4);
  EXPECT_EQ(m.calls.With({"completed"}).Value(), 1);
  EXPECT_EQ(m.calls.With({"busy"}).Value(), 1);
  EXPECT_EQ(m.retries.With({"busy"}).Value(), 1);
  EXPECT_EQ(m.retries.With({"completed"}).Value(), 0);
}

}  // namespace
}  // namespace batchcall
