// The embedded OpenAPI document against the routes the Api really registers:
// every registered (method, pattern) is documented and every documented
// operation is registered, path parameters match the patterns, every $ref
// resolves, operationIds are unique, and the public/authenticated split of
// the document is the router's. Also GET /openapi.json itself.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "telephony/provider_kinds.h"
#include "api/openapi.h"
#include "base/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace batchcall {
namespace {

using json = nlohmann::json;
using RouteList = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kHttpMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::string> ResponseHeader(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

json Document() { return json::parse(OpenApiDocument()); }

// Every operation of the document as (METHOD, path).
RouteList DocumentedOperations(const json& doc) {
  RouteList out;
  for (const auto& [path, item] : doc.at("paths").items())
    for (const char* m : kHttpMethods)
      if (item.contains(m)) {
        std::string upper = m;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        out.emplace_back(upper, path);
      }
  return out;
}

// Differences between registered routes and documented operations, one
// readable line each; empty when they agree.
std::vector<std::string> RouteMismatches(const RouteList& registered, const json& doc) {
  std::vector<std::string> out;
  std::set<std::pair<std::string, std::string>> reg(registered.begin(), registered.end());
  RouteList documented = DocumentedOperations(doc);
  std::set<std::pair<std::string, std::string>> docs(documented.begin(), documented.end());
  for (const auto& [m, p] : reg)
    if (!docs.count({m, p})) out.push_back("registered but not documented: " + m + " " + p);
  for (const auto& [m, p] : docs)
    if (!reg.count({m, p})) out.push_back("documented but not registered: " + m + " " + p);
  return out;
}

const json& Resolve(const json& doc, const json& node) {
  if (node.is_object() && node.contains("$ref")) return doc.at(json::json_pointer(node["$ref"].get<std::string>().substr(1)));
  return node;
}

// "{a}/x/{b}" -> {"a", "b"}.
std::set<std::string> PatternParams(const std::string& pattern) {
  std::set<std::string> out;
  static const std::regex kParam(R"(\{([^}/]+)\})");
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), kParam), end; it != end; ++it) out.insert((*it)[1]);
  return out;
}

// Every "$ref" (and discriminator mapping target) anywhere under `node`.
void CollectRefs(const json& node, const std::string& where, std::vector<std::pair<std::string, std::string>>* out) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) {
      if (k == "$ref" && v.is_string()) out->emplace_back(where, v.get<std::string>());
      if (k == "discriminator" && v.contains("mapping"))
        for (const auto& [name, target] : v["mapping"].items()) out->emplace_back(where + "/mapping/" + name, target);
      CollectRefs(v, where + "/" + k, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) CollectRefs(node[i], where + "/" + std::to_string(i), out);
  }
}

class OpenApiTest : public ::testing::Test {
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
  // A request without any credential.
  HttpResponse Send(std::string method, std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = path;
    r.target = path;
    r.headers = std::move(headers);
    return api_->Handle(r);
  }

