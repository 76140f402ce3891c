// Test-only helpers for the ble_glucose session tests: a test-side record encoder, a simulated
// Glucose Service server answering RACP (FakeMeter), and a sync loop that commits each Step
// like the gateway and can cut the link after any number of values. Not for production code.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drivers/ble_glucose/session.h"
#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_glucose::test {

using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;
using Strings = std::vector<std::string>;

inline const HubTime kHub{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} +
                          std::chrono::hours{10} + std::chrono::minutes{16}};
inline const DeviceTime kDeviceNow = std::chrono::floor<std::chrono::seconds>(kHub);
inline const std::string kSerial = "GLU0001";

// Test-side encoder from the GSS layout: time offset 0, 97 mg/dL, capillary blood / finger,
// base time 2026-11-22 00:00 + `base_minutes`; `context` sets flag bit 4.
inline Bytes record(std::uint16_t seq, bool context = false, std::uint16_t base_minutes = 0) {
  const auto h = static_cast<std::uint8_t>(base_minutes / 60 % 24);
  const auto m = static_cast<std::uint8_t>(base_minutes % 60);
  return Bytes{static_cast<std::uint8_t>(context ? 0x13 : 0x03),
               static_cast<std::uint8_t>(seq & 0xFF),
               static_cast<std::uint8_t>(seq >> 8),
               0xEA,
               0x07,
               11,
               22,
               h,
               m,
               0,
               0x00,
               0x00,
               0x61,
               0xB0,
               0x11};
}
inline Bytes meal_context(std::uint16_t seq, std::uint8_t meal) {
  return Bytes{0x02, static_cast<std::uint8_t>(seq & 0xFF), static_cast<std::uint8_t>(seq >> 8),
               meal};
}
inline Bytes response(std::uint8_t op, std::uint8_t code) { return Bytes{0x06, 0x00, op, code}; }
inline Bytes count(std::uint16_t n) {
  return Bytes{0x05, 0x00, static_cast<std::uint8_t>(n & 0xFF), static_cast<std::uint8_t>(n >> 8)};
}

inline Session make(std::optional<RecordCursor> cursor = std::nullopt) {
  SessionContext c{"AA:BB:CC:DD:EE:02"};
  c.cursor = std::move(cursor);
  return Session(c);
}
inline RecordCursor at(std::uint16_t seq) { return RecordCursor{DeviceSerial{kSerial}, seq}; }
// The sequence a Step's cursor moved to (nullopt: not moved); its fingerprint aside.
inline std::optional<std::uint16_t> seq(const std::optional<RecordCursor>& c) {
  return c ? std::optional<std::uint16_t>(c->sequence) : std::nullopt;
}

inline Step racp(Session& s, const Bytes& b) {
  return feed(s, kHub, gu::kRecordAccessControlPoint, b);
}
inline Step glucose(Session& s, const Bytes& b) {
  return feed(s, kHub, gu::kGlucoseMeasurement, b);
}

// A simulated Glucose Service server: stored records in storage order, answering RACP writes
// (GLS §3.4) with the values it would notify / indicate.
struct FakeMeter {
  std::vector<std::uint16_t> stored;
  std::set<std::uint16_t> with_context;
  std::uint16_t base_minutes = 0;  // added to each record's base time: a meter reset changes it
  bool range_refused = false;      // answers 01 04 (within range) with "operator not supported"
  std::deque<GattValue> answer(const Bytes& w) const {
    std::deque<GattValue> out;
    const bool range = w.size() == 7 && w[1] == 0x04;
    const std::uint16_t from = w.size() >= 5 ? static_cast<std::uint16_t>(w[3] | w[4] << 8) : 0;
    const std::uint16_t to = range ? static_cast<std::uint16_t>(w[5] | w[6] << 8) : 0xFFFF;
    auto select = [&](bool all, std::uint16_t lo) {
      std::vector<std::uint16_t> s;
      for (auto q : stored)
        if (all || (q >= lo && q <= to)) s.push_back(q);
      return s;
    };
    const bool all = w.size() == 2 && w[1] == 0x01;
    if (range && range_refused) {
      out.push_back({gu::kRecordAccessControlPoint, response(0x01, 0x04)});
      return out;
    }
    if (w[0] == 0x04) {
      out.push_back({gu::kRecordAccessControlPoint,
                     count(static_cast<std::uint16_t>(select(all, from).size()))});
    } else if (w[0] == 0x01) {
      std::vector<std::uint16_t> s = select(all, from);
      if (w[1] == 0x06 && !stored.empty()) s = {stored.back()};
      for (auto q : s) {
        const bool ctx = with_context.count(q) != 0;
        out.push_back({gu::kGlucoseMeasurement,
                       record(q, ctx, static_cast<std::uint16_t>(q + base_minutes))});
        if (ctx) out.push_back({gu::kGlucoseMeasurementContext, meal_context(q, 2)});
      }
      out.push_back({gu::kRecordAccessControlPoint, response(0x01, s.empty() ? 0x06 : 0x01)});
    } else if (w[0] == 0x03) {
      out.push_back({gu::kRecordAccessControlPoint, response(0x03, 0x01)});
    }
    return out;
  }
};

// The gateway's side: a Step's readings and cursor commit together (one transaction), then its
// commands run. Stops (link lost) after `budget` device values. Returns true when it finished.
struct Outbox {
  std::map<std::string, int> uids;  // uid -> times committed
  std::optional<RecordCursor> cursor;
  void commit(Step& step) {
    for (Reading& r : step.readings) {
      finalize_reading(GatewayId{"gw"}, r);
      ++uids[r.uid.value];
    }
    if (step.cursor) cursor = step.cursor;
  }
};

inline bool sync(const FakeMeter& meter, Outbox& box, std::size_t budget) {
  Session s = make(box.cursor);
  Step step = s.start();
  step = identify(s, kHub, kSerial, kDeviceNow);
  std::deque<GattValue> queue;
  for (;;) {
    box.commit(step);
    for (const Command& c : step.commands) {
      if (const auto* w = std::get_if<GattWrite>(&c)) {
        if (w->characteristic_uuid16 == gu::kRecordAccessControlPoint) {
          for (auto& v : meter.answer(w->bytes)) queue.push_back(v);
        }
      }
    }
    if (queue.empty()) return true;
    if (budget-- == 0) {
      auto lost = s.on_input(Input{kHub, Disconnected{}});
      REQUIRE(lost.has_value());
      box.commit(*lost);
      return false;
    }
    step = feed(s, kHub, queue.front().characteristic_uuid16, queue.front().bytes);
    queue.pop_front();
  }
}

// Every record delivered exactly once when the link drops after every possible number of
// values, then the device reconnects (repeatedly) until a sync completes.
inline void check_resumable(const FakeMeter& meter,
                            std::optional<RecordCursor> start = std::nullopt,
                            std::size_t expected_new = 0) {
  for (std::size_t cut = 0; cut < 40; ++cut) {
    Outbox box;
    box.cursor = start;
    std::size_t budget = cut, attempts = 0;
    while (!sync(meter, box, budget) && ++attempts < 50) budget = cut + attempts;
    CAPTURE(cut);
    CHECK(box.uids.size() == expected_new);
    for (const auto& [uid, n] : box.uids) CHECK_MESSAGE(n == 1, uid);
    REQUIRE(box.cursor.has_value());
    CHECK(box.cursor->sequence == meter.stored.back());
  }
}

}  // namespace kotona::drivers::ble_glucose::test
