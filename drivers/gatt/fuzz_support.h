// Fuzz-target helper for BLE drivers (STYLE.md §7): runs a HealthSession-based DeviceSession
// over fuzz input. Input that reads as a capture (capture.h: testdata/*.hex) is fed event by
// event; any input is also fed raw as a value of each of `uuids`. Not for production code.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "drivers/api/session.h"
#include "drivers/gatt/capture.h"

namespace kotona::drivers::gatt::fuzz {

inline void run_session(DeviceSession& session, std::span<const std::uint8_t> bytes,
                        std::initializer_list<std::uint16_t> uuids) {
  const HubTime t{};
  (void)session.start();
  (void)session.on_timer();  // identity reads "time out": the profile is running
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (auto capture = parse_capture(text)) {
    for (const CaptureEvent& e : capture->events) {
      std::visit([&](const auto& ev) { (void)session.on_input(Input{t, ev}); }, e.event);
    }
  }
  for (std::uint16_t uuid : uuids) {
    (void)session.on_input(Input{t, GattValue{uuid, Bytes(bytes.begin(), bytes.end())}});
  }
  (void)session.on_timer();
  (void)session.on_input(Input{t, Disconnected{}});
}

}  // namespace kotona::drivers::gatt::fuzz
