// The dashboard's static files (web/), embedded in the binary at build time
// by scripts/embed_assets.py. Nothing is read from disk or fetched at run
// time; editing web/ needs a rebuild.
//
// Thread-safe: the table is immutable static data.
#pragma once

#include <cstddef>
#include <string_view>

namespace batchcall::web {

struct Asset {
  std::string_view path;          // relative to web/, e.g. "app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;          // the file's bytes
  std::string_view etag;          // strong validator, quoted: "\"<32 hex of SHA-256>\""
};

// The asset at `path` (relative to web/, no leading '/'), or nullptr.
const Asset* FindAsset(std::string_view path);

// Number of embedded assets and the i-th (sorted by path), for listings and tests.
size_t AssetCount();
const Asset& AssetAt(size_t index);

}  // namespace batchcall::web
