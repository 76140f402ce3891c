#include "drivers/ble_heart_rate/parse.h"

#include "drivers/gatt/byte_reader.h"

namespace kotona::drivers::ble_heart_rate {

namespace {
constexpr std::uint8_t kUint16Value = 0x01, kContactDetected = 0x02, kContactSupported = 0x04,
                       kEnergyExpended = 0x08, kRrIntervals = 0x10, kReserved = 0xE0;
constexpr double kRrUnitS = 1.0 / 1024;

Contact contact_of(std::uint8_t flags) {
  if (!(flags & kContactSupported)) return Contact::kNotSupported;
  return (flags & kContactDetected) ? Contact::kDetected : Contact::kNotDetected;
}
}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  gatt::ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  if (*flags & kReserved) return fail(Errc::kMalformed, 0, "flags: reserved bits set");
  Measurement m;
  m.contact = contact_of(*flags);
  if (*flags & kUint16Value) {
    auto v = r.u16le("heart rate");
    if (!v) return fail(v.error());
    m.beats_per_min = *v;
  } else {
    auto v = r.u8("heart rate");
    if (!v) return fail(v.error());
    m.beats_per_min = *v;
  }
  if (*flags & kEnergyExpended) {
    auto e = r.u16le("energy expended");
    if (!e) return fail(e.error());
    m.energy_expended_kj = *e;
  }
  if (*flags & kRrIntervals) {
    // One or more intervals fill the rest of the value: none, or half of one, is cut short.
    do {
      auto rr = r.u16le("RR interval");
      if (!rr) return fail(rr.error());
      m.rr_intervals_s.push_back(*rr * kRrUnitS);
    } while (r.remaining() > 0);
  }
  if (auto e = r.expect_end("the measurement"); !e) return fail(e.error());
  return m;
}

}  // namespace kotona::drivers::ble_heart_rate
