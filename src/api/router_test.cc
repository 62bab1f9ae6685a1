#include "api/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace batchcall {
namespace {

HttpRequest Req(std::string method, std::string path, std::string auth = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  if (!auth.empty()) r.headers.emplace_back("authorization", std::move(auth));
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : router_([](std::string_view token) -> Result<std::string> {
          if (token == "good") return std::string("acct-1");
          if (token == "broken") return Unavailable("store down");
          return Unauthenticated("unknown");
        }) {
    router_.AddPublic("GET", "/healthz", [](RouteContext&) -> Result<HttpResponse> { return JsonResponse(200, "{}"); });
    router_.Add("GET", "/batches/{batch_id}", [](RouteContext& c) -> Result<HttpResponse> {
      return JsonResponse(200, nlohmann::json{{"id", c.Param("batch_id")}, {"acct", c.account_id}}.dump());
    });
    router_.Add("GET", "/batches/{agent_id}/all", [](RouteContext& c) -> Result<HttpResponse> {
      return JsonResponse(200, nlohmann::json{{"agent", c.Param("agent_id")}}.dump());
    });
    router_.Add("DELETE", "/batches/{batch_id}", [](RouteContext&) -> Result<HttpResponse> {
      return Conflict("calls in flight");
    });
  }
  Router router_;
};

TEST_F(RouterTest, MatchesPlaceholdersAndPassesAccount) {
  auto r = router_.Dispatch(Req("GET", "/batches/abc", "Bearer good"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["id"], "abc");
  EXPECT_EQ(nlohmann::json::parse(r.body)["acct"], "acct-1");
  r = router_.Dispatch(Req("GET", "/batches/agent-9/all", "bearer   good  "));
  EXPECT_EQ(nlohmann::json::parse(r.body)["agent"], "agent-9");
}

TEST_F(RouterTest, AuthFailures) {
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc")).status, 401);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc", "Bearer bad")).status, 401);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc", "Basic good")).status, 401);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc", "Bearer ")).status, 401);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc", "Bearer broken")).status, 503);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/healthz")).status, 200);
}

TEST_F(RouterTest, UnknownPathsAndMethods) {
  auto r = router_.Dispatch(Req("GET", "/nothing", "Bearer good"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], 404);
  r = router_.Dispatch(Req("POST", "/batches/abc", "Bearer good"));
  EXPECT_EQ(r.status, 405);
  bool has_allow = false;
  for (auto& [k, v] : r.headers) has_allow |= (k == "Allow" && v.find("GET") != std::string::npos);
  EXPECT_TRUE(has_allow);
  EXPECT_EQ(router_.Dispatch(Req("GET", "/batches/abc/extra/more", "Bearer good")).status, 404);
}

TEST_F(RouterTest, StatusBecomesJsonError) {
  auto r = router_.Dispatch(Req("DELETE", "/batches/abc", "Bearer good"));
  EXPECT_EQ(r.status, 409);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], 409);
  EXPECT_EQ(j["message"], "calls in flight");
}

TEST(HttpStatusFor, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  auto r = ErrorResponse(Internal("secret detail /var/lib"));
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);  // internals are logged, not sent
}

}  // namespace
}  // namespace batchcall
