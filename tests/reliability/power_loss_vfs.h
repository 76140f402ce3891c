// A SQLite VFS shim that models a disk with a volatile write cache, for power-loss tests of
// the gateway outbox. Registered as the default VFS, it passes everything to the real VFS and
// remembers, per file, the content as of its last xSync ("durable") and the writes since.
// At the k-th xSync (or, in CutAt::kWrite mode, the k-th write) it "loses power": that call
// fails and every later write fails. Then
// apply_power_loss() rewrites each file as the disk would hold it after the cut: durable
// content plus each later write independently kept, dropped or garbled (torn). The -shm file
// (shared memory, not a disk file) is removed. Test code; not thread-safe; one connection.
#pragma once

#include <cstdint>
#include <random>

namespace kotona::reliability {

struct PowerLossStats {
  std::int64_t syncs = 0;         // xSync calls that reached the disk model
  std::int64_t writes = 0;        // xWrite / xTruncate calls on modelled files
  std::int64_t kept = 0;          // unsynced writes that survived the cut
  std::int64_t dropped = 0;
  std::int64_t garbled = 0;
};

// Installs the shim as the default VFS (idempotent).
void install_power_loss_vfs();
// Where the power goes: before the k-th xSync completes, or before the k-th xWrite/xTruncate
// (a cut between syncs, which is where a commit that never synced is lost).
enum class CutAt { kSync, kWrite };

// Starts a new "boot": forgets tracked files; crash at the k-th sync (or write) from now
// (0: never). `ignore_syncs` models a lying disk: syncs never make anything durable (the
// negative control that proves the checker can see a loss).
void arm_power_loss(std::int64_t crash_at, bool ignore_syncs = false, CutAt at = CutAt::kSync);
bool power_lost();
// After the connection is closed: write the post-cut image of every tracked file.
void apply_power_loss(std::mt19937& rng);
PowerLossStats power_loss_stats();

}  // namespace kotona::reliability
