#include "drivers/ble_pulse_ox/parse.h"

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::ble_pulse_ox {

namespace {

using gatt::ByteReader;

constexpr std::uint16_t kStatusError = (1u << 6) | (1u << 12) | (1u << 14);
constexpr std::uint16_t kStatusControl = (1u << 10) | (1u << 11);
constexpr std::uint16_t kStatusNotAReading = (1u << 13) | (1u << 15);
constexpr std::uint32_t kDeviceError = 0xFDFE;  // bits 1-8, 10-15
constexpr double kMaxPulse = 350;

// SpO2 and pulse rate (SpO2PR-Normal or the spot-check pair).
Result<void> read_pair(ByteReader& r, Measurement& m) {
  const std::size_t at = r.offset();
  auto spo2 = r.sfloat("SpO2");
  if (!spo2) return fail(spo2.error());
  const std::size_t pr_at = r.offset();
  auto pr = r.sfloat("pulse rate");
  if (!pr) return fail(pr.error());
  auto percent = gatt::required_value(*spo2, at, "SpO2");
  if (!percent) return fail(percent.error());
  if (*percent < 0 || *percent > 100) return fail(Errc::kOutOfRange, at, "SpO2 outside 0..100 %");
  auto pulse = gatt::optional_value(*pr, pr_at, "pulse rate");
  if (!pulse) return fail(pulse.error());
  if (*pulse && (**pulse < 0 || **pulse > kMaxPulse)) {
    return fail(Errc::kOutOfRange, pr_at, "pulse rate outside 0..350 /min");
  }
  m.spo2 = Spo2{*percent, *pulse};
  return {};
}

Result<void> read_status(ByteReader& r, bool has_status, bool has_device_status, Measurement& m) {
  if (has_status) {
    const std::size_t at = r.offset();
    auto s = r.u16le("measurement status");
    if (!s) return fail(s.error());
    if (*s & kStatusNotAReading) {
      return fail(Errc::kOutOfRange, at,
                  (*s & (1u << 15)) ? "measurement invalid" : "measurement unavailable");
    }
    m.quality.device_error = (*s & kStatusError) != 0;
    m.quality.control_result = (*s & kStatusControl) != 0;
  }
  if (has_device_status) {
    auto d = r.u24le("device and sensor status");
    if (!d) return fail(d.error());
    m.quality.device_error = m.quality.device_error || (*d & kDeviceError) != 0;
  }
  return {};
}

Result<void> skip_sfloats(ByteReader& r, int count, const char* field) {
  for (int i = 0; i < count; ++i) {
    const std::size_t at = r.offset();
    auto v = r.sfloat(field);
    if (!v) return fail(v.error());
    if (auto o = gatt::optional_value(*v, at, field); !o) return fail(o.error());
  }
  return {};
}

}  // namespace

Result<Measurement> parse_spot_check(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  Measurement m;
  if (auto p = read_pair(r, m); !p) return fail(p.error());
  if (*flags & 0x01) {
    auto t = gatt::read_date_time(r);
    if (t) {
      m.time = *t;
    } else if (t.error().code != Errc::kOutOfRange) {  // kOutOfRange: "not known"
      return fail(t.error());
    }
  }
  if (auto s = read_status(r, *flags & 0x02, *flags & 0x04, m); !s) return fail(s.error());
  if (*flags & 0x08) {
    if (auto p = skip_sfloats(r, 1, "pulse amplitude index"); !p) return fail(p.error());
  }
  m.quality.clock_suspect = (*flags & 0x10) != 0;
  if ((*flags & 0xE0) == 0) {
    if (auto e = r.expect_end("the spot-check measurement"); !e) return fail(e.error());
  }
  return m;
}

Result<Measurement> parse_continuous(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  Measurement m;
  if (auto p = read_pair(r, m); !p) return fail(p.error());
  if (*flags & 0x01) {
    if (auto f = skip_sfloats(r, 2, "SpO2PR-Fast"); !f) return fail(f.error());
  }
  if (*flags & 0x02) {
    if (auto s = skip_sfloats(r, 2, "SpO2PR-Slow"); !s) return fail(s.error());
  }
  if (auto s = read_status(r, *flags & 0x04, *flags & 0x08, m); !s) return fail(s.error());
  if (*flags & 0x10) {
    if (auto p = skip_sfloats(r, 1, "pulse amplitude index"); !p) return fail(p.error());
  }
  if ((*flags & 0xE0) == 0) {
    if (auto e = r.expect_end("the continuous measurement"); !e) return fail(e.error());
  }
  return m;
}

}  // namespace kotona::drivers::ble_pulse_ox
