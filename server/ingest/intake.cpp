#include "server/ingest/intake.h"

#include "proto/codec/wire.h"

namespace kotona::server::ingest {

namespace {

constexpr std::int64_t kEarliestHubMs = 1'577'836'800'000;  // 2020-01-01T00:00:00Z
constexpr std::int64_t kMaxHubAheadMs = 24LL * 3600 * 1000;

bool plausible_hub_ms(std::int64_t hub, HubTime now) {
  return hub >= kEarliestHubMs && hub <= now.time_since_epoch().count() + kMaxHubAheadMs;
}

// The hub clock was wrong when it stamped this reading (before 2020 or more than a day ahead
// of the server: a dead RTC, a bad NTP step). Rejecting it would lose a good measurement, so
// the times are moved into the server's frame instead and the reading is flagged
// clock_suspect: shifted by the batch's own skew (sent time vs server receive time, same hub
// clock) when the batch time is wrong too, else pinned to the receive time (the clock was
// fixed between measuring and sending; the reading is no newer than its arrival).
void rebase_hub_clock(Reading& r, HubTime now, std::optional<std::chrono::milliseconds> skew) {
  if (plausible_hub_ms(r.hub_time.time_since_epoch().count(), now)) return;
  r.quality.clock_suspect = true;
  if (skew) {
    r.hub_time -= *skew;
    if (r.clock_offset) {
      r.clock_offset = *r.clock_offset - std::chrono::duration_cast<std::chrono::seconds>(*skew);
    }
  } else {
    r.hub_time = now;
    r.clock_offset.reset();  // relative to a clock we no longer trust
  }
}

wire::Disposition to_wire(store::Disposition d) {
  switch (d) {
    case store::Disposition::kStored:
    case store::Disposition::kConflict:  // stored, under a derived uid
      return wire::Disposition::kStored;
    case store::Disposition::kDuplicate:
      return wire::Disposition::kDuplicate;
    case store::Disposition::kQuarantined:
      return wire::Disposition::kQuarantined;
    case store::Disposition::kRejected:
      return wire::Disposition::kRejected;
  }
  return wire::Disposition::kUnspecified;
}

}  // namespace

Result<store::Batch> decode_batch(std::string_view bytes, HubTime now) {
  auto wire_batch = wire::decode_batch(bytes);
  if (!wire_batch) return fail(wire_batch.error());
  store::Batch batch;
  batch.gateway = wire_batch->gateway;
  batch.batch_id = wire_batch->batch_id;
  std::optional<std::chrono::milliseconds> skew;
  const auto sent = wire_batch->sent_unix_ms;
  if (sent != 0 && !plausible_hub_ms(sent, now)) {
    skew = std::chrono::milliseconds(sent - now.time_since_epoch().count());
  }
  // The decoded vector itself, not each reading moved into a growing one (issue 15: its
  // reallocations were ~4 % of the server's CPU draining a backlog).
  batch.readings = std::move(wire_batch->readings);
  for (auto& r : batch.readings) rebase_hub_clock(r, now, skew);
  for (auto& r : wire_batch->rejected) {
    batch.rejected.push_back({std::move(r.reading_uid), std::move(r.error), std::move(r.payload)});
  }
  return batch;
}

std::string encode_ack(const GatewayId& gateway, std::uint64_t batch_id,
                       const std::vector<store::ReadingOutcome>& outcomes) {
  wire::Ack ack{gateway, batch_id, {}};  // every uid, duplicates included
  for (const auto& o : outcomes) {
    if (!o.reading_uid.empty()) ack.readings.push_back({o.reading_uid, to_wire(o.disposition)});
  }
  return wire::encode_ack(ack);
}

}  // namespace kotona::server::ingest
