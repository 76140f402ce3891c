#include "firmware-sim/gatt_encoder.h"

#include <cmath>

namespace kotona::firmware_sim::gatt {

namespace {
long scaled(double value, int decimals) {
  return std::lround(value * std::pow(10.0, decimals));
}
}  // namespace

std::uint16_t sfloat(double value, int decimals) {
  const long mantissa = scaled(value, decimals);
  // 0x7FE..0x802 are the special values; a real mantissa stays in -2046..2045.
  if (mantissa < -2046 || mantissa > 2045 || decimals < -8 || decimals > 7) return kSfloatNaN;
  const auto exponent = static_cast<std::uint16_t>((-decimals) & 0x0F);
  const auto m12 = static_cast<std::uint16_t>(static_cast<unsigned long>(mantissa) & 0x0FFFu);
  return static_cast<std::uint16_t>((exponent << 12) | m12);
}

std::uint32_t float32(double value, int decimals) {
  const long mantissa = scaled(value, decimals);
  if (mantissa < -0x7FFFFE || mantissa > 0x7FFFFD) return 0x007FFFFF;  // NaN
  const auto exponent = static_cast<std::uint32_t>((-decimals) & 0xFF);
  const auto m24 = static_cast<std::uint32_t>(static_cast<unsigned long>(mantissa) & 0xFFFFFFu);
  return (exponent << 24) | m24;
}

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

void put_date_time(Bytes& out, std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  put_u16(out, static_cast<std::uint16_t>(static_cast<int>(ymd.year())));
  out.push_back(static_cast<std::uint8_t>(static_cast<unsigned>(ymd.month())));
  out.push_back(static_cast<std::uint8_t>(static_cast<unsigned>(ymd.day())));
  out.push_back(static_cast<std::uint8_t>(hms.hours().count()));
  out.push_back(static_cast<std::uint8_t>(hms.minutes().count()));
  out.push_back(static_cast<std::uint8_t>(hms.seconds().count()));
}

Bytes current_time(std::chrono::sys_seconds t, std::uint8_t adjust_reason) {
  using namespace std::chrono;
  Bytes out;
  put_date_time(out, t);
  const weekday wd{floor<days>(t)};
  out.push_back(static_cast<std::uint8_t>(wd.iso_encoding()));  // 1 = Monday .. 7 = Sunday
  out.push_back(0);                                              // Fractions256
  out.push_back(adjust_reason);
  return out;
}

std::optional<std::chrono::sys_seconds> parse_date_time(const Bytes& b) {
  using namespace std::chrono;
  if (b.size() < 7) return std::nullopt;
  const int y = b[0] | (b[1] << 8);
  const year_month_day ymd{year{y}, month{b[2]}, day{b[3]}};
  if (y < 1582 || !ymd.ok() || b[4] > 23 || b[5] > 59 || b[6] > 59) return std::nullopt;
  return sys_days{ymd} + hours{b[4]} + minutes{b[5]} + seconds{b[6]};
}

Bytes bp_measurement(const BpValue& v) {
  Bytes out;
  std::uint8_t flags = 0x02 | 0x04;  // mmHg, time stamp, pulse
  if (v.user) flags |= 0x08;
  out.push_back(flags);
  const double map = v.diastolic_mmhg + (v.systolic_mmhg - v.diastolic_mmhg) / 3.0;
  put_u16(out, sfloat(v.systolic_mmhg, 0));
  put_u16(out, sfloat(v.diastolic_mmhg, 0));
  put_u16(out, sfloat(map, 0));
  put_date_time(out, v.time);
  put_u16(out, sfloat(v.pulse_per_min, 0));
  if (v.user) out.push_back(*v.user);
  return out;
}

Bytes intermediate_cuff_pressure(int cuff_mmhg) {
  Bytes out{0x00};
  put_u16(out, sfloat(cuff_mmhg, 0));
  put_u16(out, kSfloatNaN);
  put_u16(out, kSfloatNaN);
  return out;
}

Bytes glucose_measurement(const GlucoseValue& v) {
  Bytes out;
  out.push_back(0x02 | 0x04);  // concentration + type/location present, mol/L
  put_u16(out, v.sequence);
  put_date_time(out, v.time);
  // mol/L with SFLOAT: 5.4 mmol/L = 0.0054 mol/L = 54 x 10^-4.
  put_u16(out, sfloat(v.mmol_per_l / 1000.0, 4));
  out.push_back(static_cast<std::uint8_t>((0x1 << 4) | 0x1));  // finger, capillary whole blood
  return out;
}

Bytes racp_response(std::uint8_t request_op, std::uint8_t code) {
  return Bytes{0x06, 0x00, request_op, code};
}

Bytes racp_number_of_records(std::uint16_t count) {
  Bytes out{0x05, 0x00};
  put_u16(out, count);
  return out;
}

Bytes weight_measurement(double kg, std::optional<std::chrono::sys_seconds> time) {
  Bytes out{static_cast<std::uint8_t>(time ? 0x02 : 0x00)};  // SI, time stamp present or not
  put_u16(out, static_cast<std::uint16_t>(std::lround(kg / 0.005)));
  if (time) put_date_time(out, *time);
  return out;
}

Bytes temperature_measurement(double celsius, std::chrono::sys_seconds time) {
  Bytes out{0x02};  // Celsius, time stamp present
  put_u32(out, float32(celsius, 2));
  put_date_time(out, time);
  return out;
}

Bytes plx_spot_check(int spo2_percent, int pulse_per_min, std::chrono::sys_seconds time) {
  Bytes out{0x01};  // time stamp present
  put_u16(out, sfloat(spo2_percent, 0));
  put_u16(out, sfloat(pulse_per_min, 0));
  put_date_time(out, time);
  return out;
}

}  // namespace kotona::firmware_sim::gatt
