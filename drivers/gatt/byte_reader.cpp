#include "drivers/gatt/byte_reader.h"

namespace kotona::drivers::gatt {

Result<std::uint32_t> ByteReader::little_endian(std::size_t size, const char* field) {
  if (remaining() < size) {
    return fail(Errc::kTruncated, offset_,
                std::string(field) + ": needs " + std::to_string(size) + " bytes, " +
                    std::to_string(remaining()) + " left");
  }
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < size; ++i) {
    v |= static_cast<std::uint32_t>(bytes_[offset_ + i]) << (8u * i);
  }
  offset_ += size;
  return v;
}

Result<std::uint8_t> ByteReader::u8(const char* field) {
  auto v = little_endian(1, field);
  if (!v) return fail(v.error());
  return static_cast<std::uint8_t>(*v);
}

Result<std::uint16_t> ByteReader::u16le(const char* field) {
  auto v = little_endian(2, field);
  if (!v) return fail(v.error());
  return static_cast<std::uint16_t>(*v);
}

Result<std::int16_t> ByteReader::s16le(const char* field) {
  auto v = little_endian(2, field);
  if (!v) return fail(v.error());
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(*v));
}

Result<std::uint32_t> ByteReader::u24le(const char* field) { return little_endian(3, field); }

Result<std::uint32_t> ByteReader::u32le(const char* field) { return little_endian(4, field); }

Result<MedFloat> ByteReader::sfloat(const char* field) {
  auto v = u16le(field);
  if (!v) return fail(v.error());
  return decode_sfloat(*v);
}

Result<MedFloat> ByteReader::float32(const char* field) {
  auto v = u32le(field);
  if (!v) return fail(v.error());
  return decode_float(*v);
}

Result<void> ByteReader::expect_end(const char* what) const {
  if (remaining() == 0) return {};
  return fail(Errc::kMalformed, offset_,
              std::to_string(remaining()) + " trailing bytes after " + what);
}

Result<double> required_value(const MedFloat& v, std::size_t offset, const char* field) {
  if (const auto* d = std::get_if<Decimal>(&v)) return d->value();
  const Special s = std::get<Special>(v);
  return fail(s == Special::kReserved ? Errc::kMalformed : Errc::kOutOfRange, offset,
              std::string(field) + " is " + std::string(to_string(s)));
}

Result<std::optional<double>> optional_value(const MedFloat& v, std::size_t offset,
                                             const char* field) {
  if (const auto* d = std::get_if<Decimal>(&v)) return std::optional<double>(d->value());
  if (std::get<Special>(v) == Special::kReserved) {
    return fail(Errc::kMalformed, offset, std::string(field) + " is reserved");
  }
  return std::optional<double>();
}

}  // namespace kotona::drivers::gatt
