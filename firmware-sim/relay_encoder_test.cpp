#include "firmware-sim/relay_encoder.h"

#include <doctest/doctest.h>

#include <string>

namespace kotona::firmware_sim {
namespace {

using namespace std::chrono;

TEST_CASE("implant_relay sim: relay_crc: CCITT-FALSE check value -> 0x29B1") {
  const std::string text = "123456789";
  CHECK(relay_crc(Bytes(text.begin(), text.end())) == 0x29B1);
}

TEST_CASE("implant_relay sim: encode_relay_frame: SOF VER TYPE SEQ LEN payload CRC, scanned back") {
  const Bytes frame = encode_relay_frame(kRelayAck, 9, {});
  CHECK(frame == Bytes{0x7E, 0x01, 0x80, 0x09, 0x00, 0x00, frame[6], frame[7]});
  const RelayReply r = scan_relay_reply(frame);
  CHECK(r.consumed == 8);
  CHECK(r.type == kRelayAck);
  CHECK(r.seq == 9);
  Bytes bad = frame;
  bad[7] ^= 1;
  CHECK_FALSE(scan_relay_reply(bad).type.has_value());
  CHECK(scan_relay_reply(std::span(frame).first(5)).consumed == 0);
  CHECK(scan_relay_reply(Bytes{0x01, 0x02, 0x7E}).consumed == 2);
}

TEST_CASE("implant_relay sim: make_relay_summary: header fields and 18 items in protocol layout") {
  const RelayInfo info;
  const sys_seconds when = sys_days{2026y / 11 / 22} + 3h;
  const Bytes p = make_relay_summary(info, ImplantSummarySim{7, "rrt", when}, when + 1h);
  REQUIRE(p.size() > 30);
  CHECK(p[0] == 1);
  CHECK(p[1] == 7);  // summary number, little-endian
  CHECK(p[5] == (2026 & 0xFF));
  CHECK(p[6] == (2026 >> 8));
  CHECK(p[9] == 4);   // relay clock hour
  CHECK(p[16] == 3);  // interrogation hour
  std::size_t pos = 19;
  for (int i = 0; i < 5; ++i) pos += 1 + p[pos];
  CHECK(p[pos] == 18);
  CHECK(p[pos + 1] == 0x01);  // first item: battery status enum = 2 (RRT/ERI)
  CHECK(p[pos + 3] == 3);
  CHECK(p[pos + 4] == 2);
}

TEST_CASE("implant_relay sim: relay_ledger_line: uid parts and preset facts") {
  const std::string line = relay_ledger_line(RelayInfo{}, ImplantSummarySim{3, "shock", {}}, 1000);
  CHECK(line.find("\"serial\":\"ICDSIM0001\"") != std::string::npos);
  CHECK(line.find("\"record\":\"RLYSIM0001-3\"") != std::string::npos);
  CHECK(line.find("\"kind\":\"implant\"") != std::string::npos);
  CHECK(line.find("\"shocks_delivered\":1") != std::string::npos);
}

}  // namespace
}  // namespace kotona::firmware_sim
