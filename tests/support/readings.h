// Readings as a hub sends them, for store and ingest tests: one helper instead of a copy per
// test file. Pure; thread-safe.
#pragma once

#include <string>

#include "core/ids.h"
#include "core/reading.h"

namespace kotona::test {

// Device `serial`'s record `record` on hub `gateway`, measured at `measured` by a device
// clock that agrees with the hub's (device_time: `measured` to the second), finalized
// (gateway, uid) as the hub does.
Reading reading_of(const GatewayId& gateway, const std::string& serial, const std::string& record,
                   Measurement measurement, HubTime measured);
// A blood pressure (pulse 70, no mean) the same way.
Reading bp(const GatewayId& gateway, const std::string& serial, const std::string& record,
           double systolic, double diastolic, HubTime measured);

}  // namespace kotona::test
