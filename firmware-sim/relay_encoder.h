// The simulated pacemaker / ICD home relay's frames, written from docs/implant-relay-protocol.md
// and independent of drivers/ on purpose (STYLE.md §7): its own CRC, frame encoder, reply
// scanner and SUMMARY payload encoder, and the relay's ledger line. Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "firmware-sim/astm_encoder.h"

namespace kotona::firmware_sim {

inline constexpr std::uint8_t kRelaySof = 0x7E, kRelayVersion = 0x01;
inline constexpr std::uint8_t kRelaySummary = 0x10, kRelayAck = 0x80, kRelayNak = 0x81;

// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): "123456789" -> 0x29B1.
std::uint16_t relay_crc(std::span<const std::uint8_t> bytes);

// SOF VER TYPE SEQ LEN(le) PAYLOAD CRC(le). REQUIRES: payload.size() <= 1024.
Bytes encode_relay_frame(std::uint8_t type, std::uint8_t seq,
                         std::span<const std::uint8_t> payload);

// A canned implant state: "ok", "rrt", "eos", "shock", "af", "lead" (RV lead impedance 2450),
// "beyond-range" (value type 4: RV impedance above 3000 Ohm, RA capture threshold above 7.5 V).
struct ImplantSummarySim {
  std::uint32_t number = 0;  // relay summary number
  std::string preset = "ok";
  std::chrono::sys_seconds interrogated{};  // implant session time (relay clock at reading)
};

struct RelayInfo {
  std::string relay_serial = "RLYSIM0001";
  std::string relay_firmware = "1.0.0";
  std::string implant_vendor = "Kotona";
  std::string implant_model = "SIM-ICD1";
  std::string implant_serial = "ICDSIM0001";
};

bool is_relay_preset(const std::string& preset);

// The SUMMARY payload for `s` with the relay clock `now`.
Bytes make_relay_summary(const RelayInfo& info, const ImplantSummarySim& s,
                         std::chrono::sys_seconds now);

// A hub reply found at the start of `bytes`: consumed bytes and, for a whole frame with a good
// CRC, its type and seq. nullopt type: noise or a bad frame (consumed > 0) or need more (0).
struct RelayReply {
  std::size_t consumed = 0;
  std::optional<std::uint8_t> type;
  std::uint8_t seq = 0;
};
RelayReply scan_relay_reply(std::span<const std::uint8_t> bytes);

// {"device":"implant-relay","serial":implant,"record":"<relay>-<n>","kind":"implant",
//  "preset":...,"battery_status":"ok|rrt_eri|eos","shocks_delivered":N,"delivered_unix_ms":...}
std::string relay_ledger_line(const RelayInfo& info, const ImplantSummarySim& s,
                              std::int64_t delivered_unix_ms);

}  // namespace kotona::firmware_sim
