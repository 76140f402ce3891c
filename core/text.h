// Small text encodings more than one component writes or reads: lower-case hex of bytes
// (digests, fingerprints, keys), HTML escaping (the hub's local page, the FHIR narrative's XHTML)
// and an HTTP Retry-After in seconds (the hub's enrolment, the record push).
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kotona {

// Two lower-case hex digits per byte, e.g. {0x0a, 0xff} -> "0aff".
std::string to_hex(std::span<const std::uint8_t> bytes);

// `text` with & < > " ' escaped, safe in HTML/XHTML text and in quoted attribute values.
std::string html_escape(std::string_view text);

// A Retry-After value in delta-seconds ("120"): the wait. nullopt for anything else: empty, not
// only digits, more than `max_digits` digits (9 at most: no overflow), or the HTTP-date form,
// which neither Kotona's server nor the FHIR servers we know send.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view text,
                                                      std::size_t max_digits = 9);

}  // namespace kotona
