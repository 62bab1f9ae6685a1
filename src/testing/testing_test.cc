// The shared fakes behave as their headers say (they carry other tests'
// assertions, so they are tested themselves).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/fake_transport.h"
#include "testing/sinks.h"
#include "base/clock.h"
#include "testing/temp_dir.h"

namespace batchcall::test {
namespace {

TEST(TempDir, IsFreshAndRemovedWithItsFiles) {
  std::filesystem::path kept;
  {
    TempDir a("bc-testing-test-");
    TempDir b("bc-testing-test-");
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(std::filesystem::is_directory(a.path()));
    EXPECT_TRUE(std::filesystem::is_empty(a.path()));
    EXPECT_EQ(a.path().filename().string().rfind("bc-testing-test-", 0), 0u);
    std::ofstream(a.File("x.txt")) << "x";
    kept = a.path();
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(TempDir, OpensASqliteStoreInside) {
  TempDir dir;
  auto store = OpenTempSqliteStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.File("db.sqlite")));
  EXPECT_TRUE(store->EnsureDefaultAccount(FromUnixMillis(1'700'000'000'000)).ok());
}

OutboundRequest Get(std::string url) {
  OutboundRequest r;
  r.method = "GET";
  r.url = std::move(url);
  return r;
}

TEST(FakeTransport, AnswersHandlerThenScriptThenTheUnscriptedAnswer) {
  FakeTransport t(OutboundResponse{599, {}, "unscripted"});
  t.Reply(201, "one");
  t.Drop();
  t.Refuse();
  t.Push(InvalidArgument("bad url"));
  auto r1 = t.Send(Get("http://a/1"));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->status, 201);
  EXPECT_EQ(r1->body, "one");
  EXPECT_EQ(t.Send(Get("http://a/2")).status().code(), StatusCode::kUnknownOutcome);
  EXPECT_EQ(t.Send(Get("http://a/3")).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(t.Send(Get("http://a/4")).status().code(), StatusCode::kInvalidArgument);
  auto r5 = t.Send(Get("http://a/5"));
  ASSERT_TRUE(r5.ok());
  EXPECT_EQ(r5->status, 599);
  EXPECT_EQ(r5->body, "unscripted");
  t.Reply(200, "queued");
  t.SetHandler([](const OutboundRequest& r) -> Result<OutboundResponse> {
    return OutboundResponse{204, {}, r.url};
  });
  auto r6 = t.Send(Get("http://a/6"));
  ASSERT_TRUE(r6.ok());
  EXPECT_EQ(r6->status, 204);
  EXPECT_EQ(r6->body, "http://a/6");
  t.SetHandler(nullptr);
  EXPECT_EQ(t.Send(Get("http://a/7"))->body, "queued");  // the script is still there
  ASSERT_EQ(t.requests().size(), 7u);
  EXPECT_EQ(t.requests()[0].url, "http://a/1");
  t.Clear();
  EXPECT_TRUE(t.requests().empty());
  EXPECT_EQ(FakeTransport().Send(Get("http://a"))->status, 200);
}

TEST(Sinks, RecordAndForward) {
  RecordingSink recorded;
  ForwardSink forward;
  CallEvent e;
  e.idempotency_key = "k1";
  forward.OnCallEvent(e);  // no target: dropped
  forward.target = &recorded;
  forward.OnCallEvent(e);
  e.idempotency_key = "k2";
  forward.OnCallEvent(e);
  EXPECT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded.Events().size(), 2u);
  ASSERT_EQ(recorded.ForKey("k2").size(), 1u);
  EXPECT_TRUE(recorded.ForKey("k3").empty());
}

}  // namespace
}  // namespace batchcall::test
