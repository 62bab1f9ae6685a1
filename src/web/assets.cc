#include "web/assets.h"

#include <algorithm>

namespace batchcall::web {
namespace generated {
// Defined in the generated assets_data.cc, sorted by path.
extern const Asset kAssets[];
extern const size_t kAssetCount;
}  // namespace generated

const Asset* FindAsset(std::string_view path) {
  const Asset* begin = generated::kAssets;
  const Asset* end = begin + generated::kAssetCount;
  const Asset* it = std::lower_bound(begin, end, path, [](const Asset& a, std::string_view p) { return a.path < p; });
  if (it == end || it->path != path) return nullptr;
  return it;
}

size_t AssetCount() { return generated::kAssetCount; }

const Asset& AssetAt(size_t index) { return generated::kAssets[index]; }

}  // namespace batchcall::web
