// A fresh signing key pair for tests of the record push's OAuth2 (issue 19): the private key
// and its public key as PEM files, made with OpenSSL. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace kotona::test {

// `type`: "rsa" (3072 bits: RS384) or an EC curve name ("P-384": ES384; "P-256" for a key the
// server must refuse). Throws std::runtime_error when OpenSSL or a file write fails.
void write_key_pair(const std::filesystem::path& private_pem,
                    const std::filesystem::path& public_pem, const std::string& type);

}  // namespace kotona::test
