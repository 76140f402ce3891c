#include "firmware-sim/astm_encoder.h"

#include "core/log.h"

namespace kotona::firmware_sim {

std::uint8_t astm_checksum(std::span<const std::uint8_t> bytes) {
  unsigned sum = 0;
  for (std::uint8_t b : bytes) sum = (sum + b) & 0xFFu;
  return static_cast<std::uint8_t>(sum);
}

Bytes encode_frame(int number, std::string_view text, bool is_final) {
  KOTONA_CHECK(number >= 0 && number <= 7);
  KOTONA_CHECK(text.size() <= kMaxOneFrameText);
  Bytes out;
  out.reserve(text.size() + 7);
  out.push_back(kStx);
  out.push_back(static_cast<std::uint8_t>('0' + number));
  for (char c : text) out.push_back(static_cast<std::uint8_t>(c));
  out.push_back(is_final ? kEtx : kEtb);
  const std::uint8_t sum = astm_checksum(std::span<const std::uint8_t>(out).subspan(1));
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back(static_cast<std::uint8_t>(kHex[sum >> 4]));
  out.push_back(static_cast<std::uint8_t>(kHex[sum & 0x0F]));
  out.push_back(kCr);
  out.push_back(kLf);
  return out;
}

std::vector<Bytes> encode_message(const std::vector<std::string>& records) {
  std::vector<Bytes> frames;
  int number = 1;
  for (const std::string& record : records) {
    std::size_t pos = 0;
    do {
      const std::string_view piece = std::string_view(record).substr(pos, kMaxFrameText);
      pos += piece.size();
      frames.push_back(encode_frame(number, piece, pos >= record.size()));
      number = (number + 1) % 8;
    } while (pos < record.size());
  }
  return frames;
}

std::vector<Bytes> encode_message_one_frame(const std::vector<std::string>& records) {
  std::string text;
  for (const std::string& record : records) text += record;
  return {encode_frame(1, text, true)};  // even over 240 characters, as these analysers do
}

std::vector<Bytes> encode_message_etb_frames(const std::vector<std::string>& records) {
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const bool is_last = i + 1 == records.size();
    frames.push_back(encode_frame(static_cast<int>((i + 1) % 8), records[i], is_last));
  }
  return frames;
}

}  // namespace kotona::firmware_sim
