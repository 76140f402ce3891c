// What the server does with a batch the wire codec (proto/codec/wire.h) decoded: readings
// whose hub clock was wrong are moved into the server's time frame and flagged, and the Ack
// names every outcome. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "server/store/types.h"

namespace kotona::server::ingest {

// wire::decode_batch, then each valid reading whose hub time is before 2020 or more than a day
// ahead of `now` is moved into the server's frame and flagged clock_suspect (never rejected:
// that lost readings, docs/reliability.md). Errors: those of wire::decode_batch.
[[nodiscard]] Result<store::Batch> decode_batch(std::string_view bytes, HubTime now);

// The Ack listing every outcome that has a uid (a conflict is acked as stored: it was, under a
// derived uid).
std::string encode_ack(const GatewayId& gateway, std::uint64_t batch_id,
                       const std::vector<store::ReadingOutcome>& outcomes);

}  // namespace kotona::server::ingest
