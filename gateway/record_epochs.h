// RecordEpochs: gives each reading its record epoch (issue 13). A device whose record counter
// restarts (battery change, factory reset, firmware update) reuses numbers it used before; the
// epoch keeps their reading_uids apart. Epoch 0 leaves the reading as the driver made it (uids
// of readings already stored never change); epoch N > 0 appends ".e{N}" to its record_id, so
// the uid becomes "{gateway}/{serial}/r{record}.e{N}/{kind}" with no wire or server change. A
// number is a restart when this gateway stored it before, in the current epoch, with different
// content; the same content again (a re-sent record) keeps the epoch it was stored under, and a
// number never stored (a gap, or a meter sending newest first) stays in the current epoch. State:
// the outbox's record_seen rows, written in the same transaction as the readings. Io thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "gateway/outbox/outbox.h"

namespace kotona::gateway {

// A record number the device counts up, and the counter it belongs to ("" for the device's one
// counter).
struct RecordNumber {
  std::string counter;
  std::uint64_t number = 0;
};

// The record number in `reading`'s record_id, by its driver's record_id form: ble_glucose
// "<sequence>-<base time>", implant_relay "<relay serial>-<summary number>" (the relay's
// counter), every other driver a record_id of 1..18 decimal digits (ASTM O.3). nullopt: none.
// TODO(uid): move these forms into DriverDescriptor when drivers/api next changes.
std::optional<RecordNumber> record_number_of(const Reading& reading);

// What identifies a record's content across re-sends: the encoded reading without uid,
// gateway, device identity, hub time, clock offset and hub-made clock flags. Hex text.
std::string record_fingerprint(const Reading& reading);

class RecordEpochs {
 public:
  // REQUIRES: `outbox` outlives this object.
  RecordEpochs(Outbox& outbox, GatewayId gateway);

  // Sets each reading's epoch (record_id suffix) and uid, and returns one outbox entry per reading
  // (with the RecordSeen to store alongside). Call committed() once append() succeeded.
  // Error kIo: the stored record numbers could not be read (nothing changed).
  [[nodiscard]] Result<std::vector<OutboxEntry>> assign(std::span<Reading> readings);
  // The entries of the last assign() are stored: they now count as seen.
  void committed();

 private:
  struct Known {
    std::uint32_t epoch = 0;  // the device counter's current epoch
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::string> fingerprints;
  };
  [[nodiscard]] Result<Known*> pending(const std::string& key);
  std::optional<RecordSeen> assign_one(Reading& reading, Known& known, const std::string& key,
                                       std::uint64_t number);

  Outbox& outbox_;
  GatewayId gateway_;
  std::map<std::string, Known> known_;    // committed state, loaded per counter on first use
  std::map<std::string, Known> pending_;  // copies changed by the last assign()
};

}  // namespace kotona::gateway
