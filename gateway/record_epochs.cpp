#include "gateway/record_epochs.h"

#include "core/log.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

namespace {
constexpr std::string_view kLog = "devices";

bool is_decimal(std::string_view text, std::size_t max_digits) {
  return !text.empty() && text.size() <= max_digits &&
         text.find_first_not_of("0123456789") == std::string_view::npos;
}

// FNV-1a, 64 bit: stable across builds and platforms (std::hash is not).
std::string fnv1a_hex(const std::string& bytes) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return out;
}
}  // namespace

std::optional<RecordNumber> record_number_of(const Reading& reading) {
  const std::string& id = reading.record_id;
  if (reading.device.driver == "ble_glucose") {  // "<sequence>-<base time>" or "<sequence>"
    const std::string sequence = id.substr(0, id.find('-'));
    if (!is_decimal(sequence, 5)) return std::nullopt;
    return RecordNumber{"", std::stoull(sequence)};
  }
  if (reading.device.driver == "implant_relay") {  // "<relay serial>-<summary number>"
    const auto dash = id.rfind('-');
    if (dash == std::string::npos || !is_decimal(std::string_view(id).substr(dash + 1), 18)) {
      return std::nullopt;
    }
    return RecordNumber{id.substr(0, dash), std::stoull(id.substr(dash + 1))};
  }
  if (!is_decimal(id, 18)) return std::nullopt;
  return RecordNumber{"", std::stoull(id)};
}

// Computed from the reading as its driver made it (epoch 0 record_id).
std::string record_fingerprint(const Reading& reading) {
  Reading r = reading;
  r.uid = ReadingUid{};
  r.gateway = GatewayId{};
  r.device = DeviceIdentity{};  // a firmware update must not make an old record "new"
  r.hub_time = HubTime{};
  r.clock_offset.reset();
  r.quality.clock_suspect = false;  // the hub's view of the clock, not the record's content
  r.quality.clock_missing = false;
  return fnv1a_hex(wire::encode_reading(r));
}

RecordEpochs::RecordEpochs(Outbox& outbox, GatewayId gateway, RecordSeenBounds bounds)
    : outbox_(outbox), gateway_(std::move(gateway)), bounds_(bounds) {}

Result<RecordEpochs::Known*> RecordEpochs::pending(const std::string& key) {
  if (auto it = pending_.find(key); it != pending_.end()) return &it->second;
  if (auto it = known_.find(key); it != known_.end()) return &(pending_[key] = it->second);
  auto rows = outbox_.load_seen(key);
  if (!rows) return fail(rows.error());
  Known known;
  for (const auto& row : *rows) {
    known.epoch = std::max(known.epoch, row.epoch);
    known.fingerprints[{row.epoch, row.number}] = row.fingerprint;
  }
  return &(pending_[key] = std::move(known));
}

Result<std::vector<OutboxEntry>> RecordEpochs::assign(std::span<Reading> readings) {
  pending_.clear();  // a previous assign() whose append failed
  std::vector<OutboxEntry> entries;
  entries.reserve(readings.size());
  for (auto& r : readings) {
    auto number = record_number_of(r);
    std::optional<RecordSeen> seen;
    if (number) {
      const std::string key = r.device.driver + "|" + r.device.serial.value + "|" +
                              number->counter + "|" + std::string(kind_name(r.measurement));
      auto known = pending(key);
      if (!known) {
        pending_.clear();
        return fail(known.error());
      }
      seen = assign_one(r, **known, key, number->number);
      r.uid = make_reading_uid(gateway_, r);  // finalize_reading() made it with epoch 0
    }
    entries.emplace_back(r.uid.value, wire::encode_reading(r), std::move(seen));
  }
  return entries;
}

std::optional<RecordSeen> RecordEpochs::assign_one(Reading& reading, Known& known,
                                                   const std::string& key, std::uint64_t number) {
  const std::string fingerprint = record_fingerprint(reading);
  auto set_epoch = [&reading](std::uint32_t epoch) {
    if (epoch > 0) reading.record_id += ".e" + std::to_string(epoch);
  };
  // A record stored before (a meter re-sending its memory) keeps its epoch, so its uid too.
  for (std::uint32_t e = 0; e <= known.epoch; ++e) {
    auto it = known.fingerprints.find({e, number});
    if (it != known.fingerprints.end() && it->second == fingerprint) {
      set_epoch(e);
      return std::nullopt;
    }
  }
  if (known.fingerprints.contains({known.epoch, number})) {
    // This number was stored in this epoch with other content: the counter restarted.
    ++known.epoch;
    log_warn(kLog, "record counter of " + reading.device.serial.value + " (" +
                       reading.device.driver + ") restarted: record " + std::to_string(number) +
                       " came again with other content; record epoch " +
                       std::to_string(known.epoch) + " starts");
  }
  known.fingerprints[{known.epoch, number}] = fingerprint;
  set_epoch(known.epoch);
  return RecordSeen{key, known.epoch, number, fingerprint};
}

void RecordEpochs::committed() {
  for (auto& [key, known] : pending_) {
    known_[key] = std::move(known);
    prune_if_due(key, known_[key]);
  }
  pending_.clear();
}

void RecordEpochs::prune_if_due(const std::string& key, const Known& known) {
  const std::size_t bound = bounds_.keep_newest + bounds_.keep_newest / 4 +
                            bounds_.keep_head * (std::size_t{known.epoch} + 1);
  if (known.fingerprints.size() <= bound) return;
  auto pruned = outbox_.prune_seen(key, bounds_.keep_newest, bounds_.keep_head);
  if (!pruned) {
    log_warn(kLog,
             "record numbers of " + log_quote(key) + " not pruned: " + describe(pruned.error()));
    return;
  }
  known_.erase(key);  // loaded again, as pruned, on the counter's next reading
}

}  // namespace kotona::gateway
