// The clinician page's static files (HTML, CSS, ES modules), embedded into the server binary
// at build time from server/web/ (README.md). Immutable; thread-safe.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace kotona::server::web {

struct WebAsset {
  std::string_view path;          // relative to server/web/: "index.html", "js/main.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8", ...
  std::string_view body;
  std::string_view etag;  // quoted hash of the content, for If-None-Match
};

// The file at `path` (relative, no leading slash), or nullptr when there is none.
const WebAsset* find_web_asset(std::string_view path);
// Every embedded file, by path.
std::span<const WebAsset> web_assets();

}  // namespace kotona::server::web
