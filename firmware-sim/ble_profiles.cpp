#include "firmware-sim/ble_profiles.h"

#include <cmath>
#include <cstdio>

namespace kotona::firmware_sim {

namespace {

CharSpec ch(std::uint16_t uuid, std::vector<std::string> flags, bool needs_bond = false) {
  return CharSpec{uuid, std::move(flags), needs_bond};
}

int whole(double v) { return static_cast<int>(v); }

const gatt::Bytes kNoFeatures{0x00, 0x00};

using gatt::Bytes;
using V = const StoredValue&;

// Heart Rate Measurement: flags (RR present, contact supported, contact detected per `contact`;
// bit 0 for a uint16 rate above 255), the rate, one RR interval in 1/1024 s.
Bytes heart_rate_value(V v, bool contact) {
  const auto bpm = static_cast<std::uint16_t>(v.a);
  const auto rr = static_cast<std::uint16_t>(bpm > 0 ? 60.0 * 1024 / bpm : 0);
  const std::uint8_t flags = static_cast<std::uint8_t>(0x14 | (contact ? 0x02 : 0x00));
  Bytes out{static_cast<std::uint8_t>(bpm > 0xFF ? flags | 0x01 : flags),
            static_cast<std::uint8_t>(bpm & 0xFF)};
  if (bpm > 0xFF) out.push_back(static_cast<std::uint8_t>(bpm >> 8));
  out.push_back(static_cast<std::uint8_t>(rr & 0xFF));
  out.push_back(static_cast<std::uint8_t>(rr >> 8));
  return out;
}
constexpr std::uint16_t kRacp = 0x2A52;

// The table: one row per simulated BLE device.
const std::vector<BleProfile> kRows{
    {.device = "ble-bp",
     .title = "Blood Pressure",
     .serial = "BLEBP0001",
     .model = "SIM-BLE-BP1",
     .service = 0x1810,
     .characteristics = {ch(0x2A35, {"indicate"}, true), ch(0x2A36, {"notify"}),
                         ch(0x2A49, {"read"})},
     .measurement = 0x2A35,
     .measure_syntax = "S/D/P",
     .kind = "bp",
     .value_keys = {"systolic_mmhg", "diastolic_mmhg", "pulse_per_min"},
     .record_key = RecordKey::kDeviceTime,
     .encode =
         [](V v) {
           return gatt::bp_measurement({whole(v.a), whole(v.b), whole(v.c), v.time, std::nullopt});
         },
     .reads = {{0x2A49, kNoFeatures}}},
    {.device = "ble-glucose",
     .title = "Glucose with RACP",
     .serial = "BLEGLU0001",
     .model = "SIM-BLE-GLU1",
     .service = 0x1808,
     .characteristics = {ch(0x2A18, {"notify"}, true), ch(0x2A34, {"notify"}, true),
                         ch(0x2A51, {"read"}), ch(kRacp, {"write", "indicate"}, true)},
     .measurement = 0x2A18,
     .racp = true,
     .measure_syntax = "MMOL",
     .kind = "glucose",
     .value_keys = {"mmol_per_l"},
     .record_key = RecordKey::kSequenceAndTime,
     .encode =
         [](V v) {
           return gatt::glucose_measurement({v.sequence, v.time, v.a});
         },
     .reads = {{0x2A51, kNoFeatures}}},
    {.device = "ble-weight",
     .title = "Weight Scale",
     .serial = "BLEWS0001",
     .model = "SIM-BLE-WS1",
     .service = 0x181D,
     .characteristics = {ch(0x2A9E, {"read"}), ch(0x2A9D, {"indicate"}, true)},
     .measurement = 0x2A9D,
     .measure_syntax = "KG",
     .kind = "weight",
     .value_keys = {"kg"},
     .record_key = RecordKey::kDeviceTime,
     .encode = [](V v) { return gatt::weight_measurement(v.a, v.time); },
     .reads = {{0x2A9E, Bytes{0x00, 0x00, 0x00, 0x00}}}},
    // A scale without a clock: no time stamp, no Current Time; the hub names its records.
    {.device = "ble-weight-basic",
     .title = "Weight Scale without a clock",
     .serial = "BLEWB0001",
     .model = "SIM-BLE-WB1",
     .service = 0x181D,
     .characteristics = {ch(0x2A9E, {"read"}), ch(0x2A9D, {"indicate"}, true)},
     .measurement = 0x2A9D,
     .has_clock = false,
     .measure_syntax = "KG",
     .kind = "weight",
     .value_keys = {"kg"},
     .record_key = RecordKey::kHubAssigned,
     .encode = [](V v) { return gatt::weight_measurement(v.a, std::nullopt); },
     .reads = {{0x2A9E, Bytes{0x00, 0x00, 0x00, 0x00}}}},
    {.device = "ble-thermometer",
     .title = "Health Thermometer",
     .serial = "BLETH0001",
     .model = "SIM-BLE-TH1",
     .service = 0x1809,
     .characteristics = {ch(0x2A1C, {"indicate"}, true), ch(0x2A1D, {"read"}),
                         ch(0x2A1E, {"notify"})},
     .measurement = 0x2A1C,
     .measure_syntax = "C",
     .kind = "temperature",
     .value_keys = {"celsius"},
     .record_key = RecordKey::kDeviceTime,
     .encode = [](V v) { return gatt::temperature_measurement(v.a, v.time); },
     .reads = {{0x2A1D, Bytes{0x02}}}},  // temperature type: body (general)
    {.device = "ble-pulse-ox",
     .title = "Pulse Oximeter spot-check",
     .serial = "BLEOX0001",
     .model = "SIM-BLE-OX1",
     .service = 0x1822,
     .characteristics = {ch(0x2A5E, {"indicate"}, true), ch(0x2A5F, {"notify"}),
                         ch(0x2A60, {"read"})},
     .measurement = 0x2A5E,
     .measure_syntax = "SPO2/PR",
     .kind = "spo2",
     .value_keys = {"spo2_percent", "pulse_per_min"},
     .record_key = RecordKey::kDeviceTime,
     .encode = [](V v) { return gatt::plx_spot_check(whole(v.a), whole(v.b), v.time); },
     .reads = {{0x2A60, kNoFeatures}}},
    // Heart Rate Service 1.0 (0x180D): a strap with contact detection and no clock; each value
    // as heart_rate_value() lays it out, `measure off-skin` with "contact not detected". A kind
    // with no typed wire field: it travels as `generic`.
    {.device = "ble-heart-rate",
     .title = "Heart Rate strap",
     .serial = "BLEHR0001",
     .model = "SIM-BLE-HR1",
     .service = 0x180D,
     .characteristics = {ch(0x2A37, {"notify"})},
     .measurement = 0x2A37,
     .has_clock = false,
     .measure_syntax = "BPM",
     .kind = "heart_rate",
     .value_keys = {"beats_per_min"},
     .record_key = RecordKey::kHubAssigned,
     .encode = [](V v) { return heart_rate_value(v, true); },
     .encode_off_skin = [](V v) { return heart_rate_value(v, false); },
     .reads = {}},
    // The out-of-tree example driver's device (examples/acme_thermo/, drivers/_template/): a
    // vendor thermometer on service 0xFFF0, value 0xFFF1 = flags (bit 0: Date Time follows),
    // s16 temperature in 0.01 degC, Date Time.
    {.device = "ble-acme-thermo",
     .title = "Vendor thermometer (out-of-tree example driver)",
     .serial = "ACMETH0001",
     .model = "SIM-ACME-TH1",
     .service = 0xFFF0,
     .characteristics = {ch(0xFFF1, {"notify"})},
     .measurement = 0xFFF1,
     .measure_syntax = "C",
     .kind = "temperature",
     .value_keys = {"celsius"},
     .record_key = RecordKey::kDeviceTime,
     .encode =
         [](V v) {
           const auto centi = static_cast<std::int16_t>(std::lround(v.a * 100));
           Bytes out{0x01};
           gatt::put_u16(out, static_cast<std::uint16_t>(centi));
           gatt::put_date_time(out, v.time);
           return out;
         },
     .reads = {}},
};

std::string hex16(std::uint16_t v) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", v);
  return text;
}

}  // namespace

