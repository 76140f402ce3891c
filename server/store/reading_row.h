// The reading row reader shared by the ledger's queries and the record outbox: columns 0..10 of
// kReadingColumns, in that order. Private to server/store.
#pragma once

#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

inline constexpr const char* kReadingColumns =
    "reading_uid, patient_id, gateway_id, device_serial, kind, device_time_unix_s, "
    "hub_time_unix_ms, clock_offset_s, values_json, quality_json, provenance_json";

StoredReading row_to_reading(const Statement& s);

}  // namespace kotona::server::store
