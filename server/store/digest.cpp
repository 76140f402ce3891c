#include "server/store/digest.h"

#include <openssl/evp.h>

#include <array>

#include "core/text.h"

namespace kotona::server::store {

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return to_hex(std::span(digest.data(), length));
}

}  // namespace kotona::server::store
