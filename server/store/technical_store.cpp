// TechnicalStore (technical_store.h): what the server knows of each hub, the newest reading per
// device, the broker counters seen.
#include "server/store/technical_store.h"

#include <boost/json.hpp>

#include "server/alerts/plausibility.h"
#include "server/alerts/update_alerts.h"
#include "server/store/reading_json.h"

namespace kotona::server::store {

namespace {

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
HubTime from_ms(std::int64_t v) { return HubTime{std::chrono::milliseconds{v}}; }

std::int64_t int_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

std::string text_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<std::vector<PatientId>> TechnicalStore::patients_on(const GatewayId& gateway, HubTime now) {
  auto stmt = db_.prepare(
      "SELECT DISTINCT patient_id FROM enrolment WHERE gateway_id = ? AND "
      "valid_from_unix_ms <= ? AND (valid_to_unix_ms IS NULL OR valid_to_unix_ms > ?) "
      "ORDER BY patient_id");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, ms(now)).bind(3, ms(now));
  std::vector<PatientId> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(PatientId{stmt->column_text(0)});
  }
  return out;
}

namespace {
// One device of a stored heartbeat, with the records the hub refused (issue 13), its current
// run of skipped values and, in state "error", why and since when.
alerts::GatewayView::Device device_view(const boost::json::object& d) {
  alerts::GatewayView::Device out{text_field(d, "serial"), text_field(d, "state"),
                                  int_field(d, "last_seen_unix_ms")};
  out.port = text_field(d, "port");
  if (const auto* refused = d.if_contains("refused"); refused && refused->is_array()) {
    for (const auto& r : refused->as_array()) {
      if (!r.is_object()) continue;
      out.refused.push_back({text_field(r.as_object(), "reason"),
                             static_cast<std::uint64_t>(int_field(r.as_object(), "count")),
                             int_field(r.as_object(), "last_unix_ms")});
    }
  }
  if (const auto* skipped = d.if_contains("skipped"); skipped && skipped->is_array()) {
    for (const auto& r : skipped->as_array()) {
      if (!r.is_object()) continue;
      const auto& o = r.as_object();
      out.skipped.push_back({text_field(o, "reason"),
                             static_cast<std::uint64_t>(int_field(o, "count")),
                             int_field(o, "since_unix_ms"), int_field(o, "last_unix_ms")});
    }
  }
  out.error = text_field(d, "error");
  out.error_since_unix_ms = int_field(d, "error_since_unix_ms");
  return out;
}
// The heartbeat's total for `counter`; 0 when absent. nullopt: not a count we can read.
std::optional<std::uint64_t> total_of(const boost::json::object& status, std::string_view counter) {
  const auto* counters = status.if_contains("counters");
  if (counters == nullptr) return std::uint64_t{0};
  if (!counters->is_object()) return std::nullopt;
  const auto* v = counters->as_object().if_contains(counter);
  if (v == nullptr) return std::uint64_t{0};
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}
}  // namespace

Result<std::vector<alerts::GatewayView>> TechnicalStore::gateway_views(HubTime now) {
  // Every gateway with a heartbeat, and every gateway with an enrolment (never heard yet).
  auto stmt = db_.prepare(
      "SELECT g.gateway_id, s.last_seen_unix_ms, s.outbox_depth, s.status_json FROM "
      "(SELECT gateway_id FROM gateway_status UNION SELECT gateway_id FROM enrolment) g "
      "LEFT JOIN gateway_status s ON s.gateway_id = g.gateway_id ORDER BY g.gateway_id");
  if (!stmt) return fail(stmt.error());
  std::vector<alerts::GatewayView> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    alerts::GatewayView g;
    g.gateway = GatewayId{stmt->column_text(0)};
    if (!stmt->column_is_null(1)) {
      g.last_heard = from_ms(stmt->column_int(1));
      g.outbox_depth = static_cast<std::uint64_t>(stmt->column_int(2));
      boost::system::error_code ec;
      auto parsed = boost::json::parse(stmt->column_text(3), ec);
      if (!ec && parsed.is_object()) {
        const auto& o = parsed.as_object();
        g.status_sent_unix_ms = int_field(o, "sent_unix_ms");
        g.oldest_unacked_unix_ms = int_field(o, "oldest_unacked_unix_ms");
        g.update_rolled_back = total_of(o, alerts::kRolledBackCounter);
        g.update_rollback_failed = total_of(o, alerts::kRollbackFailedCounter);
        if (const auto* s = o.if_contains("storage"); s && s->is_object()) {
          g.storage_state = text_field(s->as_object(), "state");
          g.storage_full_since_unix_ms = int_field(s->as_object(), "full_since_unix_ms");
          g.storage_available_bytes =
              static_cast<std::uint64_t>(int_field(s->as_object(), "available_bytes"));
        }
        if (const auto* devices = o.if_contains("devices"); devices && devices->is_array()) {
          for (const auto& d : devices->as_array()) {
            if (!d.is_object()) continue;
            g.devices.push_back(device_view(d.as_object()));
          }
        }
      }
    }
    out.push_back(std::move(g));
  }
  for (auto& g : out) {
    auto patients = patients_on(g.gateway, now);
    if (!patients) return fail(patients.error());
    g.patients = std::move(*patients);
  }
  return out;
}