  test::TempDir dir_{"bc-openapi-test-"};
  FakeClock clock_{TimePoint(std::chrono::milliseconds(1'780'000'000'000))};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(OpenApiTest, DocumentIsOpenApi3WithTheBinarysVersion) {
  json doc = Document();
  EXPECT_EQ(doc.at("openapi").get<std::string>().substr(0, 2), "3.");
  EXPECT_EQ(doc.at("info").at("version"), BATCHCALL_PROJECT_VERSION);
  EXPECT_FALSE(doc.at("info").at("title").get<std::string>().empty());
  EXPECT_EQ(doc.at("security"), json::parse(R"([{"bearerAuth": []}])"));
  const json& scheme = doc.at("components").at("securitySchemes").at("bearerAuth");
  EXPECT_EQ(scheme.at("type"), "http");
  EXPECT_EQ(scheme.at("scheme"), "bearer");
  for (const char* name : {"Error", "Agent", "Batch", "Execution"})
    EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << name;
  EXPECT_EQ(doc["components"]["schemas"]["Error"]["required"], json::parse(R"(["error", "message"])"));
}

// A route added without documenting it, or documented without registering
// it, fails here with the route named.
TEST_F(OpenApiTest, EveryRegisteredRouteIsDocumentedAndEveryDocumentedOneRegistered) {
  for (const std::string& m : RouteMismatches(api_->Routes(), Document())) ADD_FAILURE() << m;
}

TEST_F(OpenApiTest, MismatchCheckNamesAnUndocumentedAndAnUnregisteredRoute) {
  RouteList routes = api_->Routes();
  routes.emplace_back("POST", "/batches/{batch_id}/clone");
  json doc = Document();
  doc["paths"].erase("/dnc/{number}");
  doc["paths"]["/agents"].erase("get");
  auto mismatches = RouteMismatches(routes, doc);
  std::set<std::string> got(mismatches.begin(), mismatches.end());
  EXPECT_EQ(got, (std::set<std::string>{"registered but not documented: POST /batches/{batch_id}/clone",
                                        "registered but not documented: DELETE /dnc/{number}",
                                        "registered but not documented: GET /agents"}));
  RouteList fewer = api_->Routes();
  fewer.erase(std::remove(fewer.begin(), fewer.end(), std::make_pair(std::string("GET"), std::string("/healthz"))),
              fewer.end());
  EXPECT_EQ(RouteMismatches(fewer, Document()), std::vector<std::string>{"documented but not registered: GET /healthz"});
}

TEST_F(OpenApiTest, PathParametersMatchThePatterns) {
  json doc = Document();
  for (const auto& [path, item] : doc.at("paths").items()) {
    std::set<std::string> want = PatternParams(path);
    for (const char* m : kHttpMethods) {
      if (!item.contains(m)) continue;
      std::set<std::string> declared;
      std::set<std::pair<std::string, std::string>> seen;
      for (const json* list : {&item, &item[m]}) {
        if (!list->contains("parameters")) continue;
        for (const json& raw : (*list)["parameters"]) {
          const json& p = Resolve(doc, raw);
          ASSERT_TRUE(p.contains("name") && p.contains("in")) << path << " " << m << ": " << raw.dump();
          EXPECT_TRUE(p.contains("schema")) << path << " " << m << ": parameter " << p["name"] << " has no schema";
          if (p["in"] == "path") {
            declared.insert(p["name"].get<std::string>());
            EXPECT_EQ(p.value("required", false), true) << path << ": path parameter " << p["name"] << " must be required";
          }
          std::pair<std::string, std::string> key{p["name"].get<std::string>(), p["in"].get<std::string>()};
          if (list == &item) {
            seen.insert(key);
          } else {
            EXPECT_FALSE(seen.count(key)) << path << " " << m << ": " << key.first << " declared twice";
          }
        }
      }
      EXPECT_EQ(declared, want) << m << " " << path;
    }
  }
}

TEST_F(OpenApiTest, EveryRefResolves) {
  json doc = Document();
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(doc, "", &refs);
  EXPECT_GT(refs.size(), 50u);
  for (const auto& [where, ref] : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << where << ": only local refs: " << ref;
    EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << where << ": " << ref << " does not resolve";
  }
}

TEST_F(OpenApiTest, OperationIdsAreUniqueAndEveryOperationHasASuccessResponse) {
  json doc = Document();
  std::set<std::string> ids;
  for (const auto& [method, path] : DocumentedOperations(doc)) {
    const json& op = doc["paths"][path][Lower(method)];
    ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
    EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second)
        << "operationId " << op["operationId"] << " used twice";
    ASSERT_TRUE(op.contains("responses")) << method << " " << path;
    bool success = false;
    for (const auto& [code, _] : op["responses"].items()) success |= code.size() == 3 && code[0] == '2';
    EXPECT_TRUE(success) << method << " " << path << " documents no 2xx response";
  }
}

// The document's `security: []` (or a scheme of their own, like /metrics'
// metricsToken) marks exactly the routes the router lets through without an
// API key; the others document their 401.
TEST_F(OpenApiTest, PublicOperationsAreExactlyTheRoutesThatNeedNoKey) {
  json doc = Document();
  static const std::regex kParam(R"(\{[^}/]+\})");
  for (const auto& [method, pattern] : api_->Routes()) {
    const json& op = doc["paths"][pattern][Lower(method)];
    if (op.is_null()) continue;  // reported by the registered-vs-documented test
    bool documented_public = op.contains("security") && op["security"].dump().find("bearerAuth") == std::string::npos;
    HttpResponse r = Send(method, std::regex_replace(pattern, kParam, "x"));
    bool needs_key = r.status == 401 && ResponseHeader(r, "WWW-Authenticate") == "Bearer";
    EXPECT_EQ(documented_public, !needs_key) << method << " " << pattern << " answered " << r.status;
    if (!documented_public) {
      EXPECT_TRUE(op.contains("responses") && op["responses"].contains("401")) << method << " " << pattern;
    }
  }
}

TEST_F(OpenApiTest, ServedWithoutAKeyAsJsonWithRevalidation) {
  HttpResponse r = Send("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.route, "/openapi.json");
  EXPECT_EQ(ResponseHeader(r, "Content-Type"), "application/json");
  EXPECT_EQ(ResponseHeader(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(ResponseHeader(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.body, OpenApiDocument());
  EXPECT_EQ(json::parse(r.body)["openapi"], Document()["openapi"]);
  auto etag = ResponseHeader(r, "ETag");
  ASSERT_TRUE(etag);
  EXPECT_EQ(*etag, OpenApiEtag());
  EXPECT_TRUE(std::regex_match(*etag, std::regex(R"("[0-9a-f]{32}")"))) << *etag;

  HttpResponse again = Send("GET", "/openapi.json", {{"if-none-match", "\"other\", W/" + *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(ResponseHeader(again, "ETag"), *etag);
  EXPECT_EQ(Send("GET", "/openapi.json", {{"if-none-match", "\"stale\""}}).status, 200);
  EXPECT_EQ(Send("POST", "/openapi.json").status, 405);
}

}  // namespace
}  // namespace batchcall
