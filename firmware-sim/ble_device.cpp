#include "firmware-sim/ble_device.h"

#include <algorithm>
#include <fstream>

#include "core/log.h"

namespace kotona::firmware_sim {

namespace {
constexpr std::string_view kLog = "firmware-sim";
constexpr std::uint16_t kRacp = 0x2A52;
constexpr std::uint16_t kCurrentTime = 0x2A2B;
// RACP op codes and response codes (GLS 1.0.1 §3.4).
constexpr std::uint8_t kReport = 0x01, kDelete = 0x02, kAbort = 0x03, kReportNumber = 0x04;
constexpr std::uint8_t kSuccess = 0x01, kOpNotSupported = 0x02, kOperatorNotSupported = 0x04,
                       kInvalidOperand = 0x05, kNoRecords = 0x06;
// ATT application errors (Core Supplement part B §1.2, GLS §3.4).
constexpr std::uint8_t kCccdImproper = 0xFD, kAlreadyInProgress = 0xFE, kDataIgnored = 0x80;

CharSpec ch(std::uint16_t uuid, std::vector<std::string> flags, bool needs_bond = false) {
  return CharSpec{uuid, std::move(flags), needs_bond};
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

BleDevice::BleDevice(BleOptions options, const std::atomic<bool>& stop)
    : options_(std::move(options)), stop_(stop), next_sequence_(options_.first_sequence) {}

BleDevice::~BleDevice() { unplug(); }

PeripheralSpec BleDevice::make_spec() const {
  const BleProfile& profile = *options_.profile;
  PeripheralSpec spec;
  spec.address = options_.address;
  spec.name = options_.model;
  spec.bonded = options_.bonded;
  spec.advertised_service = profile.service;
  spec.services.push_back({profile.service, profile.characteristics});
  spec.services.push_back(
      {0x180A,
       {ch(0x2A29, {"read"}), ch(0x2A24, {"read"}), ch(0x2A25, {"read"}), ch(0x2A26, {"read"})}});
  if (profile.has_clock) {
    spec.services.push_back({0x1805, {ch(kCurrentTime, {"read", "write", "notify"})}});
  }
  return spec;
}

Result<void> BleDevice::plug() {
  auto server = BluezServer::open(options_.bus, options_.adapter);
  if (!server) return fail(server.error());
  server_ = std::move(*server);
  server_->set_connect_fail_delay(std::chrono::milliseconds(500));
  peripheral_ = &server_->add(make_spec(), *this);
  log_info(kLog, options_.device + " " + options_.serial + (options_.bonded ? " (bonded)" : "") +
                     " clock offset " + std::to_string(options_.clock_offset.count()) + " s");
  log_info(kLog, "device ready on " + options_.bus + " " + options_.address);
  return {};
}

void BleDevice::unplug() {
  peripheral_ = nullptr;
  server_.reset();
}

std::chrono::sys_seconds BleDevice::device_now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
         options_.clock_offset;
}

Result<void> BleDevice::run() {
  for (const auto& step : options_.script) {
    if (stop_) break;
    run_step(step);
  }
  while (!stop_) serve(std::chrono::milliseconds(200));
  return {};
}

void BleDevice::run_step(const BleStep& step) {
  using K = BleStep::Kind;
  switch (step.kind) {
    case K::kMeasure:
      measure(step, device_now());
      break;
    case K::kWait:
      serve(step.duration);
      break;
    case K::kBurst: {
      const auto now = device_now();
      const auto n = static_cast<long>(step.count);
      for (long i = 0; i < n; ++i) {
        const double k = static_cast<double>(i % 10);
        BleStep value{BleStep::Kind::kMeasure};
        value.a = 120 + k;
        value.b = 80 + k;
        value.c = 60 + k;
        measure(value, now - std::chrono::minutes(n - i));
      }
      burst_ = step.count;
      log_info(kLog, "burst of " + std::to_string(step.count) + " stored");
      break;
    }
    case K::kDropAfter:
      drop_after_ = step.count;
      break;
    case K::kBondLost:
      peripheral_->set_bond_lost(true);
      peripheral_->set_pairing_mode(false);
      log_info(kLog, "bond lost: the device forgot the hub's keys");
      break;
    case K::kPairingMode:
      peripheral_->set_pairing_mode(true);
      log_info(kLog, "pairing mode");
      break;
    case K::kDropLink:
      peripheral_->drop_link();
      break;
    case K::kResetCounter:
      // Factory reset / battery change (issue 13): the stored records are gone and the next
      // one is numbered 1 again; the clock runs on.
      memory_.clear();
      next_sequence_ = 1;
      log_info(kLog, "record counter reset: memory cleared, the next record is 1");
      break;
    case K::kHold:
      while (!stop_) serve(std::chrono::milliseconds(200));
      break;
  }
  update_advertising();
}

void BleDevice::serve(std::chrono::milliseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (!stop_ && std::chrono::steady_clock::now() < end) {
    server_->run_for(std::min(duration, std::chrono::milliseconds(100)));
    if (peripheral_->is_connected() && !pumping_ && outgoing_.empty() &&
        std::chrono::steady_clock::now() - last_activity_ > options_.idle_disconnect) {
      log_info(kLog, "idle: the device ends the connection");
      peripheral_->drop_link();
    }
  }
}

void BleDevice::measure(const BleStep& step, std::chrono::sys_seconds time) {
  Record r{{next_sequence_++, time, step.a, step.b, step.c}, false, step.garbled, step.off_skin};
  if (!memory_.empty() && r.value.time <= memory_.back().value.time)
    r.value.time = memory_.back().value.time + std::chrono::seconds(1);
  memory_.push_back(r);
  log_info(kLog, "measured record " + std::to_string(r.value.sequence));
  update_advertising();
}

void BleDevice::update_advertising() {
  if (peripheral_ == nullptr) return;
  const bool undelivered =
      std::any_of(memory_.begin(), memory_.end(), [](const Record& r) { return !r.delivered; });
  peripheral_->set_advertising(undelivered);
}

void BleDevice::touch() { last_activity_ = std::chrono::steady_clock::now(); }

// The idle time counts from the link coming up: before, it counted from the device's last
// activity until services resolved, so a Connect that arrived late in a serve() window was
// dropped as "idle" 30 ms later, before the hub could pair (seen with the arm64 hub under
// qemu-user: three BleLink cases failed every run; a race natively too).
void BleDevice::on_link_up() { touch(); }

void BleDevice::on_connected() {
  ++generation_;
  touch();
}

void BleDevice::on_disconnected() {
  ++generation_;
  outgoing_.clear();
  racp_final_.reset();
  pumping_ = false;
  update_advertising();
}

void BleDevice::on_subscribed(std::uint16_t uuid) {
  touch();
  if (uuid != options_.profile->measurement || options_.profile->racp) return;
  queue_undelivered();
}

void BleDevice::queue_undelivered() {
  outgoing_.clear();
  for (std::size_t i = 0; i < memory_.size(); ++i) {
    if (!memory_[i].delivered) outgoing_.push_back(i);
  }
  if (!pumping_) {
    pumping_ = true;
    server_->post(options_.value_interval, [this, g = generation_] { pump(g); });
  }
}

void BleDevice::pump(std::uint64_t generation) {
  if (generation != generation_ || !peripheral_->is_connected()) {
    pumping_ = false;
    return;
  }
  touch();
  if (outgoing_.empty()) {
    if (racp_final_ && !peripheral_->notify(kRacp, *racp_final_)) {
      log_warn(kLog, "RACP response not sent: indications off");
    }
    racp_final_.reset();
    pumping_ = false;
    update_advertising();
    return;
  }
  Record& record = memory_[outgoing_.front()];
  if (!peripheral_->notify(options_.profile->measurement, encode(record))) {
    pumping_ = false;  // not subscribed (any more): sent again on the next subscription
    return;
  }
  outgoing_.pop_front();
  sent(record);
  if (drop_after_ && --*drop_after_ == 0) {
    drop_after_.reset();
    log_info(kLog, "dropping the link mid-transfer");
    peripheral_->drop_link();
    return;
  }
  auto delay = options_.value_interval;
  if (burst_ > 0) {
    --burst_;
    delay = std::chrono::milliseconds(0);
  }
  server_->post(delay, [this, generation] { pump(generation); });
}

void BleDevice::sent(Record& record) {
  log_info(kLog, "sent record " + std::to_string(record.value.sequence));
  if (record.delivered) return;
  record.delivered = true;
  if (!options_.ledger.empty()) write_ledger(record);
}

// One JSON line (docs/contracts.md "firmware-sim ledger"): the record named by the key its
// driver gives it, or marked hub_assigned when only the hub can name it (no number, no clock).
void BleDevice::write_ledger(const Record& record) const {
  const BleProfile& profile = *options_.profile;
  auto num = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  const double numbers[] = {record.value.a, record.value.b, record.value.c};
  std::string values;
  for (std::size_t i = 0; i < profile.value_keys.size() && i < 3; ++i) {
    values += ",\"" + std::string(profile.value_keys[i]) + "\":" + num(numbers[i]);
  }
  const auto key = record_key(profile, record.value);
  std::ofstream ledger(options_.ledger, std::ios::app);
  ledger << "{\"device\":\"" << options_.device << "\",\"serial\":\"" << options_.serial
         << "\",\"record\":\"" << record.value.sequence << "\","
         << (key ? "\"uid_key\":\"" + *key + "\"" : std::string("\"hub_assigned\":true"))
         << ",\"kind\":\"" << profile.kind << "\"";
  if (profile.has_clock) {
    ledger << ",\"device_time_unix_s\":" << record.value.time.time_since_epoch().count();
  }
  ledger << values << (record.garbled ? ",\"garbled\":true" : "")
         << (record.off_skin ? ",\"off_skin\":true" : "")
         << ",\"delivered_unix_ms\":" << unix_ms_now() << "}\n";
}

gatt::Bytes BleDevice::encode(const Record& r) const {
  if (r.garbled) {  // every profile's value ends in a field it declares: now truncated
    Record whole = r;
    whole.garbled = false;
    gatt::Bytes bytes = encode(whole);
    if (!bytes.empty()) bytes.pop_back();
    return bytes;
  }
  if (r.off_skin) return options_.profile->encode_off_skin(r.value);
  return options_.profile->encode(r.value);
}

std::optional<gatt::Bytes> BleDevice::on_read(std::uint16_t uuid) {
  touch();
  auto text = [](const std::string& s) { return gatt::Bytes(s.begin(), s.end()); };
  switch (uuid) {
    case 0x2A29:
      return text(options_.vendor);
    case 0x2A24:
      return text(options_.model);
    case 0x2A25:
      return text(options_.serial);
    case 0x2A26:
      return text("1.0.0");
    case kCurrentTime:
      if (options_.profile->has_clock) return gatt::current_time(device_now());
      return std::nullopt;
    default:
      break;
  }
  for (const auto& [read_uuid, bytes] : options_.profile->reads) {
    if (read_uuid == uuid) return bytes;
  }
  return std::nullopt;
}

std::optional<std::uint8_t> BleDevice::on_write(std::uint16_t uuid, const gatt::Bytes& value) {
  touch();
  if (uuid == kCurrentTime && options_.profile->has_clock) {
    auto t = gatt::parse_date_time(value);
    if (!t) return kDataIgnored;
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto was = options_.clock_offset;
    options_.clock_offset = *t - now;
    log_info(kLog, "clock set by hub: offset " + std::to_string(was.count()) + " s -> " +
                       std::to_string(options_.clock_offset.count()) + " s");
    return std::nullopt;
  }
  if (uuid != kRacp) return kDataIgnored;
  if (!peripheral_->is_notifying(kRacp)) return kCccdImproper;
  if (value.empty()) return kDataIgnored;
  if (value[0] != kAbort && (pumping_ || !outgoing_.empty() || racp_final_)) {
    return kAlreadyInProgress;
  }
  queue_racp(value);
  return std::nullopt;
}

void BleDevice::queue_racp(const gatt::Bytes& v) {
  const std::uint8_t op = v[0];
  const std::uint8_t oper = v.size() > 1 ? v[1] : 0;
  // Which stored records the operator selects (operand: filter type 0x01, sequence numbers).
  auto operand = [&](std::size_t at) -> std::optional<std::uint16_t> {
    if (v.size() < at + 2 || v[2] != 0x01) return std::nullopt;
    return static_cast<std::uint16_t>(v[at] | (v[at + 1] << 8));
  };
  std::vector<std::size_t> selected;
  std::optional<std::uint8_t> error;
  for (std::size_t i = 0; i < memory_.size() && !error; ++i) {
    const auto seq = memory_[i].value.sequence;
    switch (oper) {
      case 0x01:
        selected.push_back(i);
        break;
      case 0x02:
      case 0x03: {
        auto n = operand(3);
        if (!n) {
          error = kInvalidOperand;
          break;
        }
        if (oper == 0x02 ? seq <= *n : seq >= *n) selected.push_back(i);
        break;
      }
      case 0x04: {
        auto lo = operand(3), hi = operand(5);
        if (!lo || !hi) {
          error = kInvalidOperand;
          break;
        }
        if (seq >= *lo && seq <= *hi) selected.push_back(i);
        break;
      }
      case 0x05:
        if (i == 0) selected.push_back(i);
        break;
      case 0x06:
        if (i + 1 == memory_.size()) selected.push_back(i);
        break;
      default:
        if (op != kAbort) error = kOperatorNotSupported;
        break;
    }
  }
  log_info(kLog, "RACP op " + std::to_string(op) + " operator " + std::to_string(oper) + ": " +
                     std::to_string(selected.size()) + " records");
  if (op == kAbort) {
    outgoing_.clear();
    racp_final_ = gatt::racp_response(op, kSuccess);
  } else if (error) {
    racp_final_ = gatt::racp_response(op, *error);
  } else if (op == kReport) {
    outgoing_.assign(selected.begin(), selected.end());
    racp_final_ = gatt::racp_response(op, selected.empty() ? kNoRecords : kSuccess);
  } else if (op == kReportNumber) {
    racp_final_ = gatt::racp_number_of_records(static_cast<std::uint16_t>(selected.size()));
  } else if (op == kDelete) {
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
      memory_.erase(memory_.begin() + static_cast<std::ptrdiff_t>(*it));
    }
    racp_final_ = gatt::racp_response(op, selected.empty() ? kNoRecords : kSuccess);
  } else {
    racp_final_ = gatt::racp_response(op, kOpNotSupported);
  }
  racp_op_ = op;
  pumping_ = true;
  server_->post(options_.value_interval, [this, g = generation_] { pump(g); });
}

}  // namespace kotona::firmware_sim
