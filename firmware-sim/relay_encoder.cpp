#include "firmware-sim/relay_encoder.h"

#include <algorithm>

namespace kotona::firmware_sim {

namespace {

constexpr std::int32_t kNotAvailable = 0x7FFFFFFF;

struct Writer {
  Bytes out;
  void u8(unsigned v) { out.push_back(static_cast<std::uint8_t>(v & 0xFF)); }
  void u16(unsigned v) {
    u8(v);
    u8(v >> 8);
  }
  void u32(std::uint32_t v) {
    u16(v & 0xFFFF);
    u16(v >> 16);
  }
  void text(const std::string& s) {
    u8(static_cast<unsigned>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  void time(std::chrono::sys_seconds t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    u16(static_cast<unsigned>(static_cast<int>(ymd.year())));
    u8(static_cast<unsigned>(ymd.month()));
    u8(static_cast<unsigned>(ymd.day()));
    u8(static_cast<unsigned>(hms.hours().count()));
    u8(static_cast<unsigned>(hms.minutes().count()));
    u8(static_cast<unsigned>(hms.seconds().count()));
  }
  // value = mantissa x 10^exponent
  void decimal(unsigned tag, std::int32_t mantissa, int exponent) {
    u16(tag);
    u8(1);
    u32(static_cast<std::uint32_t>(mantissa));
    u8(static_cast<unsigned>(static_cast<std::uint8_t>(static_cast<std::int8_t>(exponent))));
  }
  // Beyond the relay's measuring range: marker 1 below / 2 above, then the limit as a decimal.
  void beyond(unsigned tag, unsigned marker, std::int32_t mantissa, int exponent) {
    u16(tag);
    u8(4);
    u8(marker);
    u32(static_cast<std::uint32_t>(mantissa));
    u8(static_cast<unsigned>(static_cast<std::uint8_t>(static_cast<std::int8_t>(exponent))));
  }
  void count(unsigned tag, std::uint32_t v) {
    u16(tag);
    u8(2);
    u32(v);
  }
  void enumerated(unsigned tag, unsigned v) {
    u16(tag);
    u8(3);
    u8(v);
  }
};

struct Figures {
  unsigned battery = 1;  // 1 OK, 2 RRT/ERI, 3 EOS
  std::int32_t centivolts = 279;
  std::int32_t longevity_mo = 96;
  std::int32_t rv_impedance = 560;
  std::int32_t burden_tenths = 4;
  std::uint32_t af_episodes = 1, vt_episodes = 0, atp = 0, shocks = 0;
};

Figures figures(const std::string& preset) {
  Figures f;
  if (preset == "rrt") f = Figures{2, 252, 3};
  if (preset == "eos") f = Figures{3, 235, 0};
  if (preset == "shock") {
    f.vt_episodes = 1;
    f.atp = 2;
    f.shocks = 1;
  }
  if (preset == "af") {
    f.burden_tenths = 185;
    f.af_episodes = 12;
  }
  if (preset == "lead") f.rv_impedance = 2450;
  return f;
}

const char* battery_name(unsigned b) { return b == 1 ? "ok" : b == 2 ? "rrt_eri" : "eos"; }

}  // namespace

std::uint16_t relay_crc(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : bytes) {
    for (int bit = 7; bit >= 0; --bit) {
      const bool in = ((b >> bit) & 1) != 0;
      const bool top = (crc & 0x8000) != 0;
      crc = static_cast<std::uint16_t>(crc << 1);
      if (in != top) crc ^= 0x1021;
    }
  }
  return crc;
}

Bytes encode_relay_frame(std::uint8_t type, std::uint8_t seq,
                         std::span<const std::uint8_t> payload) {
  Writer w;
  w.u8(kRelaySof);
  w.u8(kRelayVersion);
  w.u8(type);
  w.u8(seq);
  w.u16(static_cast<unsigned>(payload.size()));
  for (std::uint8_t b : payload) w.u8(b);
  const std::uint16_t crc = relay_crc(std::span(w.out).subspan(1));
  w.u16(crc);
  return w.out;
}

bool is_relay_preset(const std::string& p) {
  return p == "ok" || p == "rrt" || p == "eos" || p == "shock" || p == "af" || p == "lead" ||
         p == "beyond-range";
}

Bytes make_relay_summary(const RelayInfo& info, const ImplantSummarySim& s,
                         std::chrono::sys_seconds now) {
  const Figures f = figures(s.preset);
  Writer w;
  w.u8(1);
  w.u32(s.number);
  w.time(now);
  w.time(s.interrogated);
  for (const auto* text : {&info.relay_serial, &info.relay_firmware, &info.implant_vendor,
                           &info.implant_model, &info.implant_serial}) {
    w.text(*text);
  }
  w.u8(18);  // items below
  w.enumerated(0x0001, f.battery);
  w.decimal(0x0002, f.centivolts, -2);
  w.decimal(0x0003, f.longevity_mo, 0);
  w.decimal(0x0101, 480, 0);  // RA lead: impedance, sensing, threshold, paced
  w.decimal(0x0111, 28, -1);
  if (s.preset == "beyond-range") {
    w.beyond(0x0121, 2, 75, -1);  // RA: no capture at the 7.5 V maximum output
  } else {
    w.decimal(0x0121, 75, -2);
  }
  w.decimal(0x0131, 15, 0);
  if (s.preset == "beyond-range") {
    w.beyond(0x0102, 2, 3000, 0);  // RV lead: impedance above the 3000 Ohm measuring range
  } else {
    w.decimal(0x0102, f.rv_impedance, 0);  // RV lead
  }
  w.decimal(0x0112, 112, -1);
  w.decimal(0x0122, 100, -2);
  w.decimal(0x0132, 3, 0);
  w.decimal(0x0103, kNotAvailable, 0);  // no LV lead: "not available"
  w.decimal(0x0201, f.burden_tenths, -1);
  w.count(0x0202, f.af_episodes);
  w.count(0x0203, f.vt_episodes);
  w.count(0x0205, f.shocks);
  // ATP last, after a vendor tag the hub does not know (forward compatibility).
  Writer tail;
  tail.decimal(0x0F01, 7, 0);
  tail.count(0x0204, f.atp);
  w.out.insert(w.out.end(), tail.out.begin(), tail.out.end());
  return w.out;
}

RelayReply scan_relay_reply(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  if (bytes[0] != kRelaySof) {
    const auto next = std::find(bytes.begin() + 1, bytes.end(), kRelaySof);
    return RelayReply{static_cast<std::size_t>(next - bytes.begin()), std::nullopt, 0};
  }
  if (bytes.size() < 6) return {};
  const std::size_t len = bytes[4] | (static_cast<std::size_t>(bytes[5]) << 8);
  if (bytes[1] != kRelayVersion || len > 1024) return RelayReply{1, std::nullopt, 0};
  if (bytes.size() < 8 + len) return {};
  const std::uint16_t crc = static_cast<std::uint16_t>(bytes[6 + len] | (bytes[7 + len] << 8));
  if (relay_crc(bytes.subspan(1, 5 + len)) != crc) return RelayReply{8 + len, std::nullopt, 0};
  return RelayReply{8 + len, bytes[2], bytes[3]};
}

std::string relay_ledger_line(const RelayInfo& info, const ImplantSummarySim& s,
                              std::int64_t delivered_unix_ms) {
  const Figures f = figures(s.preset);
  return std::string("{\"device\":\"implant-relay\",\"serial\":\"") + info.implant_serial +
         "\",\"record\":\"" + info.relay_serial + "-" + std::to_string(s.number) +
         "\",\"kind\":\"implant\",\"preset\":\"" + s.preset + "\",\"battery_status\":\"" +
         battery_name(f.battery) + "\",\"shocks_delivered\":" + std::to_string(f.shocks) +
         ",\"delivered_unix_ms\":" + std::to_string(delivered_unix_ms) + "}";
}

}  // namespace kotona::firmware_sim
