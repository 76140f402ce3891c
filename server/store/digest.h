// SHA-256 as lower-case hex: the audit chain's row hashes, enrolment codes at rest, the
// conflict suffix of a re-sent reading's uid, API tokens at rest (server/http/auth.cpp).
#pragma once

#include <string>
#include <string_view>

namespace kotona::server::store {

// 64 hex digits of SHA-256 over `text`.
std::string sha256_hex(std::string_view text);

}  // namespace kotona::server::store
