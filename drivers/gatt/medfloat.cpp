#include "drivers/gatt/medfloat.h"

#include <cmath>

namespace kotona::drivers::gatt {

namespace {

// Two's complement of the low `bits` bits of `raw`.
std::int32_t sign_extend(std::uint32_t raw, int bits) {
  const std::uint32_t sign = 1u << (bits - 1);
  const std::uint32_t mask = (bits == 32) ? 0xFFFFFFFFu : ((1u << bits) - 1);
  const std::uint32_t v = raw & mask;
  return (v & sign) ? static_cast<std::int32_t>(v) - static_cast<std::int32_t>(sign << 1)
                    : static_cast<std::int32_t>(v);
}

// Mantissa offsets from the top of the positive range, in the order of Special:
// NaN = max, NRes = min, +INF = max - 1, -INF = min + 2, reserved = min + 1.
std::optional<Special> special_of(std::int32_t mantissa, std::int32_t max) {
  if (mantissa == max) return Special::kNan;
  if (mantissa == -max - 1) return Special::kNres;
  if (mantissa == max - 1) return Special::kPositiveInfinity;
  if (mantissa == -max + 1) return Special::kNegativeInfinity;
  if (mantissa == -max) return Special::kReserved;
  return std::nullopt;
}

std::int32_t special_mantissa(Special s, std::int32_t max) {
  switch (s) {
    case Special::kNan: return max;
    case Special::kNres: return -max - 1;
    case Special::kPositiveInfinity: return max - 1;
    case Special::kNegativeInfinity: return -max + 1;
    case Special::kReserved: return -max;
  }
  return max;
}

constexpr std::int32_t kSfloatMax = 2047;
constexpr std::int32_t kFloatMax = 8388607;

}  // namespace

double Decimal::value() const {
  // Dividing by an exact power of ten (up to 10^22) rounds once: 1234e-1 prints as 123.4.
  if (exponent < 0) return static_cast<double>(mantissa) / std::pow(10.0, -exponent);
  return static_cast<double>(mantissa) * std::pow(10.0, exponent);
}

MedFloat decode_sfloat(std::uint16_t raw) {
  const std::int32_t exponent = sign_extend(raw >> 12u, 4);
  const std::int32_t mantissa = sign_extend(raw, 12);
  if (exponent == 0) {
    if (auto s = special_of(mantissa, kSfloatMax)) return *s;
  }
  return Decimal{mantissa, static_cast<std::int8_t>(exponent)};
}

MedFloat decode_float(std::uint32_t raw) {
  const std::int32_t exponent = sign_extend(raw >> 24u, 8);
  const std::int32_t mantissa = sign_extend(raw, 24);
  if (exponent == 0) {
    if (auto s = special_of(mantissa, kFloatMax)) return *s;
  }
  return Decimal{mantissa, static_cast<std::int8_t>(exponent)};
}

std::uint16_t encode_sfloat(Decimal value) {
  const auto exponent = static_cast<std::uint32_t>(value.exponent) & 0xFu;
  const auto mantissa = static_cast<std::uint32_t>(value.mantissa) & 0xFFFu;
  return static_cast<std::uint16_t>((exponent << 12u) | mantissa);
}

std::uint16_t encode_sfloat(Special special) {
  return static_cast<std::uint16_t>(static_cast<std::uint32_t>(special_mantissa(special,
                                                                                kSfloatMax)) &
                                    0xFFFu);
}

std::uint32_t encode_float(Decimal value) {
  const auto exponent = static_cast<std::uint32_t>(value.exponent) & 0xFFu;
  const auto mantissa = static_cast<std::uint32_t>(value.mantissa) & 0xFFFFFFu;
  return (exponent << 24u) | mantissa;
}

std::uint32_t encode_float(Special special) {
  return static_cast<std::uint32_t>(special_mantissa(special, kFloatMax)) & 0xFFFFFFu;
}

std::string_view to_string(Special special) {
  switch (special) {
    case Special::kNan: return "NaN";
    case Special::kNres: return "NRes";
    case Special::kPositiveInfinity: return "+INF";
    case Special::kNegativeInfinity: return "-INF";
    case Special::kReserved: return "reserved";
  }
  return "reserved";
}

}  // namespace kotona::drivers::gatt
