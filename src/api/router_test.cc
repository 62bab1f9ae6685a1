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

// Issue 13: the same decisions on the head, before any body byte is read.
TEST_F(RouterTest, AdmitDecidesOnTheHead) {
  RouteOptions upload;
  upload.upload = true;
  router_.Add("POST", "/batches", [](RouteContext&) -> Result<HttpResponse> { return JsonResponse(201, "{}"); },
              upload);
  RouteOptions callback;
  callback.max_body_bytes = 64 * 1024;
  callback.check_head = [](const HttpRequest& head) {
    return head.Header("X-Signature") ? Status::Ok() : PermissionDenied("X-Signature is missing.");
  };
  router_.AddPublic("POST", "/cb/{id}", [](RouteContext&) -> Result<HttpResponse> { return JsonResponse(200, "{}"); },
                    callback);

  auto refused = [&](HttpRequest r) { return router_.Admit(r).refuse.value_or(HttpResponse{}).status; };
  EXPECT_EQ(refused(Req("POST", "/batches")), 401);
  EXPECT_EQ(refused(Req("POST", "/batches", "Bearer bad")), 401);
  EXPECT_EQ(refused(Req("POST", "/batches", "Bearer broken")), 503);
  EXPECT_EQ(refused(Req("POST", "/nothing", "Bearer good")), 404);
  EXPECT_EQ(refused(Req("PUT", "/batches", "Bearer good")), 405);
  EXPECT_EQ(refused(Req("POST", "/cb/1")), 403);
  EXPECT_EQ(router_.Admit(Req("POST", "/batches")).refuse->route, "/batches");

  HttpRequest multipart = Req("POST", "/batches", "Bearer good");
  multipart.headers.emplace_back("Content-Type", "multipart/form-data; boundary=x");
  Admission a = router_.Admit(multipart);
  EXPECT_FALSE(a.refuse);
  EXPECT_TRUE(a.upload);
  EXPECT_EQ(a.max_body_bytes, 0u);
  EXPECT_FALSE(router_.Admit(Req("POST", "/batches", "Bearer good")).upload);  // JSON: not an upload

  HttpRequest signed_cb = Req("POST", "/cb/1");
  signed_cb.headers.emplace_back("X-Signature", "abc");
  signed_cb.headers.emplace_back("Content-Type", "multipart/form-data; boundary=x");
  a = router_.Admit(signed_cb);
  EXPECT_FALSE(a.refuse);
  EXPECT_FALSE(a.upload);
  EXPECT_EQ(a.max_body_bytes, 64u * 1024);
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
