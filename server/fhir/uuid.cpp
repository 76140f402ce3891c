#include "server/fhir/uuid.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>

namespace kotona::server::fhir {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

std::string namespace_bytes(std::string_view uuid_text) {
  std::string out;
  int high = -1;
  for (char c : uuid_text) {
    if (c == '-') continue;
    if (high < 0) {
      high = hex_value(c);
    } else {
      out += static_cast<char>(high * 16 + hex_value(c));
      high = -1;
    }
  }
  return out;
}

}  // namespace

std::string name_uuid(std::string_view name, std::string_view namespace_uuid) {
  std::string input = namespace_bytes(namespace_uuid);
  input.append(name);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[digest[static_cast<std::size_t>(i)] >> 4];
    out += kHex[digest[static_cast<std::size_t>(i)] & 0x0F];
  }
  return out;
}

}  // namespace kotona::server::fhir
