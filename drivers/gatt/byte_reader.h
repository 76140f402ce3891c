// ByteReader: bounds-checked little-endian reads over one GATT characteristic value (STYLE.md
// §7). Every read names its field; running out of bytes is Errc::kTruncated at the offset where
// the field starts. Never reads past the span. Value type over a borrowed span; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "drivers/gatt/medfloat.h"

namespace kotona::drivers::gatt {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // Each returns the value and advances, or kTruncated at the field's first byte ("<field>:
  // needs N bytes, M left") and does not advance.
  [[nodiscard]] Result<std::uint8_t> u8(const char* field);
  [[nodiscard]] Result<std::uint16_t> u16le(const char* field);
  [[nodiscard]] Result<std::int16_t> s16le(const char* field);
  [[nodiscard]] Result<std::uint32_t> u24le(const char* field);
  [[nodiscard]] Result<std::uint32_t> u32le(const char* field);
  [[nodiscard]] Result<MedFloat> sfloat(const char* field);
  [[nodiscard]] Result<MedFloat> float32(const char* field);

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  // kMalformed at the first unread byte when bytes are left ("N trailing bytes after <what>").
  [[nodiscard]] Result<void> expect_end(const char* what) const;

 private:
  [[nodiscard]] Result<std::uint32_t> little_endian(std::size_t size, const char* field);

  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

// A measurement value that must be a number: the Decimal's value, or kOutOfRange at `offset`
// for NaN / NRes / +INF / -INF ("<field> is NaN") and kMalformed for the reserved pattern.
[[nodiscard]] Result<double> required_value(const MedFloat& v, std::size_t offset,
                                            const char* field);
// A value the device may leave out by sending a special: nullopt for NaN / NRes / +INF /
// -INF, the number otherwise; kMalformed at `offset` for the reserved pattern.
[[nodiscard]] Result<std::optional<double>> optional_value(const MedFloat& v, std::size_t offset,
                                                           const char* field);

}  // namespace kotona::drivers::gatt
