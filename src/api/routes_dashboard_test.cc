// The dashboard routes through the real Api (on a throwaway SQLite store):
// content types, caching, ETag revalidation, security headers, and that the
// API's own routes keep their behaviour next to GET /.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "api/api.h"
#include "telephony/provider_kinds.h"
#include "base/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "web/assets.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

std::optional<std::string> HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::OpenTempSqliteStore(dir_);
    ApiOptions options;
    options.provider_kinds = &BuiltInProviderKinds();
    api_ = std::make_unique<Api>(*store_, clock_, options);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
  }
  HttpResponse Get(std::string path, std::string if_none_match = "", std::string method = "GET") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = path;
    r.target = path;
    if (!if_none_match.empty()) r.headers.emplace_back("if-none-match", if_none_match);
    return api_->Handle(r);
  }

  test::TempDir dir_{"bc-dashboard-test-"};
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1'780'000'000'000))};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Api> api_;
};

void ExpectSecurityHeaders(const HttpResponse& r) {
  auto csp = HeaderOf(r, "Content-Security-Policy");
  ASSERT_TRUE(csp);
  EXPECT_NE(csp->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp->find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
}

TEST_F(DashboardRoutesTest, RootServesIndexWithoutAKey) {
  auto r = Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(r.body, web::FindAsset("index.html")->body);
  EXPECT_EQ(HeaderOf(r, "ETag"), std::string(web::FindAsset("index.html")->etag));
  ExpectSecurityHeaders(r);
}

TEST_F(DashboardRoutesTest, AssetsHaveTypesAndLongerCaching) {
  auto r = Get("/assets/app.js");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(r.body, web::FindAsset("app.js")->body);
  ExpectSecurityHeaders(r);
  EXPECT_EQ(HeaderOf(Get("/assets/app.css"), "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(HeaderOf(Get("/assets/favicon.svg"), "Content-Type"), "image/svg+xml");
}

TEST_F(DashboardRoutesTest, IfNoneMatchGives304) {
  std::string etag(web::FindAsset("app.js")->etag);
  auto r = Get("/assets/app.js", etag);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(HeaderOf(r, "ETag"), etag);
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(Get("/assets/app.js", "\"other\", W/" + etag).status, 304);
  EXPECT_EQ(Get("/assets/app.js", "*").status, 304);
  EXPECT_EQ(Get("/assets/app.js", "\"other\"").status, 200);
  EXPECT_EQ(Get("/", std::string(web::FindAsset("index.html")->etag)).status, 304);
  EXPECT_EQ(Get("/", etag).status, 200);  // another file's tag
}

TEST_F(DashboardRoutesTest, UnknownAssetIsJson404) {
  for (const char* path : {"/assets/nope.js", "/assets/..%2Fapi.h", "/assets/index.htm"}) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json") << path;
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["error"], 404);
    EXPECT_TRUE(j["message"].is_string());
  }
  EXPECT_EQ(Get("/assets/a/b.js").status, 404);
  EXPECT_EQ(Get("/assets").status, 404);
}

TEST_F(DashboardRoutesTest, HeadIsAnsweredAndOtherMethodsAre405) {
  EXPECT_EQ(Get("/", "", "HEAD").status, 200);
  auto r = Get("/", "", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Get("/assets/app.js", "", "DELETE").status, 405);
}

TEST_F(DashboardRoutesTest, ApiRoutesAreUnchanged) {
  auto r = Get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json");
  EXPECT_EQ(Get("/agents").status, 401);          // still needs a key
  EXPECT_EQ(Get("/batches/abc/report").status, 401);
  auto missing = Get("/no/such/route");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(HeaderOf(missing, "Content-Type"), "application/json");
  EXPECT_FALSE(HeaderOf(missing, "Content-Security-Policy"));  // API answers are untouched
}

}  // namespace
}  // namespace batchcall
