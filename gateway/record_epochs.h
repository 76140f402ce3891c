// RecordEpochs: gives each reading its record epoch (issue 13). A device whose record counter
// restarts (battery change, factory reset, firmware update) reuses numbers it used before; the
// epoch keeps their reading_uids apart. Epoch 0 leaves the reading as the driver made it (uids
// of readings already stored never change); epoch N > 0 appends ".e{N}" to its record_id, so
// the uid becomes "{gateway}/{serial}/r{record}.e{N}/{kind}" with no wire or server change. A
// number is a restart when this gateway stored it before, in the current epoch, with different
// content; the same content again (a re-sent record) keeps the epoch it was stored under, and a
// number never stored (a gap, or a meter sending newest first) stays in the current epoch. State:
// the outbox's record_seen rows, written in the same transaction as the readings. Io thread only.
//
// Bounded (issue 13): per device counter only the RecordSeenBounds::keep_newest rows stored
// last and the keep_head lowest numbers of each epoch are kept. A device can re-send only what
// is still in its memory, its last M records, which are the last M this hub stored; with
// keep_newest >= M a re-sent record always finds its row and keeps its uid (a row of the
// current epoch that is gone would give the same uid anyway). The epoch heads keep a restart
// (numbers from 1 again) seen after the low numbers aged out.
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

struct RecordSeenBounds {
  // >= the largest record memory of any device on the hub: home meters hold 100-1000 records
  // (BP monitors 100-200 per user, INR meters ~300, glucose meters 500-1000).
  std::size_t keep_newest = 4096;
  std::size_t keep_head = 16;  // per epoch: a counter restart starts at its lowest numbers
};

class RecordEpochs {
 public:
  // REQUIRES: `outbox` outlives this object.
  RecordEpochs(Outbox& outbox, GatewayId gateway, RecordSeenBounds bounds = {});

  // Sets each reading's epoch (record_id suffix) and uid, and returns one outbox entry per reading
  // (with the RecordSeen to store alongside). Call committed() once append() succeeded.
  // Error kIo: the stored record numbers could not be read (nothing changed).
  [[nodiscard]] Result<std::vector<OutboxEntry>> assign(std::span<Reading> readings);
  // The entries of the last assign() are stored: they now count as seen. Prunes a counter's
  // rows once they pass the bounds by a quarter of keep_newest (a failed prune is logged and
  // tried again after the next commit of that counter).
  void committed();

 private:
  struct Known {
    std::uint32_t epoch = 0;  // the device counter's current epoch
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::string> fingerprints;
  };
  [[nodiscard]] Result<Known*> pending(const std::string& key);
  std::optional<RecordSeen> assign_one(Reading& reading, Known& known, const std::string& key,
                                       std::uint64_t number);

  void prune_if_due(const std::string& key, const Known& known);

  Outbox& outbox_;
  GatewayId gateway_;
  RecordSeenBounds bounds_;
  std::map<std::string, Known> known_;    // committed state, loaded per counter on first use
  std::map<std::string, Known> pending_;  // copies changed by the last assign()
};

}  // namespace kotona::gateway
