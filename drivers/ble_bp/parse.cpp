#include "drivers/ble_bp/parse.h"

#include <cmath>
#include <string>

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::ble_bp {

namespace {

using gatt::ByteReader;

constexpr std::uint8_t kKpa = 0x01, kTimeStamp = 0x02, kPulse = 0x04, kUser = 0x08,
                       kStatus = 0x10, kFlagsRfu = 0xE0;
constexpr std::uint16_t kBodyMovement = 0x0001, kCuffLoose = 0x0002, kIrregular = 0x0004,
                        kImproperPosition = 0x0020;
constexpr double kMaxMmhg = 1000, kMaxPulse = 1000;

double to_mmhg(double v, bool kpa) {
  return kpa ? std::round(v * kMmhgPerKpa * 10.0) / 10.0 : v;
}

Result<double> pressure(const gatt::MedFloat& v, std::size_t at, const char* field, bool kpa) {
  auto n = gatt::required_value(v, at, field);
  if (!n) return fail(n.error());
  const double mmhg = to_mmhg(*n, kpa);
  if (mmhg < 0 || mmhg > kMaxMmhg) {
    return fail(Errc::kOutOfRange, at, std::string(field) + " outside 0..1000 mmHg");
  }
  return mmhg;
}

struct Raw {
  std::uint8_t flags = 0;
  Measurement m;
};

// The three pressures; MAP special values leave it out.
Result<void> read_pressures(ByteReader& r, Raw& raw, bool intermediate) {
  const bool kpa = (raw.flags & kKpa) != 0;
  std::size_t at = r.offset();
  auto sys = r.sfloat("systolic");
  if (!sys) return fail(sys.error());
  at = r.offset();
  auto dia = r.sfloat("diastolic");
  if (!dia) return fail(dia.error());
  const std::size_t dia_at = at;
  at = r.offset();
  auto map = r.sfloat("mean arterial pressure");
  if (!map) return fail(map.error());
  if (intermediate) return {};
  auto s = pressure(*sys, 1, "systolic", kpa);
  if (!s) return fail(s.error());
  auto d = pressure(*dia, dia_at, "diastolic", kpa);
  if (!d) return fail(d.error());
  auto m = gatt::optional_value(*map, at, "mean arterial pressure");
  if (!m) return fail(m.error());
  raw.m.pressure.systolic_mmhg = *s;
  raw.m.pressure.diastolic_mmhg = *d;
  if (*m) raw.m.pressure.mean_arterial_mmhg = to_mmhg(**m, kpa);
  return {};
}

// Everything after the pressures, as the flags say.
Result<void> read_optional_fields(ByteReader& r, Raw& raw) {
  if (raw.flags & kTimeStamp) {
    auto t = gatt::read_date_time(r);
    if (t) {
      raw.m.time = *t;
    } else if (t.error().code != Errc::kOutOfRange) {  // kOutOfRange: time not known
      return fail(t.error());
    }
  }
  if (raw.flags & kPulse) {
    const std::size_t at = r.offset();
    auto p = r.sfloat("pulse rate");
    if (!p) return fail(p.error());
    auto v = gatt::optional_value(*p, at, "pulse rate");
    if (!v) return fail(v.error());
    if (*v && (**v < 0 || **v > kMaxPulse)) {
      return fail(Errc::kOutOfRange, at, "pulse rate outside 0..1000 /min");
    }
    raw.m.pressure.pulse_per_min = *v;
  }
  if (raw.flags & kUser) {
    auto u = r.u8("user id");
    if (!u) return fail(u.error());
    raw.m.user = *u;
  }
  if (raw.flags & kStatus) {
    auto s = r.u16le("measurement status");
    if (!s) return fail(s.error());
    raw.m.quality.body_movement = (*s & kBodyMovement) != 0;
    raw.m.quality.irregular_pulse = (*s & kIrregular) != 0;
    raw.m.quality.device_error = (*s & (kCuffLoose | kImproperPosition)) != 0;
  }
  if ((raw.flags & kFlagsRfu) == 0) return r.expect_end("the blood pressure measurement");
  return {};
}

Result<Raw> parse(std::span<const std::uint8_t> bytes, bool intermediate) {
  ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  Raw raw{*flags, {}};
  if (auto p = read_pressures(r, raw, intermediate); !p) return fail(p.error());
  if (auto o = read_optional_fields(r, raw); !o) return fail(o.error());
  return raw;
}

}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  auto raw = parse(bytes, false);
  if (!raw) return fail(raw.error());
  return raw->m;
}

Result<std::optional<double>> parse_intermediate_cuff_pressure(
    std::span<const std::uint8_t> bytes) {
  auto raw = parse(bytes, true);
  if (!raw) return fail(raw.error());
  auto cuff = gatt::optional_value(gatt::decode_sfloat(static_cast<std::uint16_t>(
                                       bytes[1] | (bytes[2] << 8))),
                                   1, "cuff pressure");
  if (!cuff) return fail(cuff.error());
  if (*cuff) return std::optional<double>(to_mmhg(**cuff, (raw->flags & kKpa) != 0));
  return std::optional<double>();
}

}  // namespace kotona::drivers::ble_bp
