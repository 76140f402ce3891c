// ASTM inside USB HID reports, as the Ascensia (Bayer) Contour family carries it over hidraw
// (issue 14). Pure: no IO, no state. Layout of one 64-byte report, both directions:
//
//   byte 0..2   prefix, "ABC" from the host; the meter's prefix is not checked
//   byte 3      n = payload bytes in this report, 0..60
//   byte 4..    n payload bytes: ASTM E1381 link traffic (ENQ, ACK, NAK, EOT or part of a frame)
//   the rest    padding (the host sends zeros)
//
// n == 60 means the unit continues in the next report; a shorter report ends it (a unit of an
// exact multiple of 60 bytes is followed by an empty report). The hub's E1381 receiver finds
// frame boundaries itself, so the reader only needs the payloads in order.
// Sources: glucometerutils `glucometerutils/support/contourusb.py` (ContourHidDevice.read /
// write, blocksize 64; the sync() state machine: the host writes first, the meter answers ENQ);
// Tidepool uploader, "Medtronic 600-series message structure", section "Bayer Contour Next Link
// messages / USB Packet" (3-byte header 'ABC', 1-byte payload size, 60-byte payload); Linux
// Documentation/hid/hidraw.rst (read() returns one report; write()'s first byte is the report
// number, 0 for a device without numbered reports). USB ids 1a79:6002 (Contour USB, per
// glucometerutils) and 1a79:7410 (Contour Next USB, per the contour-next and hid4java readers).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace kotona::gateway::transport {

inline constexpr std::size_t kHidReportSize = 64;
inline constexpr std::size_t kHidHeaderSize = 4;
inline constexpr std::size_t kHidPayloadMax = kHidReportSize - kHidHeaderSize;  // 60
using HidReport = std::array<std::uint8_t, kHidReportSize>;

// The payload of one report read from the device. Errors (offset = the byte at fault):
// kTruncated "short report: N bytes, expected 64" (offset N); kMalformed "report of N bytes,
// expected 64" for a longer one (offset 64); kMalformed "length byte N over 60" (offset 3).
[[nodiscard]] Result<std::span<const std::uint8_t>> parse_hid_report(
    std::span<const std::uint8_t> report);

// The reports that carry `bytes` as one unit: ceil(size / 60) reports, plus an empty one when
// size is a multiple of 60 (0 included), so the unit's end is always a short report.
std::vector<HidReport> encode_hid_reports(std::span<const std::uint8_t> bytes);

}  // namespace kotona::gateway::transport
