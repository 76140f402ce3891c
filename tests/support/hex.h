// hex("0a 1b ff") -> bytes, for tests and the decode CLI. Whitespace between byte pairs is
// ignored. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::test {

// Error kMalformed at the offending character for odd digit counts or non-hex characters.
[[nodiscard]] Result<std::vector<std::uint8_t>> parse_hex(std::string_view text);
// REQUIRES: `text` is valid hex (test literals); aborts otherwise.
std::vector<std::uint8_t> hex(std::string_view text);
std::string to_hex(const std::vector<std::uint8_t>& bytes);

}  // namespace kotona::test
