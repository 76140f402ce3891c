// Fuzz target for implant_relay: bytes go to scan_frame() and parse_summary() directly and, as
// serial input, through a Session (in two chunks, then the timer). Must never crash, and the
// session must never write anything but ACK or NAK frames (invariant 11). testdata/*.hex are
// hex text; input that parses as hex is also run decoded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "drivers/implant_relay/frame.h"
#include "drivers/implant_relay/parse.h"
#include "drivers/implant_relay/session.h"

namespace {

using namespace kotona::drivers;

std::optional<Bytes> from_hex(const std::string& text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

void check_writes(const Step& step) {
  for (const auto& command : step.commands) {
    const auto* write = std::get_if<SerialWrite>(&command);
    if (write == nullptr) std::abort();
    const auto scan = implant_relay::scan_frame(write->bytes);
    if (scan.kind != implant_relay::Scan::Kind::kFrame || scan.consumed != write->bytes.size() ||
        (scan.frame.type != implant_relay::kTypeAck &&
         scan.frame.type != implant_relay::kTypeNak)) {
      std::abort();
    }
  }
}

void run(std::span<const std::uint8_t> bytes) {
  (void)implant_relay::scan_frame(bytes);
  (void)implant_relay::parse_summary(bytes);
  implant_relay::Session session;
  check_writes(session.start());
  const std::size_t half = bytes.size() / 2;
  for (auto part : {bytes.first(half), bytes.subspan(half)}) {
    auto step =
        session.on_input(Input{kotona::HubTime{}, SerialBytes{Bytes(part.begin(), part.end())}});
    if (step) check_writes(*step);
  }
  for (int i = 0; i < 4; ++i) check_writes(session.on_timer());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  run(bytes);
  if (auto decoded = from_hex(std::string(bytes.begin(), bytes.end()))) run(*decoded);
  return 0;
}
