// Text the ingest writes: a GatewayStatus as the JSON the store keeps, and the one log line per
// batch that quarantined anything (issue 13). Private to server/ingest.
#pragma once

#include <string>

#include "core/ids.h"
#include "proto/codec/wire.h"
#include "server/store/types.h"

namespace kotona::server::ingest {

std::string status_json(const wire::GatewayStatus& s);

// "quarantined: batch 7 of gateway 'gw-1': not_enrolled device 'BP9' x2", each reason with its
// devices and how many readings; empty when nothing was quarantined. Every external string is
// quoted (log_quote).
std::string quarantine_summary(const GatewayId& gateway, const store::Batch& batch,
                               const store::BatchOutcome& outcome);

}  // namespace kotona::server::ingest
