// Fuzz target for drivers/astm: the bytes go through parse_frame, the Receiver, and every record
// the receiver assembles goes through parse_delimiters / parse_record, and the joined records
// through the dialect translation (to_reference_layout). Must never crash.
// Corpus files in testdata/ are hex text (STYLE.md §6); input that parses as hex is also run
// decoded, so the readable corpus exercises the real byte paths.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "drivers/astm/dialect.h"
#include "drivers/astm/frame.h"
#include "drivers/astm/receiver.h"
#include "drivers/astm/record.h"
#include "drivers/astm/test_frames.h"

namespace {

void run(std::span<const std::uint8_t> bytes) {
  using namespace kotona::drivers::astm;
  const std::size_t size = bytes.size();
  (void)parse_frame(bytes);
  Receiver receiver;
  Delimiters delimiters;
  std::string message;
  // Two halves, so state carried across feed() calls is exercised too.
  for (auto part : {bytes.first(size / 2), bytes.subspan(size / 2)}) {
    for (const auto& event : receiver.feed(part)) {
      if (event.kind != ReceiverEvent::Kind::kRecord) continue;
      if (auto d = parse_delimiters(event.text)) delimiters = *d;
      (void)parse_record(event.text, delimiters);
      message += event.text;
    }
  }
  (void)receiver.on_timeout();
  (void)to_reference_layout(message);
  (void)to_reference_layout(std::string(bytes.begin(), bytes.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  run(bytes);
  auto decoded = kotona::drivers::astm::test::parse_hex(
      std::string(bytes.begin(), bytes.end()));
  if (decoded) run(*decoded);
  return 0;
}
