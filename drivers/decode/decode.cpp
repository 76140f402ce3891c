#include "drivers/decode/decode.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "drivers/gatt/uuids.h"

namespace kotona::drivers::decode {

namespace {

// LIS01-A2 §6.1 control characters that start a chunk.
constexpr std::uint8_t kStx = 0x02, kEot = 0x04, kEnq = 0x05, kLf = 0x0A, kNak = 0x15;

enum class ChunkKind { kControl, kFrame, kStray, kRelayFrame };

struct Chunk {
  std::size_t start = 0;
  std::size_t size = 0;
  ChunkKind kind = ChunkKind::kStray;
};

bool starts_chunk(std::uint8_t b) { return b == kStx || b == kEnq || b == kEot; }

std::vector<Chunk> split_chunks(std::span<const std::uint8_t> bytes) {
  std::vector<Chunk> chunks;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::uint8_t b = bytes[i];
    std::size_t j = i + 1;
    ChunkKind kind = ChunkKind::kControl;
    if (b == kStx) {
      kind = ChunkKind::kFrame;
      while (j < bytes.size() && !starts_chunk(bytes[j]) && bytes[j] != kLf) ++j;
      if (j < bytes.size() && bytes[j] == kLf) ++j;
    } else if (!starts_chunk(b)) {
      kind = ChunkKind::kStray;
      while (j < bytes.size() && !starts_chunk(bytes[j])) ++j;
    }
    chunks.push_back(Chunk{i, j - i, kind});
    i = j;
  }
  return chunks;
}

// The implant relay's frames (docs/implant-relay-protocol.md): one chunk per SOF .. CRC as its
// LEN field says (or the rest, when cut short), one per run of bytes before a SOF.
std::vector<Chunk> split_relay_chunks(std::span<const std::uint8_t> bytes) {
  constexpr std::uint8_t kSof = 0x7E;
  std::vector<Chunk> chunks;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t j = i + 1;
    ChunkKind kind = ChunkKind::kStray;
    if (bytes[i] == kSof && i + 6 <= bytes.size() && bytes[i + 1] == 0x01) {
      const std::size_t len = bytes[i + 4] | (static_cast<std::size_t>(bytes[i + 5]) << 8);
      kind = ChunkKind::kRelayFrame;
      j = std::min(bytes.size(), i + 8 + len);
    } else {
      while (j < bytes.size() && bytes[j] != kSof) ++j;
    }
    chunks.push_back(Chunk{i, j - i, kind});
    i = j;
  }
  return chunks;
}

bool has_nak(const Step& step) {
  return std::any_of(step.commands.begin(), step.commands.end(), [](const Command& c) {
    const auto* write = std::get_if<SerialWrite>(&c);
    return write != nullptr && write->bytes == Bytes{kNak};
  });
}

void collect(Step step, const Chunk& chunk, const GatewayId& gateway, bool is_relay,
             Decoded& out) {
  // Relay chunks are whole frames or whole runs of noise: their start is the offending byte.
  const bool exact = (chunk.kind == ChunkKind::kStray && !is_relay) ||
                     (chunk.kind == ChunkKind::kFrame && has_nak(step));
  for (Error& e : step.rejected) {
    const std::size_t byte = exact ? chunk.start + std::min(e.offset, chunk.size) : chunk.start;
    out.rejections.push_back(Rejection{byte, std::move(e)});
  }
  for (Reading& r : step.readings) {
    finalize_reading(gateway, r);
    out.readings.push_back(std::move(r));
  }
}

int digits(std::string_view s, std::size_t pos, std::size_t len) {
  int v = -1;
  if (pos + len > s.size()) return -1;
  const std::string_view part = s.substr(pos, len);
  if (part.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  std::from_chars(part.data(), part.data() + part.size(), v);
  return v;
}

}  // namespace

