// The hub's heartbeat types are the wire codec's (proto/codec/wire.h): hub and server share one
// definition of GatewayStatus (issue 16 step 2). The gateway's names for them.
#pragma once

#include "proto/codec/wire.h"

namespace kotona::gateway {

using GatewayStatusInfo = wire::GatewayStatus;
using DeviceStatusInfo = wire::DeviceStatus;
using RefusedInfo = wire::RefusedRecords;
using StorageStatusInfo = wire::StorageStatus;

}  // namespace kotona::gateway
