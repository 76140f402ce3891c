// Spec-written encoders for the simulated BLE peripherals (never drivers/ code, STYLE.md §7):
// IEEE 11073-20601 SFLOAT / FLOAT, GATT Date Time and Current Time, and the measurement
// characteristics of the SIG health profiles the sim serves. Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace kotona::firmware_sim::gatt {

using Bytes = std::vector<std::uint8_t>;

// SFLOAT (IEEE 11073-20601 §F.8, GATT Specification Supplement "medfloat16"): 4-bit signed
// exponent, 12-bit signed mantissa, value = mantissa * 10^exponent, little endian on the air.
//   bits 15..12 exponent | bits 11..0 mantissa
inline constexpr std::uint16_t kSfloatNaN = 0x07FF;
inline constexpr std::uint16_t kSfloatNRes = 0x0800;
inline constexpr std::uint16_t kSfloatPlusInf = 0x07FE;
inline constexpr std::uint16_t kSfloatMinusInf = 0x0802;
// `value` with `decimals` digits after the point; NaN when the mantissa does not fit.
std::uint16_t sfloat(double value, int decimals);
// FLOAT (§F.7, "medfloat32"): 8-bit signed exponent, 24-bit signed mantissa.
std::uint32_t float32(double value, int decimals);

void put_u16(Bytes& out, std::uint16_t v);
void put_u32(Bytes& out, std::uint32_t v);
// Date Time (GSS §3.70): year u16, month, day, hours, minutes, seconds (7 bytes), UTC fields
// of `t` shifted by nothing: the device's own clock reading.
void put_date_time(Bytes& out, std::chrono::sys_seconds t);
// Current Time (CTS 1.1 §3.1, GSS "Current Time"): Exact Time 256 (Date Time, Day of Week
// 1=Monday..7, Fractions256) and Adjust Reason; 10 bytes.
Bytes current_time(std::chrono::sys_seconds t, std::uint8_t adjust_reason = 0);
// The time a Current Time write carries; nullopt when shorter than 7 bytes or out of range.
std::optional<std::chrono::sys_seconds> parse_date_time(const Bytes& bytes);

// Blood Pressure Measurement 0x2A35 (BLS 1.1 §3.1, GSS §3.31): flags (bit0 kPa, bit1 time
// stamp, bit2 pulse, bit3 user id, bit4 status), systolic / diastolic / MAP SFLOAT, Date Time,
// pulse SFLOAT, user id u8, status u16.
struct BpValue {
  int systolic_mmhg = 0, diastolic_mmhg = 0, pulse_per_min = 0;
  std::chrono::sys_seconds time{};
  std::optional<std::uint8_t> user;
};
Bytes bp_measurement(const BpValue& v);
// Intermediate Cuff Pressure 0x2A36: same layout, diastolic and MAP NaN (BLS §3.2).
Bytes intermediate_cuff_pressure(int cuff_mmhg);

// Glucose Measurement 0x2A18 (GLS 1.0.1 §3.1): flags (bit0 time offset, bit1 concentration +
// type/location, bit2 unit mol/L, bit3 status), sequence u16, base time, [offset s16],
// concentration SFLOAT (kg/L or mol/L), type (low nibble) | location (high nibble).
struct GlucoseValue {
  std::uint16_t sequence = 0;
  std::chrono::sys_seconds time{};
  double mmol_per_l = 0;
};
Bytes glucose_measurement(const GlucoseValue& v);

// RACP 0x2A52 responses (GLS §3.4): Response Code (0x06, operator 0x00, request op code,
// code) and Number of Stored Records Response (0x05, 0x00, u16).
Bytes racp_response(std::uint8_t request_op, std::uint8_t code);
Bytes racp_number_of_records(std::uint16_t count);

// Weight Measurement 0x2A9D (WSS 1.0 §3.1): flags (bit0 imperial, bit1 time stamp), weight
// u16 in 0.005 kg, Date Time (only with a time: a scale without a clock sends none).
Bytes weight_measurement(double kg, std::optional<std::chrono::sys_seconds> time);
// Temperature Measurement 0x2A1C (HTS 1.0 §3.1): flags (bit0 Fahrenheit, bit1 time stamp,
// bit2 type), FLOAT Celsius, Date Time.
Bytes temperature_measurement(double celsius, std::chrono::sys_seconds time);
// PLX Spot-check Measurement 0x2A5E (PLXS 1.0 §3.1): flags (bit0 time stamp), SpO2 SFLOAT,
// PR SFLOAT, Date Time.
Bytes plx_spot_check(int spo2_percent, int pulse_per_min, std::chrono::sys_seconds time);

}  // namespace kotona::firmware_sim::gatt
