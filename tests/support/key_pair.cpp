#include "tests/support/key_pair.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <stdexcept>

namespace kotona::test {

void write_key_pair(const std::filesystem::path& private_pem,
                    const std::filesystem::path& public_pem, const std::string& type) {
  EVP_PKEY* key = type == "rsa" ? EVP_RSA_gen(3072) : EVP_EC_gen(type.c_str());
  if (key == nullptr) throw std::runtime_error("cannot generate a " + type + " key");
  bool ok = true;
  for (const bool is_private : {true, false}) {
    std::FILE* out = std::fopen((is_private ? private_pem : public_pem).c_str(), "w");
    if (out == nullptr) {
      ok = false;
      break;
    }
    ok = ok && (is_private ? PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr)
                           : PEM_write_PUBKEY(out, key)) == 1;
    ok = std::fclose(out) == 0 && ok;
  }
  EVP_PKEY_free(key);
  if (!ok) throw std::runtime_error("cannot write the key pair " + private_pem.string());
}

}  // namespace kotona::test
