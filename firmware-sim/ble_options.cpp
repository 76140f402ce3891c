#include "firmware-sim/ble_options.h"

#include <charconv>

#include "core/ids.h"

namespace kotona::firmware_sim {

namespace {

Result<double> number(const std::string& text, double min, double max, const std::string& what) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return fail(Errc::kConfig, what + ": '" + text + "' is not a number in " + std::to_string(min) +
                                   ".." + std::to_string(max));
  }
  return v;
}

// "a/b/c" or "a/b" or "a" into up to three numbers.
Result<BleStep> parse_measure(const BleProfile& profile, const std::string& text) {
  BleStep step{BleStep::Kind::kMeasure};
  if (text == "garbled") {  // a firmware fault: the value's last byte missing (issue 13)
    step.garbled = true;
    step.a = step.b = step.c = 1;
    return step;
  }
  if (text == "off-skin") {  // the strap's contact sensor finds no skin: the hub skips the value
    if (profile.encode_off_skin == nullptr) {
      return fail(Errc::kConfig, "measure off-skin: " + std::string(profile.device) +
                                     " has no skin-contact sensor");
    }
    step.off_skin = true;
    return step;
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto slash = text.find('/', start);
    parts.push_back(text.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  const std::size_t want = profile.value_keys.size();
  if (parts.size() != want) {
    return fail(Errc::kConfig, "measure: expected " + std::to_string(want) +
                                   " '/'-separated numbers, got '" + text + "'");
  }
  double* out[] = {&step.a, &step.b, &step.c};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto v = number(parts[i], 0, 1000, "measure");
    if (!v) return fail(v.error());
    *out[i] = *v;
  }
  return step;
}

bool is_address(const std::string& a) {
  if (a.size() != 17) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool colon = i % 3 == 2;
    if (colon ? a[i] != ':' : !std::isxdigit(static_cast<unsigned char>(a[i]))) return false;
  }
  return true;
}

}  // namespace

bool is_ble_device(const std::string& device) { return find_ble_profile(device) != nullptr; }

std::string ble_usage() {
  return "kotona-firmware-sim " + ble_device_names() + " " + kBleUsageOptions;
}

Result<BleOptions> parse_ble_options(const std::vector<std::string>& args) {
  BleOptions o;
  if (args.empty() || !is_ble_device(args[0])) return fail(Errc::kConfig, "unknown BLE device");
  o.device = args[0];
  o.profile = find_ble_profile(o.device);
  o.serial = o.profile->serial;
  o.model = o.profile->model;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    auto value = [&]() -> const std::string& { return args[++i]; };
    auto num = [&](double min, double max) { return number(value(), min, max, a); };
    if (a == "--unbonded") {
      o.bonded = false;
      continue;
    }
    if (a.rfind("--", 0) == 0 && !has_value) return fail(Errc::kConfig, a + " needs a value");
    if (a == "--bus") {
      o.bus = value();
      continue;
    }
    if (a == "--adapter") {
      o.adapter = value();
      continue;
    }
    if (a == "--address") {
      o.address = value();
      continue;
    }
    if (a == "--serial") {
      o.serial = value();
      continue;
    }
    if (a == "--vendor") {
      o.vendor = value();
      continue;
    }
    if (a == "--model") {
      o.model = value();
      continue;
    }
    if (a == "--ledger") {
      o.ledger = value();
      continue;
    }
    if (a == "--clock-offset-s" || a == "--first-sequence" || a == "--idle-disconnect-ms" ||
        a == "--value-interval-ms") {
      auto v = a == "--clock-offset-s" ? num(-4e9, 4e9) : num(0, 65535 * 1000.0);
      if (!v) return fail(v.error());
      if (a == "--clock-offset-s") o.clock_offset = std::chrono::seconds(static_cast<long>(*v));
      if (a == "--first-sequence") {
        if (*v > 65535) return fail(Errc::kConfig, "--first-sequence: 0..65535");
        o.first_sequence = static_cast<std::uint16_t>(*v);
      }
      if (a == "--idle-disconnect-ms") o.idle_disconnect = std::chrono::milliseconds(long(*v));
      if (a == "--value-interval-ms") o.value_interval = std::chrono::milliseconds(long(*v));
      continue;
    }
    if (a.rfind("--", 0) == 0) return fail(Errc::kConfig, "unknown option " + a);
    // Script.
    BleStep step;
    if (a == "measure" || a == "wait" || a == "burst" || a == "drop-after") {
      if (!has_value) return fail(Errc::kConfig, a + " needs a value");
      if (a == "measure") {
        auto m = parse_measure(*o.profile, value());
        if (!m) return fail(m.error());
        step = *m;
      } else {
        auto v = num(0, 3'600'000);
        if (!v) return fail(v.error());
        step.kind = a == "wait"    ? BleStep::Kind::kWait
                    : a == "burst" ? BleStep::Kind::kBurst
                                   : BleStep::Kind::kDropAfter;
        step.duration = std::chrono::milliseconds(static_cast<long>(*v));
        step.count = static_cast<std::size_t>(*v);
      }
    } else if (a == "bond-lost") {
      step.kind = BleStep::Kind::kBondLost;
    } else if (a == "pairing-mode") {
      step.kind = BleStep::Kind::kPairingMode;
    } else if (a == "drop-link") {
      step.kind = BleStep::Kind::kDropLink;
    } else if (a == "reset-counter") {
      step.kind = BleStep::Kind::kResetCounter;
    } else if (a == "hold") {
      step.kind = BleStep::Kind::kHold;
    } else {
      return fail(Errc::kConfig, "unknown script command '" + a + "'");
    }
    o.script.push_back(step);
  }
  if (o.bus.empty()) return fail(Errc::kConfig, "--bus ADDRESS is required for " + o.device);
  if (!is_address(o.address)) return fail(Errc::kConfig, "--address: not AA:BB:CC:DD:EE:FF");
  if (!is_valid_id_text(o.serial)) return fail(Errc::kConfig, "--serial: not [A-Za-z0-9._-]");
  return o;
}

}  // namespace kotona::firmware_sim
