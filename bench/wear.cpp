#include "bench/wear.h"

#include "bench/fleet.h"
#include "bench/procfs.h"
#include "core/reading.h"
#include "gateway/outbox/outbox.h"
#include "tests/support/process.h"

namespace kotona::bench {

AppendWear measure_append_wear(int readings) {
  AppendWear out;
  out.readings = readings;
  test::TempDir dir;
  auto outbox = gateway::Outbox::open((dir / "wear.db").string());
  if (!outbox) return out.failure = describe(outbox.error()), out;
  // This thread only: the bench's other threads (Paho) write nothing to the disk, but the
  // count must not depend on it.
  const long long before = io_write_bytes("thread-self");
  for (int i = 0; i < readings; ++i) {
    auto entry = make_backlog_entry(0, i);
    entry.seen = gateway::RecordSeen{"astm_bp/BPB100000/r/bp", 0, static_cast<std::uint64_t>(i + 1),
                                     "sha256:" + std::string(56, 'a')};
    std::vector<gateway::OutboxEntry> one{std::move(entry)};
    if (auto added = (*outbox)->append(one, HubTime{std::chrono::milliseconds{1'790'000'000'000}});
        !added) {
      return out.failure = describe(added.error()), out;
    }
  }
  const long long after = io_write_bytes("thread-self");
  if (before < 0 || after <= before) {
    out.failure = "no write_bytes in /proc/thread-self/io (tmpfs, or no task IO accounting)";
    return out;
  }
  out.measured = true;
  out.write_bytes_per_reading = static_cast<double>(after - before) / readings;
  return out;
}

}  // namespace kotona::bench
