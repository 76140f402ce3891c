// TechnicalStore: the store's record of the delivery chain (issue 16): hub heartbeats
// (gateway_status), what the technical checks read (the newest reading per device, the
// patients a hub serves, the last measurement per kind) and the external counters the server
// has acted on (counters_seen). Borrows the store's Database; not thread-safe: io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "server/alerts/technical.h"
#include "server/store/database.h"
#include "server/store/types.h"

namespace kotona::server::store {

class TechnicalStore {
 public:
  explicit TechnicalStore(Database& db) : db_(db) {}
  TechnicalStore(const TechnicalStore&) = delete;
  TechnicalStore& operator=(const TechnicalStore&) = delete;

  // A hub's latest heartbeat (one row per hub). Errors: kIo.
  [[nodiscard]] Result<void> upsert_gateway_status(const GatewayStatusRow& row);
  // Several hubs' heartbeats in ONE transaction (the ingest coalesces them: one commit per
  // flush, not per message; issue 15). All or none. Errors: kIo.
  [[nodiscard]] Result<void> upsert_gateway_statuses(const std::vector<GatewayStatusRow>& rows);
  [[nodiscard]] Result<std::optional<GatewayStatusRow>> gateway_status(const GatewayId& gateway);
  // Every gateway heard from or enrolled, with its last heartbeat and current patients.
  [[nodiscard]] Result<std::vector<alerts::GatewayView>> gateway_views(HubTime now);
  // The patients enrolled on the hub at `now`, by id.
  [[nodiscard]] Result<std::vector<PatientId>> patients_on(const GatewayId& gateway, HubTime now);
  // Server receive time of the newest reading of that device; nullopt if none.
  [[nodiscard]] Result<std::optional<HubTime>> last_reading_received(const GatewayId& gateway,
                                                                     const DeviceSerial& serial);
  // The patient the device is enrolled to at `now`.
  [[nodiscard]] Result<std::optional<PatientId>> patient_now(const GatewayId& gateway,
                                                             const DeviceSerial& serial,
                                                             HubTime now);
  // Measured time of the patient's newest reading of `kind` ("inr", ...); nullopt if none.
  [[nodiscard]] Result<std::optional<HubTime>> last_measured(const PatientId& patient,
                                                             std::string_view kind);
  // Last value of an external counter the server has acted on (e.g. the broker's dropped
  // messages), surviving restarts.
  [[nodiscard]] Result<std::optional<std::uint64_t>> seen_counter(std::string_view name);
  [[nodiscard]] Result<void> set_seen_counter(std::string_view name, std::uint64_t value);

 private:
  Database& db_;
};

}  // namespace kotona::server::store
