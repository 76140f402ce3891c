#include "server/web/assets.h"

#include <algorithm>

#include "server/web/embedded.h"

namespace kotona::server::web {

namespace {

std::vector<WebAsset> make_assets() {
  std::vector<WebAsset> out;
  for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
    const auto& f = kEmbeddedFiles[i];
    // The generated arrays are unsigned char (any byte is a valid initialiser); the text is
    // served as it was read.
    out.push_back({f.path, f.content_type,
                   std::string_view(reinterpret_cast<const char*>(f.bytes), f.size), f.etag});
  }
  return out;
}

}  // namespace

std::span<const WebAsset> web_assets() {
  static const std::vector<WebAsset> assets = make_assets();
  return assets;
}

const WebAsset* find_web_asset(std::string_view path) {
  auto all = web_assets();
  auto it = std::find_if(all.begin(), all.end(), [&](const WebAsset& a) { return a.path == path; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace kotona::server::web
