#include "web/assets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace batchcall::web {
namespace {

TEST(Assets, IndexAndScriptsAreEmbeddedWithTheirTypes) {
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->path, "index.html");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<!doctype html>"), std::string_view::npos);
  EXPECT_NE(index->body.find("/assets/app.js"), std::string_view::npos);

  const Asset* app = FindAsset("app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(app->body.empty());

  const Asset* css = FindAsset("app.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");

  const Asset* icon = FindAsset("favicon.svg");
  ASSERT_NE(icon, nullptr);
  EXPECT_EQ(icon->content_type, "image/svg+xml");
}

TEST(Assets, UnknownPathsAreNull) {
  EXPECT_EQ(FindAsset(""), nullptr);
  EXPECT_EQ(FindAsset("nope.js"), nullptr);
  EXPECT_EQ(FindAsset("/app.js"), nullptr);       // paths are relative
  EXPECT_EQ(FindAsset("app.js/"), nullptr);
  EXPECT_EQ(FindAsset("../web/app.js"), nullptr);
  EXPECT_EQ(FindAsset("APP.JS"), nullptr);         // exact match only
  EXPECT_EQ(FindAsset(std::string_view("app.js\0", 7)), nullptr);
}

TEST(Assets, TableIsSortedWithDistinctQuotedEtags) {
  ASSERT_GE(AssetCount(), 4u);
  std::set<std::string_view> etags;
  for (size_t i = 0; i < AssetCount(); ++i) {
    const Asset& a = AssetAt(i);
    if (i > 0) {
      EXPECT_LT(AssetAt(i - 1).path, a.path);
    }
    EXPECT_EQ(FindAsset(a.path), &a);
    ASSERT_EQ(a.etag.size(), 34u) << a.path;  // quotes + 32 hex digits
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
    EXPECT_EQ(a.etag.find_first_not_of("0123456789abcdef", 1), 33u);
    EXPECT_TRUE(etags.insert(a.etag).second) << "two assets with one ETag: " << a.path;
  }
}

TEST(Assets, BytesAreExact) {
  // Byte-exact embedding: no NUL terminator counted, non-ASCII kept (the
  // dashboard uses UTF-8 punctuation such as the ellipsis).
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_NE(index->body.back(), '\0');
  EXPECT_EQ(index->body.back(), '\n');
}

TEST(Assets, EveryEmbeddedFileMatchesWebDirectory) {
  for (size_t i = 0; i < AssetCount(); ++i) {
    const Asset& a = AssetAt(i);
    std::ifstream in(std::string(BATCHCALL_WEB_DIR) + "/" + std::string(a.path), std::ios::binary);
    ASSERT_TRUE(in) << a.path;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str(), a.body) << a.path;
  }
}

}  // namespace
}  // namespace batchcall::web
