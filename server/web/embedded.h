// The page files as the build embedded them (embed.cmake writes the table). Internal to
// server/web: callers use assets.h. Immutable after static initialisation; thread-safe.
#pragma once

#include <cstddef>

namespace kotona::server::web {

struct EmbeddedFile {
  const char* path;          // relative to server/web/, e.g. "js/main.js"
  const char* content_type;  // by extension
  const unsigned char* bytes;
  std::size_t size;
  const char* etag;  // quoted content hash
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

}  // namespace kotona::server::web