Decoded decode_serial(const DriverDescriptor& driver, std::span<const std::uint8_t> bytes,
                      HubTime hub_time, const GatewayId& gateway) {
  Decoded out;
  auto session = driver.make_session(SessionContext{"kotona-decode"});
  if (!session) {
    out.rejections.push_back(Rejection{0, Error{Errc::kConfig, 0, "driver made no session"}});
    return out;
  }
  Step last = session->start();
  const bool is_relay = driver.name == "implant_relay";
  collect(last, Chunk{0, 0, ChunkKind::kControl}, gateway, is_relay, out);
  for (const Chunk& chunk : is_relay ? split_relay_chunks(bytes) : split_chunks(bytes)) {
    const auto part = bytes.subspan(chunk.start, chunk.size);
    auto step = session->on_input(Input{hub_time, SerialBytes{Bytes(part.begin(), part.end())}});
    if (!step) {
      out.rejections.push_back(Rejection{chunk.start, step.error()});
      continue;
    }
    last = *step;
    collect(std::move(step).value(), chunk, gateway, is_relay, out);
  }
  if (last.timer) {  // the bytes ended mid-transfer: the gateway's timer would fire
    collect(session->on_timer(), Chunk{bytes.size(), 0, ChunkKind::kControl}, gateway, is_relay,
            out);
  }
  return out;
}

bool is_gatt_driver(const DriverDescriptor& driver) { return !driver.ble.empty(); }

std::string command_text(const Command& command) {
  auto hex = [](const char* format, unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, format, v);
    return std::string(b);
  };
  auto bytes = [&](const Bytes& v) {
    std::string out;
    for (std::uint8_t b : v) out += hex(" %02X", b);
    return out;
  };
  if (const auto* r = std::get_if<GattRead>(&command)) {
    return "read " + hex("%04X", r->characteristic_uuid16);
  }
  if (const auto* s = std::get_if<GattSubscribe>(&command)) {
    return "subscribe " + hex("%04X", s->characteristic_uuid16);
  }
  if (const auto* w = std::get_if<GattWrite>(&command)) {
    return "write " + hex("%04X", w->characteristic_uuid16) + bytes(w->bytes);
  }
  return "serial" + bytes(std::get<SerialWrite>(command).bytes);
}

gatt::Capture single_value_capture(std::uint16_t characteristic_uuid16,
                                   std::vector<std::uint8_t> value) {
  gatt::Capture capture;
  for (std::uint16_t uuid : {gatt::uuid::kManufacturerName, gatt::uuid::kModelNumber,
                             gatt::uuid::kSerialNumber, gatt::uuid::kFirmwareRevision,
                             gatt::uuid::kCurrentTime}) {
    capture.events.push_back(gatt::CaptureEvent{0, GattFailed{uuid, "not captured"}});
  }
  capture.events.push_back(
      gatt::CaptureEvent{1, GattValue{characteristic_uuid16, std::move(value)}});
  return capture;
}

Decoded decode_gatt(const DriverDescriptor& driver, const gatt::Capture& capture,
                    HubTime hub_time, const GatewayId& gateway) {
  Decoded out;
  SessionContext context{"00:00:00:00:00:00"};
  context.cursor = capture.cursor;
  auto session = driver.make_session(context);
  if (!session) {
    out.rejections.push_back(Rejection{0, Error{Errc::kConfig, 0, "driver made no session"}, 0});
    return out;
  }
  auto collect_gatt = [&](Step step, std::size_t line) {
    for (Error& e : step.rejected) out.rejections.push_back(Rejection{e.offset, std::move(e), line});
    for (Reading& r : step.readings) {
      finalize_reading(gateway, r);
      out.readings.push_back(std::move(r));
    }
    for (const Command& c : step.commands) out.commands.push_back(command_text(c));
    if (step.cursor) out.cursor = step.cursor;
  };
  Step last = session->start();
  collect_gatt(last, 0);
  for (const gatt::CaptureEvent& e : capture.events) {
    auto step = std::visit(
        [&](const auto& event) { return session->on_input(Input{hub_time, event}); }, e.event);
    if (!step) {
      out.rejections.push_back(Rejection{step.error().offset, step.error(), e.line});
      continue;
    }
    last = *step;
    collect_gatt(std::move(step).value(), e.line);
  }
  if (last.timer) collect_gatt(session->on_timer(), 0);
  return out;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (high >= 0) return std::nullopt;  // a pair split by whitespace
      continue;
    }
    const int v = nibble(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::optional<HubTime> parse_iso_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z
  if (s.size() != 20 && s.size() != 24) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return std::nullopt;
  }
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  int ms = 0;
  if (s.size() == 24) {
    if (s[19] != '.') return std::nullopt;
    ms = digits(s, 20, 3);
  }
  using namespace std::chrono;
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
      ms < 0) {
    return std::nullopt;
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  return HubTime{sys_days{date} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms}};
}

}  // namespace kotona::drivers::decode
