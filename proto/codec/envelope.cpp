// ReadingBatch, Ack and GatewayStatus: the envelopes around readings (wire.h).
#include "proto/codec/messages.h"
#include "proto/codec/wire.h"

namespace kotona::wire {

namespace {

using namespace detail;

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }
std::int64_t ms(const std::optional<HubTime>& t) { return t ? ms(*t) : 0; }
// 0 on the wire: the sender had no time to give.
std::optional<HubTime> time_or_none(std::int64_t unix_ms) {
  if (unix_ms == 0) return std::nullopt;
  return HubTime{std::chrono::milliseconds{unix_ms}};
}

v1::Disposition to_proto(Disposition d) {
  return static_cast<v1::Disposition>(static_cast<int>(d));
}
static_assert(static_cast<int>(Disposition::kStored) == v1::DISPOSITION_STORED &&
              static_cast<int>(Disposition::kDuplicate) == v1::DISPOSITION_DUPLICATE &&
              static_cast<int>(Disposition::kQuarantined) == v1::DISPOSITION_QUARANTINED &&
              static_cast<int>(Disposition::kRejected) == v1::DISPOSITION_REJECTED);

Disposition from_proto(v1::Disposition d) {
  return v1::Disposition_IsValid(d) ? static_cast<Disposition>(static_cast<int>(d))
                                    : Disposition::kUnspecified;
}

v1::ReadingBatch batch_header(const GatewayId& gateway, std::uint64_t batch_id, HubTime sent,
                              std::uint32_t schema_version) {
  v1::ReadingBatch batch;
  batch.set_schema_version(schema_version);
  batch.set_gateway_id(gateway.value);
  batch.set_batch_id(batch_id);
  batch.set_sent_unix_ms(ms(sent));
  return batch;
}

void put_device(const DeviceStatus& d, v1::DeviceStatus* p) {
  p->set_serial(d.serial);
  p->set_driver(d.driver);
  p->set_port(d.port);
  p->set_state(d.state);
  p->set_last_seen_unix_ms(ms(d.last_seen));
  for (const auto& r : d.refused) {
    auto* refused = p->add_refused();
    refused->set_reason(r.reason);
    refused->set_count(r.count);
    refused->set_last_unix_ms(ms(r.last));
  }
  for (const auto& r : d.skipped) {
    auto* skipped = p->add_skipped();
    skipped->set_reason(r.reason);
    skipped->set_count(r.count);
    skipped->set_since_unix_ms(ms(r.since));
    skipped->set_last_unix_ms(ms(r.last));
  }
  p->set_error(d.error);
  p->set_error_since_unix_ms(ms(d.error_since));
}

DeviceStatus get_device(const v1::DeviceStatus& d) {
  DeviceStatus out{d.serial(), d.driver(), d.port(), d.state(),
                   time_or_none(d.last_seen_unix_ms())};
  for (const auto& r : d.refused()) {
    out.refused.push_back(
        {r.reason(), r.count(), HubTime{std::chrono::milliseconds{r.last_unix_ms()}}});
  }
  for (const auto& r : d.skipped()) {
    out.skipped.push_back({r.reason(), r.count(),
                           HubTime{std::chrono::milliseconds{r.since_unix_ms()}},
                           HubTime{std::chrono::milliseconds{r.last_unix_ms()}}});
  }
  out.error = d.error();
  out.error_since = time_or_none(d.error_since_unix_ms());
  return out;
}

}  // namespace

Result<std::string> encode_batch(const GatewayId& gateway, std::uint64_t batch_id, HubTime sent,
                                 std::span<const std::string> payloads) {
  auto batch = batch_header(gateway, batch_id, sent, kSchemaVersion);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    if (!batch.add_readings()->ParseFromString(payloads[i])) {
      return fail(Errc::kMalformed, i, "outbox payload is not a kotona.v1.Reading");
    }
  }
  return batch.SerializeAsString();
}

std::string encode_batch(const GatewayId& gateway, std::uint64_t batch_id, HubTime sent,
                         const std::vector<Reading>& readings, std::uint32_t schema_version) {
  auto batch = batch_header(gateway, batch_id, sent, schema_version);
  for (const auto& r : readings) to_proto(r, *batch.add_readings());
  return batch.SerializeAsString();
}

