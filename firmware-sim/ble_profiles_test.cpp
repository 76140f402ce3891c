// The BLE device table: DEVICES.md agrees with it, and every row is complete enough to simulate
// (its `measure` parses, its encoder writes a value, its record key is the driver's).
#include "firmware-sim/ble_profiles.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/kinds.h"
#include "firmware-sim/ble_options.h"

using namespace kotona::firmware_sim;

namespace {

std::string devices_md_block() {
  std::ifstream in(KOTONA_SOURCE_DIR "/firmware-sim/DEVICES.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const std::string begin = "<!-- ble_profiles begin -->\n", end = "<!-- ble_profiles end -->";
  const auto a = s.find(begin), b = s.find(end);
  if (a == std::string::npos || b == std::string::npos || b < a) return "(markers missing)";
  return s.substr(a + begin.size(), b - a - begin.size());
}

}  // namespace

TEST_CASE("ble_profiles: DEVICES.md lists every row as the table says -> identical") {
  const std::string expected = describe_ble_profiles();
  CHECK_MESSAGE(devices_md_block() == expected,
                "DEVICES.md disagrees with ble_profiles.cpp; paste between the markers:\n"
                    << expected);
}

TEST_CASE("ble_profiles: every row -> unique name, measure parses, value encoded, key named") {
  std::set<std::string_view> names;
  for (const auto& row : ble_profiles()) {
    CAPTURE(row.device);
    CHECK(names.insert(row.device).second);
    CHECK_MESSAGE(kotona::find_kind(row.kind) != nullptr, "ledger kind not in core's kind table");
    REQUIRE(static_cast<bool>(row.encode));
    REQUIRE(!row.value_keys.empty());
    REQUIRE(row.value_keys.size() <= 3);
    std::string values;
    for (std::size_t i = 0; i < row.value_keys.size(); ++i)
      values += (i ? "/" : "") + std::string("50");
    auto options =
        parse_ble_options({std::string(row.device), "--bus", "unix:path=/x", "measure", values});
    REQUIRE(options);
    CHECK(options->profile == &row);
    CHECK(options->serial == row.serial);
    auto wrong = parse_ble_options(
        {std::string(row.device), "--bus", "unix:path=/x", "measure", values + "/1"});
    CHECK_FALSE(wrong);
    const StoredValue value{7, std::chrono::sys_seconds{std::chrono::seconds{1'795'342'500}}, 50,
                            50, 50};
    CHECK(row.encode(value).size() > 2);
    const bool measured_on_profile =
        std::any_of(row.characteristics.begin(), row.characteristics.end(),
                    [&](const CharSpec& c) { return c.uuid == row.measurement; });
    CHECK(measured_on_profile);
    CHECK(record_key(row, value).has_value() == (row.record_key != RecordKey::kHubAssigned));
  }
}

TEST_CASE("ble_profiles: record keys -> the hub driver's ids (sequence-time, time, hub's)") {
  const StoredValue value{7, std::chrono::sys_seconds{std::chrono::seconds{1'795'342'500}}};
  CHECK(record_key(*find_ble_profile("ble-glucose"), value) == "r7-1795342500");
  CHECK(record_key(*find_ble_profile("ble-bp"), value) == "t1795342500");
  CHECK_FALSE(record_key(*find_ble_profile("ble-weight-basic"), value));
  CHECK(find_ble_profile("ble-nothing") == nullptr);
  // A scale without a clock sends no time stamp (WSS flags bit 1 clear, 3 bytes).
  StoredValue kg = value;
  kg.a = 43.84;  // 8768 x 0.005 kg
  CHECK(find_ble_profile("ble-weight-basic")->encode(kg) == gatt::Bytes{0x00, 0x40, 0x22});
  CHECK(find_ble_profile("ble-weight")->encode(kg).size() == 10);
}

TEST_CASE(
    "ble_heart_rate sim: ble_profiles: heart rate strap -> Heart Rate Measurement as the spec lays "
    "it out") {
  StoredValue v{};
  v.a = 72;  // uint8 rate, contact detected, RR 853/1024 s
  CHECK(find_ble_profile("ble-heart-rate")->encode(v) == gatt::Bytes{0x16, 72, 0x55, 0x03});
  v.a = 300;  // uint16 rate (flags bit 0), RR 204/1024 s
  CHECK(find_ble_profile("ble-heart-rate")->encode(v) == gatt::Bytes{0x17, 0x2C, 0x01, 0xCC, 0x00});
}

TEST_CASE("ble_heart_rate sim: measure off-skin -> contact supported, not detected, only there") {
  auto options =
      parse_ble_options({"ble-heart-rate", "--bus", "unix:path=/x", "measure", "off-skin"});
  REQUIRE(options);
  REQUIRE(options->script.size() == 1);
  CHECK(options->script[0].off_skin);
  StoredValue v{};
  v.a = 72;  // flags 0x14: RR present, contact supported, contact NOT detected
  CHECK(find_ble_profile("ble-heart-rate")->encode_off_skin(v) ==
        gatt::Bytes{0x14, 72, 0x55, 0x03});
  // A device without a contact sensor refuses the word, naming itself.
  auto cuff = parse_ble_options({"ble-bp", "--bus", "unix:path=/x", "measure", "off-skin"});
  REQUIRE_FALSE(cuff);
  CHECK(cuff.error().detail.find("ble-bp has no skin-contact sensor") != std::string::npos);
}
