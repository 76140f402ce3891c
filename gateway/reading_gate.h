// The hub's check of every reading a driver hands it, before the outbox (issue 21): a driver
// built outside the tree (a plugin) is not reviewed with the tree, and a reading the rest of
// the system cannot hold (no serial, a kind no table row has, a value that is not a finite
// number) would otherwise stop the hub (core's invariant checks) or poison the uplink. A
// refused reading is counted, logged and reported like a refused record (invariant 13).
// Pure; thread-safe.
#pragma once

#include "core/reading.h"
#include "core/result.h"

namespace kotona::gateway {

// Ok when the rest of the hub can take `reading`. Errors: kMalformed for an empty device
// serial, a generic measurement whose kind is no generic row of the kind table or whose values
// make_measurement refuses; kOutOfRange for a value that is not finite or beyond 1e6 in its
// unit (no quantity comes near it: proto/codec/reading_decode.cpp refuses the same).
[[nodiscard]] Result<void> check_driver_reading(const Reading& reading);

}  // namespace kotona::gateway
