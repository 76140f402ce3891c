// IEEE 11073-20601 short and full floating-point types as Bluetooth GATT characteristics carry
// them: SFLOAT (medfloat16) and FLOAT (medfloat32). A special value (NaN, NRes, +INF, -INF,
// reserved) is its own alternative and never becomes a number. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

namespace kotona::drivers::gatt {

// IEEE 11073-20601:2019 §F.8 / Bluetooth GATT Specification Supplement v8 §2.3 (medfloat16,
// medfloat32): value = mantissa * 10^exponent, both two's complement.
//
//   SFLOAT  bit 15..12 exponent (-8..7)   bit 11..0 mantissa (-2048..2047)
//   FLOAT   bit 31..24 exponent (-128..127)  bit 23..0 mantissa (-2^23..2^23-1)
//
// Special values are exponent 0 with these mantissas (SFLOAT raw / FLOAT raw):
//   NaN       +(2^11-1) 0x07FF / +(2^23-1) 0x007FFFFF   not a number
//   NRes      -(2^11)   0x0800 / -(2^23)   0x00800000   not at this resolution
//   +INF      +(2^11-2) 0x07FE / +(2^23-2) 0x007FFFFE
//   -INF      -(2^11-2) 0x0802 / -(2^23-2) 0x00800002
//   Reserved  -(2^11-1) 0x0801 / -(2^23-1) 0x00800001   reserved for future use
// Any other pattern, including those mantissas with a non-zero exponent, is a number.
enum class Special { kNan, kNres, kPositiveInfinity, kNegativeInfinity, kReserved };

// An exact decimal: mantissa * 10^exponent, kept as the device sent it (precision included).
struct Decimal {
  std::int32_t mantissa = 0;
  std::int8_t exponent = 0;
  double value() const;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};

using MedFloat = std::variant<Decimal, Special>;

// Every 16-bit pattern decodes: to a Decimal, or to one of the five specials.
MedFloat decode_sfloat(std::uint16_t raw);
// Every 32-bit pattern decodes: to a Decimal, or to one of the five specials.
MedFloat decode_float(std::uint32_t raw);

// The raw pattern for `value`. REQUIRES: mantissa in -2048..2047 and exponent in -8..7, and
// (exponent, mantissa) not one of the special patterns (encode those with the Special overload).
std::uint16_t encode_sfloat(Decimal value);
std::uint16_t encode_sfloat(Special special);
// REQUIRES: mantissa in -2^23..2^23-1, not a special pattern when exponent is 0.
std::uint32_t encode_float(Decimal value);
std::uint32_t encode_float(Special special);

// "NaN", "NRes", "+INF", "-INF", "reserved".
std::string_view to_string(Special special);

}  // namespace kotona::drivers::gatt