const std::vector<BleProfile>& ble_profiles() { return kRows; }

const BleProfile* find_ble_profile(std::string_view device) {
  for (const auto& row : ble_profiles()) {
    if (row.device == device) return &row;
  }
  return nullptr;
}

std::optional<std::string> record_key(const BleProfile& profile, const StoredValue& value) {
  const auto t = std::to_string(value.time.time_since_epoch().count());
  switch (profile.record_key) {
    case RecordKey::kSequenceAndTime:
      return "r" + std::to_string(value.sequence) + "-" + t;
    case RecordKey::kDeviceTime:
      return "t" + t;
    case RecordKey::kHubAssigned:
      break;
  }
  return std::nullopt;
}

std::string describe_ble_profiles() {
  static constexpr const char* kKeys[] = {"`r<sequence>-<device unix s>`", "`t<device unix s>`",
                                          "assigned by the hub"};
  std::string out;
  for (const auto& row : ble_profiles()) {
    out += "- `" + std::string(row.device) + "`: " + std::string(row.title) + " " +
           hex16(row.service) + " (";
    for (std::size_t i = 0; i < row.characteristics.size(); ++i) {
      const auto& c = row.characteristics[i];
      out += (i ? ", " : "") + hex16(c.uuid);
      for (const auto& flag : c.flags) out += " " + flag;
    }
    out += "), values on " + hex16(row.measurement) + (row.racp ? " by RACP" : "") +
           (row.has_clock ? "" : ", no clock") + "; `measure " + std::string(row.measure_syntax) +
           "`; ledger `" + std::string(row.kind) + "`, record " +
           kKeys[static_cast<int>(row.record_key)] + ".\n";
  }
  return out;
}

std::string ble_device_names() {
  std::string out;
  for (const auto& row : ble_profiles()) out += (out.empty() ? "" : "|") + std::string(row.device);
  return out;
}

}  // namespace kotona::firmware_sim
