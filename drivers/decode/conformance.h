// The conformance kit: every drivers/<name>/testdata/X.hex (captured device bytes) has an
// X.json beside it holding what decode_serial() must produce for it (readings and rejections
// with their byte offsets), at a fixed hub time and gateway id. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/reading.h"
#include "drivers/decode/decode.h"

namespace kotona::drivers::decode {

// Fixed inputs of every conformance case, so expectations never depend on the machine's clock.
inline const HubTime kConformanceHubTime{std::chrono::sys_days{std::chrono::November / 22 / 2026} +
                                         std::chrono::hours{10} + std::chrono::minutes{16}};
inline const GatewayId kConformanceGateway{"gw-conformance"};

// The expectation document for `decoded`: {"driver", "hub_time", "readings": [reading_json()
// per line], "rejections": [{"byte", "code", "detail"} per line]}, newline-terminated.
std::string expectation_json(std::string_view driver, const Decoded& decoded);

// `json` without whitespace outside string literals: two documents are equal when their
// canonical forms are, whatever their layout.
std::string canonical_json(std::string_view json);

}  // namespace kotona::drivers::decode
