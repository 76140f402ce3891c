#include "gateway/gateway.h"

#include "core/crash_point.h"
#include "core/log.h"
#include "drivers/registry/registry.h"
#include "gateway/hid_discovery.h"
#include "gateway/serial_discovery.h"
#include "proto/codec/wire.h"

namespace kotona::gateway {

namespace {
constexpr std::string_view kLog = "gateway";
constexpr std::string_view kSoftwareVersion = "0.1.0";

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

UplinkOptions uplink_options(const GatewayConfig& c) {
  UplinkOptions o;
  o.gateway = c.gateway_id;
  o.mqtt_uri = c.mqtt_uri;
  o.tls_ca = c.tls_ca;
  o.tls_cert = c.tls_cert;
  o.tls_key = c.tls_key;
  o.ack_timeout = c.ack_timeout;
  o.batch_max_readings = c.batch_max_readings;
  o.max_inflight_readings = c.max_inflight_readings;
  o.reconnect_min = c.reconnect_min;
  o.reconnect_max = c.reconnect_max;
  return o;
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::create(boost::asio::io_context& io,
                                                 GatewayConfig config) {
  auto outbox = Outbox::open(config.outbox_path, OutboxOptions{config.outbox_reserve_bytes});
  if (!outbox) return fail(outbox.error());
  return std::unique_ptr<Gateway>(new Gateway(io, std::move(config), std::move(*outbox)));
}

Gateway::Gateway(boost::asio::io_context& io, GatewayConfig config, std::unique_ptr<Outbox> outbox)
    : io_(io),
      config_(std::move(config)),
      outbox_(std::move(outbox)),
      epochs_(*outbox_, config_.gateway_id),
      uplink_(io, uplink_options(config_), *outbox_, counters_),
      devices_(io, config_.gateway_id,
               StepHooks{[this](std::span<const Reading> r, const std::optional<OutboxCursor>& c) {
                           return commit(r, c);
                         },
                         [this] { uplink_.poke(); }},
               counters_),
      manual_(
          config_.gateway_id,
          [this](std::span<const Reading> r) -> Result<void> {
            auto done = commit(r);
            if (done) uplink_.poke();
            return done;
          },
          counters_),
      status_timer_(io) {
  if (!config_.ble_adapter.empty()) {
    ble_ = std::make_unique<BleDevices>(
        io, config_.gateway_id,
        BleSettings{config_.ble_bus, config_.ble_adapter, config_.ble_drivers, config_.ble_retry,
                    config_.ble_rescan, std::chrono::seconds(30), config_.ble_pair},
        BleHooks{[this](std::span<const Reading> r, const std::optional<OutboxCursor>& c) {
                   return commit(r, c);
                 },
                 [this](const std::string& driver, const std::string& address) {
                   return outbox_->load_cursor(driver, address);
                 },
                 [this] { uplink_.poke(); }},
        counters_);
  }
}

Gateway::~Gateway() { stop(); }

void Gateway::start() {
  log_info(kLog, "gateway " + config_.gateway_id.value + " starting with " +
                     std::to_string(config_.devices.size()) + " devices");
  uplink_.start();
  for (const auto& spec : config_.devices) devices_.add(spec);
  devices_.watch(make_serial_by_id_source(config_.serial_by_id_dir, config_.by_id_drivers));
  devices_.watch(make_hid_source(config_.hid_sysfs_dir, config_.hid_dev_dir, config_.hid_drivers));
  if (ble_) ble_->start();
  arm_status_timer();
}

void Gateway::stop() {
  if (stopping_) return;
  stopping_ = true;
  status_timer_.cancel();
  devices_.stop();
  if (ble_) ble_->stop();
  uplink_.stop();
}

Result<void> Gateway::commit(std::span<const Reading> readings,
                             const std::optional<OutboxCursor>& cursor) {
  std::vector<Reading> numbered(readings.begin(), readings.end());
  auto entries = epochs_.assign(numbered);
  if (!entries) return fail(entries.error());
  auto added = outbox_->append(*entries, now_ms(), cursor);
  if (!added) {
    // The heartbeat says so at once, not up to status_interval later (issue 22).
    if (storage_state_ != "full" && outbox_->storage().full) publish_status();
    return fail(added.error());
  }
  epochs_.committed();
  crash_point("gateway.after_outbox_commit");
  if (*added < entries->size()) counters_.add("readings_duplicate", entries->size() - *added);
  // The device readings' values, for manual entry's "far from recent" question (typed ones are
  // noted by ManualEntry itself).
  for (const auto& r : readings) {
    if (r.provenance.source == EntrySource::kDevice) manual_.recent_note(r);
  }
  return {};
}

void Gateway::arm_status_timer() {
  if (stopping_) return;
  status_timer_.expires_after(config_.status_interval);
  status_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    publish_status();
    arm_status_timer();
  });
}

wire::StorageStatus Gateway::storage_status() {
  const OutboxStorage disk = outbox_->storage();
  // Kept until a heartbeat has carried it: a disk full between two heartbeats, or while the
  // broker was away, is still reported once.
  if (disk.full && !full_latched_) full_latched_ = disk.full_since;
  full_now_ = disk.full;
  wire::StorageStatus out;
  out.state = full_latched_                                     ? "full"
              : disk.available_bytes < config_.outbox_low_bytes ? "low"
                                                                : "ok";
  out.full_since = full_latched_;
  out.available_bytes = disk.available_bytes;
  out.reserve_in_place = disk.reserve_in_place;
  if (out.state != storage_state_) {  // logged once per change, not per heartbeat
    auto line = "outbox disk " + out.state + ": " + std::to_string(disk.available_bytes / 1024) +
                " KiB left, reserve " + (disk.reserve_in_place ? "in place" : "spent");
    if (out.state == "ok") {
      log_info(kLog, line);
    } else {
      log_warn(kLog, line);
    }
    storage_state_ = out.state;
  }
  return out;
}

bool Gateway::open_pairing_window(std::chrono::seconds length) {
  if (!ble_) return false;
  (void)ble_->open_pairing_window(length);
  return true;
}

local_page::HubView Gateway::hub_view() {
  local_page::HubView view;
  view.gateway_id = config_.gateway_id.value;
  auto devices = devices_.statuses();
  if (ble_) {
    for (auto& d : ble_->statuses()) devices.push_back(std::move(d));
  }
  for (const auto& d : devices) {
    local_page::HubView::Device shown;
    shown.name = d.serial.empty() ? d.port : d.serial;
    if (const auto* driver = drivers::find_driver(d.driver)) shown.kind = driver->kind;
    if (d.last_seen) shown.last_read = *d.last_seen;
    view.devices.push_back(std::move(shown));
  }
  if (auto depth = outbox_->depth()) view.waiting = static_cast<std::size_t>(*depth);
  view.has_ble = ble_ != nullptr;
  view.pairing = is_pairing();
  return view;
}

void Gateway::publish_status() {
  wire::GatewayStatus status;
  status.gateway = config_.gateway_id;
  status.sent = now_ms();
  status.software_version = std::string(kSoftwareVersion);
  if (auto depth = outbox_->depth()) status.outbox_depth = *depth;
  if (auto oldest = outbox_->oldest_created()) status.oldest_unacked = *oldest;
  status.devices = devices_.statuses();
  if (ble_) {
    for (auto& d : ble_->statuses()) status.devices.push_back(std::move(d));
  }
  status.counters = counters_.snapshot();
  status.uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  status.storage = storage_status();
  uplink_.publish_status(wire::encode_status(status));
  if (uplink_.is_connected() && !full_now_) full_latched_.reset();
}

}  // namespace kotona::gateway
