// Test-only helpers for BLE driver tests and fuzz targets: run a HealthSession through its
// identity reads, feed values, list commands as text. Local to drivers/ because
// tools/check_layering.sh forbids tests/ includes there. Not for production code.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "drivers/api/session.h"
#include "drivers/gatt/date_time.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::gatt::test {

inline Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline Step feed(DeviceSession& s, HubTime t, std::uint16_t uuid, const Bytes& bytes) {
  auto step = s.on_input(Input{t, GattValue{uuid, bytes}});
  REQUIRE(step.has_value());
  return std::move(step).value();
}

inline Step feed_failed(DeviceSession& s, HubTime t, std::uint16_t uuid) {
  auto step = s.on_input(Input{t, GattFailed{uuid, "not present"}});
  REQUIRE(step.has_value());
  return std::move(step).value();
}

// Answers the identity reads: Acme / model / `serial` / 1.0, and Current Time = `clock`
// (nullopt: Current Time absent). Returns the Step of the last answer (the profile's start).
inline Step identify(DeviceSession& s, HubTime t, const std::string& serial,
                     std::optional<DeviceTime> clock) {
  feed(s, t, uuid::kManufacturerName, text_bytes("Acme"));
  feed(s, t, uuid::kModelNumber, text_bytes("M-1"));
  feed(s, t, uuid::kSerialNumber, text_bytes(serial));
  feed(s, t, uuid::kFirmwareRevision, text_bytes("1.0"));
  if (clock) return feed(s, t, uuid::kCurrentTime, encode_current_time(*clock));
  return feed_failed(s, t, uuid::kCurrentTime);
}

// "read 2A29", "subscribe 2A35", "write 2A52 01 03 01 2A 00", "serial 06".
inline std::vector<std::string> commands(const Step& step) {
  auto hex4 = [](unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "%04X", v);
    return std::string(b);
  };
  std::vector<std::string> out;
  for (const Command& c : step.commands) {
    if (const auto* r = std::get_if<GattRead>(&c)) out.push_back("read " + hex4(r->characteristic_uuid16));
    if (const auto* s = std::get_if<GattSubscribe>(&c)) {
      out.push_back("subscribe " + hex4(s->characteristic_uuid16));
    }
    if (const auto* w = std::get_if<GattWrite>(&c)) {
      std::string text = "write " + hex4(w->characteristic_uuid16);
      for (auto b : w->bytes) {
        char h[4];
        std::snprintf(h, sizeof h, " %02X", b);
        text += h;
      }
      out.push_back(text);
    }
  }
  return out;
}

}  // namespace kotona::drivers::gatt::test
