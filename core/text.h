// Small text encodings more than one component writes: lower-case hex of bytes (digests,
// fingerprints, keys) and HTML escaping (the hub's local page, the FHIR narrative's XHTML).
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kotona {

// Two lower-case hex digits per byte, e.g. {0x0a, 0xff} -> "0aff".
std::string to_hex(std::span<const std::uint8_t> bytes);

// `text` with & < > " ' escaped, safe in HTML/XHTML text and in quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace kotona
