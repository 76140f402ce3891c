#include "drivers/implant_relay/session.h"

#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "drivers/implant_relay/test_summary.h"

namespace kotona::drivers::implant_relay {
namespace {

using namespace std::chrono;
using test::make_frame;
using test::PayloadBuilder;

const HubTime kHubTime{sys_days{2026y / 11 / 22} + 10h + 16min};

Bytes summary_frame(std::uint8_t seq, std::uint32_t number) {
  auto b = PayloadBuilder::header(number, 2);
  b.enumerated(0x0001, 1).decimal(0x0102, 520, 0);
  return make_frame(kTypeSummary, seq, b.bytes);
}

Step feed(Session& s, const Bytes& bytes) {
  auto step = s.on_input(Input{kHubTime, SerialBytes{bytes}});
  REQUIRE(step.has_value());
  return std::move(step).value();
}

std::vector<Bytes> writes(const Step& step) {
  std::vector<Bytes> out;
  for (const auto& c : step.commands) out.push_back(std::get<SerialWrite>(c).bytes);
  return out;
}

TEST_CASE("implant_relay session: start -> nothing to send, no timer") {
  Session s;
  Step step = s.start();
  CHECK(step.commands.empty());
  CHECK_FALSE(step.timer.has_value());
}

TEST_CASE("implant_relay session: summary frame -> reading and its ACK in the same Step") {
  Session s;
  Step step = feed(s, summary_frame(4, 17));
  REQUIRE(step.readings.size() == 1);
  CHECK(writes(step) == std::vector<Bytes>{encode_ack(4)});
  CHECK(step.rejected.empty());
  const Reading& r = step.readings[0];
  CHECK(r.hub_time == kHubTime);
  CHECK(r.clock_offset == seconds(0));  // relay clock == hub time in the builder
  CHECK(r.record_id == "RLY1-17");
  CHECK(std::get<CardiacImplantSummary>(r.measurement).battery_status == BatteryStatus::kOk);
  CHECK_FALSE(step.timer.has_value());
}

TEST_CASE(
    "implant_relay session: frame split byte by byte -> one reading at the last byte, timer "
    "armed") {
  Session s;
  const Bytes frame = summary_frame(1, 1);
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    Step step = feed(s, Bytes{frame[i]});
    CHECK(step.readings.empty());
    CHECK(step.commands.empty());
    CHECK(step.timer == kInterByteTimeout);
  }
  Step last = feed(s, Bytes{frame.back()});
  CHECK(last.readings.size() == 1);
  CHECK(writes(last) == std::vector<Bytes>{encode_ack(1)});
}

TEST_CASE(
    "implant_relay session: bad CRC -> NAK, no reading, the retransmission -> reading + ACK") {
  Session s;
  Bytes bad = summary_frame(2, 5);
  bad[10] ^= 0x40;
  Step nak = feed(s, bad);
  CHECK(nak.readings.empty());
  CHECK(writes(nak) == std::vector<Bytes>{encode_nak(2, NakReason::kCrc)});
  REQUIRE(nak.rejected.size() == 1);
  CHECK(nak.rejected[0].code == Errc::kChecksum);
  Step good = feed(s, summary_frame(2, 5));
  CHECK(good.readings.size() == 1);
}

TEST_CASE(
    "implant_relay session: repeated frame (ACK lost or withheld) -> same reading again + ACK") {
  // The gateway withholds the ACK when the outbox commit fails (invariant 1); the relay then
  // repeats the frame and the reading must come again, or it would be lost.
  Session s;
  Step first = feed(s, summary_frame(9, 30));
  REQUIRE(first.readings.size() == 1);
  Step again = feed(s, summary_frame(9, 30));
  REQUIRE(again.readings.size() == 1);
  CHECK(again.readings[0] == first.readings[0]);  // same identity: stored once downstream
  CHECK(writes(again) == std::vector<Bytes>{encode_ack(9)});
}

TEST_CASE("implant_relay session: garbage around frames -> counted, both readings kept") {
  Session s;
  Bytes bytes{0x00, 0x13, 0x7E, 0x09};  // noise incl. a false SOF with version 9
  Bytes f1 = summary_frame(1, 1), f2 = summary_frame(2, 2);
  bytes.insert(bytes.end(), f1.begin(), f1.end());
  bytes.insert(bytes.end(), {0xFF, 0xFE});
  bytes.insert(bytes.end(), f2.begin(), f2.end());
  Step step = feed(s, bytes);
  CHECK(step.readings.size() == 2);
  CHECK(step.rejected.size() == 4);  // 2 stray, false SOF, 2 stray after f1 counted as one run
  CHECK(writes(step) == std::vector<Bytes>{encode_ack(1), encode_ack(2)});
}

TEST_CASE(
    "implant_relay session: frame cut short then timeout -> resync, next frame still decoded") {
  Session s;
  Bytes cut = summary_frame(1, 1);
  cut.resize(cut.size() / 2);
  (void)feed(s, cut);
  Step timeout = s.on_timer();
  CHECK_FALSE(timeout.rejected.empty());
  CHECK(timeout.rejected[0].code == Errc::kTruncated);
  while (timeout.timer) timeout = s.on_timer();  // drains the rest of the cut frame
  CHECK(feed(s, summary_frame(2, 2)).readings.size() == 1);
}

TEST_CASE("implant_relay session: unplug mid-frame -> kTruncated, fresh start after reconnect") {
  Session s;
  Bytes cut = summary_frame(1, 1);
  cut.resize(10);
  (void)feed(s, cut);
  auto gone = s.on_input(Input{kHubTime, Disconnected{}});
  REQUIRE(gone.has_value());
  REQUIRE(gone->rejected.size() == 1);
  CHECK(gone->rejected[0].code == Errc::kTruncated);
  CHECK(feed(s, summary_frame(1, 1)).readings.size() == 1);
  auto gatt = s.on_input(Input{kHubTime, GattValue{0x2A19, {1}}});
  REQUIRE_FALSE(gatt.has_value());
  CHECK(gatt.error().code == Errc::kUnsupported);
}

TEST_CASE("implant_relay session: good CRC, refused content or unknown type -> ACK + rejection") {
  Session s;
  Step refused = feed(s, make_frame(kTypeSummary, 3, Bytes{2, 0, 0}));
  CHECK(refused.readings.empty());
  CHECK(writes(refused) == std::vector<Bytes>{encode_ack(3)});
  CHECK(refused.rejected.size() == 1);
  CHECK(refused.refused_records.size() == 1);  // the care team hears of it (invariant 13)
  Step unknown = feed(s, make_frame(0x20, 4, {}));
  CHECK(writes(unknown) == std::vector<Bytes>{encode_ack(4)});
  CHECK(unknown.rejected.at(0).code == Errc::kUnsupported);
}

// Invariant 11: the relay path is read-only. Dynamic half: whatever arrives, every command the
// session produces is a complete ACK or NAK frame, nothing else.
TEST_CASE("implant_relay: every byte the session writes is an ACK or NAK frame") {
  std::mt19937 rng(11);
  auto r = [&] { return static_cast<std::uint32_t>(rng()); };
  std::size_t commands = 0;
  for (int round = 0; round < 400; ++round) {
    Session s;
    Bytes input;
    for (int k = 0; k < 6; ++k) {
      Bytes piece = summary_frame(static_cast<std::uint8_t>(r()), r() % 100);
      if (r() % 3 == 0) piece[r() % piece.size()] ^= static_cast<std::uint8_t>(1 + r() % 255);
      if (r() % 4 == 0) piece = make_frame(static_cast<std::uint8_t>(r()), 1, Bytes(r() % 9, 0x7E));
      if (r() % 5 == 0) piece.resize(r() % piece.size());
      input.insert(input.end(), piece.begin(), piece.end());
    }
    std::vector<Step> steps{s.start()};
    for (std::size_t pos = 0; pos < input.size();) {
      const std::size_t n = std::min<std::size_t>(1 + r() % 40, input.size() - pos);
      steps.push_back(feed(s, Bytes(input.begin() + static_cast<std::ptrdiff_t>(pos),
                                    input.begin() + static_cast<std::ptrdiff_t>(pos + n))));
      pos += n;
    }
    for (int t = 0; t < 3; ++t) steps.push_back(s.on_timer());
    for (const Step& step : steps) {
      for (const auto& command : step.commands) {
        ++commands;
        const auto* write = std::get_if<SerialWrite>(&command);
        REQUIRE(write != nullptr);
        const Scan scan = scan_frame(write->bytes);
        REQUIRE(scan.kind == Scan::Kind::kFrame);
        CHECK(scan.consumed == write->bytes.size());
        CHECK((scan.frame.type == kTypeAck || scan.frame.type == kTypeNak));
        CHECK(scan.frame.payload.size() <= 1);
      }
    }
  }
  CHECK(commands > 1000);
}

// Static half: the driver's sources build serial writes in exactly two places, from
// encode_ack() and encode_nak(), and never make a GATT write.
TEST_CASE("implant_relay: sources hold no encoder or write other than ACK and NAK") {
  std::size_t serial_writes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(".")) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".cpp" || name.ends_with("_test.cpp") ||
        name.ends_with("_fuzz.cpp")) {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string src = text.str();
    CHECK_MESSAGE(src.find("GattWrite") == std::string::npos, name);
    // The identifier right after each `marker` (e.g. the function a SerialWrite is built from).
    const auto names_after = [&](const std::string& marker) {
      std::vector<std::string> names;
      for (auto p = src.find(marker); p != std::string::npos; p = src.find(marker, p + 1)) {
        auto q = p + marker.size();
        while (q < src.size() &&
               (std::isalnum(static_cast<unsigned char>(src[q])) || src[q] == '_'))
          ++q;
        names.push_back(src.substr(p + marker.size(), q - p - marker.size()));
      }
      return names;
    };
    for (const std::string& encoder : names_after("SerialWrite{")) {
      ++serial_writes;
      CHECK_MESSAGE((encoder == "encode_ack" || encoder == "encode_nak"), name, ": ", encoder);
    }
    for (const std::string& type : names_after("encode(")) {  // "std": its own definition
      CHECK_MESSAGE((type == "kTypeAck" || type == "kTypeNak" || type == "std"), name, ": ", type);
    }
  }
  CHECK(serial_writes == 2);
}

}  // namespace
}  // namespace kotona::drivers::implant_relay
