#include "gateway/transport/hid/report.h"

#include <algorithm>
#include <string>

namespace kotona::gateway::transport {

namespace {
constexpr std::size_t kLengthAt = 3;
constexpr std::array<std::uint8_t, 3> kHostPrefix{'A', 'B', 'C'};
}  // namespace

Result<std::span<const std::uint8_t>> parse_hid_report(std::span<const std::uint8_t> report) {
  if (report.size() < kHidReportSize) {
    return fail(Errc::kTruncated, report.size(),
                "short report: " + std::to_string(report.size()) + " bytes, expected 64");
  }
  if (report.size() > kHidReportSize) {
    return fail(Errc::kMalformed, kHidReportSize,
                "report of " + std::to_string(report.size()) + " bytes, expected 64");
  }
  const std::size_t n = report[kLengthAt];
  if (n > kHidPayloadMax) {
    return fail(Errc::kMalformed, kLengthAt, "length byte " + std::to_string(n) + " over 60");
  }
  return report.subspan(kHidHeaderSize, n);
}

std::vector<HidReport> encode_hid_reports(std::span<const std::uint8_t> bytes) {
  std::vector<HidReport> out;
  std::size_t at = 0;
  while (true) {
    const std::size_t n = std::min(kHidPayloadMax, bytes.size() - at);
    HidReport report{};  // zero padding
    std::copy(kHostPrefix.begin(), kHostPrefix.end(), report.begin());
    report[kLengthAt] = static_cast<std::uint8_t>(n);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n,
                report.begin() + kHidHeaderSize);
    out.push_back(report);
    at += n;
    if (n < kHidPayloadMax) break;  // a short report ends the unit
  }
  return out;
}

}  // namespace kotona::gateway::transport