Result<std::optional<HubTime>> TechnicalStore::last_reading_received(const GatewayId& gateway,
                                                                     const DeviceSerial& serial) {
  auto stmt = db_.prepare(
      "SELECT last_received_unix_ms FROM reading_devices WHERE gateway_id = ? AND "
      "device_serial = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, serial.value);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row || stmt->column_is_null(0)) return std::optional<HubTime>{};
  return std::optional<HubTime>{from_ms(stmt->column_int(0))};
}

Result<std::optional<HubTime>> TechnicalStore::last_measured(const PatientId& patient,
                                                             std::string_view kind) {
  auto stmt =
      db_.prepare("SELECT MAX(measured_unix_ms) FROM readings WHERE patient_id = ? AND kind = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, patient.value).bind(2, kind);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row || stmt->column_is_null(0)) return std::optional<HubTime>{};
  return std::optional<HubTime>{from_ms(stmt->column_int(0))};
}

Result<std::optional<PatientId>> TechnicalStore::patient_now(const GatewayId& gateway,
                                                             const DeviceSerial& serial,
                                                             HubTime now) {
  auto stmt = db_.prepare(
      "SELECT patient_id FROM enrolment WHERE gateway_id = ? AND device_serial = ? AND "
      "valid_from_unix_ms <= ? AND (valid_to_unix_ms IS NULL OR valid_to_unix_ms > ?) "
      "ORDER BY valid_from_unix_ms DESC LIMIT 1");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value).bind(2, serial.value).bind(3, ms(now)).bind(4, ms(now));
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<PatientId>{};
  return std::optional<PatientId>{PatientId{stmt->column_text(0)}};
}

Result<std::optional<std::uint64_t>> TechnicalStore::seen_counter(std::string_view name) {
  auto stmt = db_.prepare("SELECT value FROM counters_seen WHERE name = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, name);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(stmt->column_int(0))};
}

Result<void> TechnicalStore::set_seen_counter(std::string_view name, std::uint64_t value) {
  auto stmt = db_.prepare(
      "INSERT INTO counters_seen(name, value) VALUES(?, ?) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, name).bind(2, static_cast<std::int64_t>(value));
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<void> TechnicalStore::upsert_gateway_status(const GatewayStatusRow& row) {
  auto stmt = db_.prepare(
      "INSERT INTO gateway_status(gateway_id, last_seen_unix_ms, outbox_depth, status_json) "
      "VALUES(?,?,?,?) ON CONFLICT(gateway_id) DO UPDATE SET "
      "last_seen_unix_ms = excluded.last_seen_unix_ms, outbox_depth = excluded.outbox_depth, "
      "status_json = excluded.status_json");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, row.gateway.value).bind(2, ms(row.last_seen));
  stmt->bind(3, static_cast<std::int64_t>(row.outbox_depth)).bind(4, row.status_json);
  if (auto r = stmt->step(); !r) return fail(r.error());
  return {};
}

Result<void> TechnicalStore::upsert_gateway_statuses(const std::vector<GatewayStatusRow>& rows) {
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  for (const auto& row : rows) {
    if (auto r = upsert_gateway_status(row); !r) return r;
  }
  return transaction.commit();
}

Result<std::optional<GatewayStatusRow>> TechnicalStore::gateway_status(const GatewayId& gateway) {
  auto stmt = db_.prepare(
      "SELECT last_seen_unix_ms, outbox_depth, status_json FROM gateway_status "
      "WHERE gateway_id = ?");
  if (!stmt) return fail(stmt.error());
  stmt->bind(1, gateway.value);
  auto row = stmt->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<GatewayStatusRow>{};
  return std::optional<GatewayStatusRow>{
      GatewayStatusRow{gateway, from_ms(stmt->column_int(0)),
                       static_cast<std::uint64_t>(stmt->column_int(1)), stmt->column_text(2)}};
}

}  // namespace kotona::server::store
