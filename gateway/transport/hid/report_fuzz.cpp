// Fuzz target for the HID report framing (report.h): any bytes as one report, as a run of
// 64-byte reports, and through encode -> parse, which must give the bytes back. Never crashes.
// Corpus files in testdata/ are hex text; input that parses as hex is also run decoded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "gateway/transport/hid/report.h"

namespace {

int hex_digit(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex text (whitespace allowed) -> bytes; empty when it is not hex.
std::vector<std::uint8_t> from_hex(std::span<const std::uint8_t> text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (std::uint8_t c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const int d = hex_digit(c);
    if (d < 0) return {};
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + d));
      high = -1;
    }
  }
  return high < 0 ? out : std::vector<std::uint8_t>{};
}

void run(std::span<const std::uint8_t> bytes) {
  using namespace kotona::gateway::transport;
  (void)parse_hid_report(bytes);
  for (std::size_t at = 0; at < bytes.size(); at += kHidReportSize) {
    (void)parse_hid_report(bytes.subspan(at, std::min(kHidReportSize, bytes.size() - at)));
  }
  std::vector<std::uint8_t> joined;
  for (const HidReport& report : encode_hid_reports(bytes)) {
    auto payload = parse_hid_report(report);
    if (!payload) std::abort();  // our own reports must always parse
    joined.insert(joined.end(), payload->begin(), payload->end());
  }
  if (joined.size() != bytes.size() || !std::equal(joined.begin(), joined.end(), bytes.begin())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  run(bytes);
  if (auto decoded = from_hex(bytes); !decoded.empty()) run(decoded);
  return 0;
}
