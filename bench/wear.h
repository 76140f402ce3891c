// Flash wear (issue 22): the bytes a hub writes to its storage per reading. A hub's flash
// wears with every page written, so the budget is bytes per reading over its whole life in the
// outbox: the append that captures it and the delete after the server's ack. Measured from
// /proc (procfs.h io_write_bytes), on real SQLite files, in the same run as the drain.
#pragma once

#include <string>

namespace kotona::bench {

struct AppendWear {
  bool measured = false;
  long readings = 0;
  double write_bytes_per_reading = 0;  // storage pages dirtied (flash writes)
  std::string failure;
};

// Appends `readings` readings to a fresh outbox one per transaction, as the gateway commits a
// meter's records (each with its record-counter row), and measures the bytes written.
AppendWear measure_append_wear(int readings);

// The budget, in two gates, because they wear for different reasons: the append (a few pages
// per commit: the row, its unique index, the record row, and their checkpoint copies; measured
// 2026-12-06: ~29 KB) and the drain (deletes of 100 acked rows per commit, and sending, which
// must write nothing: ~1.2 KB). A send path that writes again per batch shows in the second.
// Bytes, not time, so unlike the other gates they do not move with the machine's load: the
// bench asserts them.
constexpr double kAppendBudgetBytesPerReading = 40 * 1024;
constexpr double kDrainBudgetBytesPerReading = 2 * 1024;

}  // namespace kotona::bench