Result<Batch> decode_batch(std::string_view bytes) {
  v1::ReadingBatch proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.ReadingBatch");
  }
  if (proto.schema_version() != kSchemaVersion) {
    return fail(Errc::kUnsupported,
                "schema_version " + std::to_string(proto.schema_version()) + ", expected 1");
  }
  if (!is_valid_id_text(proto.gateway_id())) {
    return fail(Errc::kMalformed, "batch gateway_id is not valid id text");
  }
  Batch batch{GatewayId{proto.gateway_id()}, proto.batch_id(), proto.sent_unix_ms(), {}, {}};
  for (const auto& p : proto.readings()) {
    auto reading = from_proto(p);
    if (reading) {
      batch.readings.push_back(std::move(*reading));
    } else {
      batch.rejected.push_back({p.reading_uid(), reading.error(), p.SerializeAsString()});
    }
  }
  return batch;
}

std::string encode_ack(const Ack& ack) {
  v1::Ack out;
  out.set_gateway_id(ack.gateway.value);
  out.set_batch_id(ack.batch_id);
  for (const auto& entry : ack.readings) {
    auto* item = out.add_readings();
    item->set_reading_uid(entry.reading_uid);
    item->set_disposition(to_proto(entry.disposition));
  }
  return out.SerializeAsString();
}

Result<Ack> decode_ack(std::string_view bytes) {
  v1::Ack ack;
  if (!ack.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.Ack");
  }
  if (ack.gateway_id().empty()) return fail(Errc::kMalformed, "ack without gateway_id");
  Ack out{GatewayId{ack.gateway_id()}, ack.batch_id(), {}};
  for (const auto& r : ack.readings()) {
    if (r.reading_uid().empty()) return fail(Errc::kMalformed, "ack entry without reading_uid");
    out.readings.push_back({r.reading_uid(), from_proto(r.disposition())});
  }
  return out;
}

std::string encode_status(const GatewayStatus& status) {
  v1::GatewayStatus s;
  s.set_gateway_id(status.gateway.value);
  s.set_sent_unix_ms(ms(status.sent));
  s.set_software_version(status.software_version);
  s.set_outbox_depth(status.outbox_depth);
  s.set_oldest_unacked_unix_ms(ms(status.oldest_unacked));
  for (const auto& d : status.devices) put_device(d, s.add_devices());
  for (const auto& [name, value] : status.counters) (*s.mutable_counters())[name] = value;
  s.set_uptime_s(status.uptime.count());
  if (status.storage) {
    auto* storage = s.mutable_storage();
    storage->set_state(status.storage->state);
    storage->set_full_since_unix_ms(ms(status.storage->full_since));
    storage->set_available_bytes(status.storage->available_bytes);
    storage->set_reserve_in_place(status.storage->reserve_in_place);
  }
  return s.SerializeAsString();
}

Result<GatewayStatus> decode_status(std::string_view bytes) {
  v1::GatewayStatus p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(Errc::kMalformed, "not a kotona.v1.GatewayStatus");
  }
  if (!is_valid_id_text(p.gateway_id())) {
    return fail(Errc::kMalformed, "status gateway_id is not valid id text");
  }
  GatewayStatus s;
  s.gateway = GatewayId{p.gateway_id()};
  s.sent = HubTime{std::chrono::milliseconds{p.sent_unix_ms()}};
  s.software_version = p.software_version();
  s.outbox_depth = p.outbox_depth();
  s.oldest_unacked = time_or_none(p.oldest_unacked_unix_ms());
  for (const auto& d : p.devices()) s.devices.push_back(get_device(d));
  for (const auto& [name, value] : p.counters()) s.counters[name] = value;
  s.uptime = std::chrono::seconds{p.uptime_s()};
  if (p.has_storage()) {
    s.storage = StorageStatus{p.storage().state(), time_or_none(p.storage().full_since_unix_ms()),
                              p.storage().available_bytes(), p.storage().reserve_in_place()};
  }
  return s;
}

}  // namespace kotona::wire
