// The hub's own key and its certificate request (issue 20 part 5): the key is made here, on
// the hub, written 0600 and never sent anywhere; only the CSR leaves. OpenSSL; thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace kotona::gateway::enrol {

// Makes a new EC P-256 key, writes it to `key_path` (0600, replacing any earlier one) and
// returns a PEM CSR signed with it (subject CN=kotona-hub: the server names the gateway).
// Errors: kIo (OpenSSL or the file).
[[nodiscard]] Result<std::string> make_key_and_csr(const std::filesystem::path& key_path);

}  // namespace kotona::gateway::enrol
