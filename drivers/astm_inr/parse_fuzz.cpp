// Fuzz target for astm_inr: bytes go to parse_message() directly and, as serial input, through
// a Session. Must never crash. testdata/*.hex are hex text; input that parses as hex is also
// run decoded, so the readable corpus exercises the real byte paths.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "drivers/astm_inr/parse.h"
#include "drivers/astm_inr/session.h"
#include "drivers/astm/test_frames.h"

namespace {

void run(std::span<const std::uint8_t> bytes) {
  using namespace kotona::drivers;
  (void)astm_inr::parse_message(bytes);
  astm_inr::Session session;
  (void)session.start();
  const std::size_t half = bytes.size() / 2;
  for (auto part : {bytes.first(half), bytes.subspan(half)}) {
    Input input{kotona::HubTime{}, SerialBytes{Bytes(part.begin(), part.end())}};
    (void)session.on_input(input);
  }
  (void)session.on_timer();
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
