#include "drivers/gatt/health_session.h"

#include "drivers/gatt/date_time.h"
#include "drivers/gatt/uuids.h"

namespace kotona::drivers::gatt {

namespace {

using namespace std::chrono;

constexpr std::uint16_t kIdentityReads[] = {uuid::kManufacturerName, uuid::kModelNumber,
                                            uuid::kSerialNumber, uuid::kFirmwareRevision,
                                            uuid::kCurrentTime};

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string dis_text(std::span<const std::uint8_t> bytes) {
  std::string text(bytes.begin(), bytes.end());
  while (!text.empty() && (text.back() == '\0' || text.back() == ' ')) text.pop_back();
  return text;
}

DeviceSerial ble_serial(std::string_view dis_serial, std::string_view port) {
  std::string serial;
  for (char c : dis_serial.substr(0, 64)) serial += is_id_char(c) ? c : '_';
  if (!serial.empty()) return DeviceSerial{serial};
  std::string address;
  for (char c : port) {
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')) address += c;
  }
  return DeviceSerial{address.empty() ? "ble-unknown" : "ble-" + address.substr(0, 32)};
}

HealthSession::HealthSession(std::string_view driver, const SessionContext& context)
    : driver_(driver), context_(context) {
  identity_.driver = driver_;
}

Step HealthSession::start() {
  Step step;
  pending_.clear();
  for (std::uint16_t uuid : kIdentityReads) {
    pending_.insert(uuid);
    step.commands.emplace_back(GattRead{uuid});
  }
  step.timer = kIdentityTimeout;
  return step;
}

Result<Step> HealthSession::on_input(const Input& input) {
  Step step;
  if (input.hub_time != HubTime{}) last_input_time_ = input.hub_time;
  if (std::holds_alternative<Connected>(input.event)) return step;
  if (std::holds_alternative<Disconnected>(input.event)) {
    on_disconnected(step);
    return step;
  }
  if (const auto* value = std::get_if<GattValue>(&input.event)) {
    if (pending_.count(value->characteristic_uuid16) != 0) {
      on_identity(value->characteristic_uuid16, &value->bytes, input.hub_time, step);
    } else if (!ready_) {
      return fail(Errc::kUnsupported, driver_ + ": value of " +
                                          std::to_string(value->characteristic_uuid16) +
                                          " before the identity reads finished");
    } else {
      on_value(*value, input.hub_time, step);
    }
    return step;
  }
  if (const auto* failed = std::get_if<GattFailed>(&input.event)) {
    if (pending_.count(failed->characteristic_uuid16) != 0) {
      on_identity(failed->characteristic_uuid16, nullptr, input.hub_time, step);
    } else if (failed->characteristic_uuid16 == uuid::kCurrentTime) {
      step.rejected.push_back(Error{Errc::kIo, 0, "device clock not set: " + failed->reason});
    } else {
      on_failed(*failed, input.hub_time, step);
    }
    return step;
  }
  return fail(Errc::kUnsupported, driver_ + " takes GATT input only");
}

Step HealthSession::on_timer() {
  Step step;
  if (!ready_) {
    // Identity reads unanswered: go on without them (the serial falls back to the address).
    pending_.clear();
    step.rejected.push_back(
        Error{Errc::kTruncated, 0, "device information / current time reads timed out"});
    // The latest hub time seen (an answered read); none at all only when nothing answered, and
    // then set_clock_if_wrong() refuses to write a clock from it.
    become_ready(last_input_time_.value_or(HubTime{}), step);
    return step;
  }
  on_profile_timer(step);
  return step;
}

void HealthSession::on_failed(const GattFailed& failed, HubTime /*hub_time*/, Step& step) {
  step.rejected.push_back(Error{Errc::kUnsupported, 0,
                                "characteristic " + std::to_string(failed.characteristic_uuid16) +
                                    ": " + failed.reason});
}

void HealthSession::on_identity(std::uint16_t uuid, const std::vector<std::uint8_t>* bytes,
                                HubTime hub_time, Step& step) {
  pending_.erase(uuid);
  if (bytes != nullptr) {
    switch (uuid) {
      case uuid::kManufacturerName: identity_.vendor = dis_text(*bytes); break;
      case uuid::kModelNumber: identity_.model = dis_text(*bytes); break;
      case uuid::kSerialNumber: dis_serial_ = dis_text(*bytes); break;
      case uuid::kFirmwareRevision: identity_.firmware = dis_text(*bytes); break;
      case uuid::kCurrentTime: {
        auto now = parse_current_time(*bytes);
        if (!now) {
          step.rejected.push_back(now.error());
          break;
        }
        has_clock_ = true;
        const auto hub = floor<seconds>(hub_time) + context_.device_utc_offset;
        clock_offset_ = duration_cast<seconds>(now->time - hub);
        break;
      }
      default: break;
    }
  }
  if (pending_.empty()) become_ready(hub_time, step);
}

void HealthSession::become_ready(HubTime hub_time, Step& step) {
  identity_.serial = ble_serial(dis_serial_, context_.port);
  ready_ = true;
  step.timer.reset();
  on_ready(hub_time, step);
}

Reading HealthSession::make_reading(Measurement measurement, HubTime hub_time,
                                    std::optional<std::uint8_t> user) const {
  Reading r;
  r.device = identity_;
  if (user && *user != 0xFF) {
    r.device.serial.value += ".u" + std::to_string(*user);
  }
  r.hub_time = hub_time;
  if (clock_offset_) r.clock_offset = *clock_offset_ + duration_cast<seconds>(context_.device_utc_offset);
  r.measurement = std::move(measurement);
  return r;
}

void HealthSession::set_clock_if_wrong(HubTime hub_time, Step& step) {
  if (!has_clock_ || clock_set_ || !clock_offset_) return;
  if (abs(*clock_offset_) <= kClockTolerance) return;
  if (hub_time < kEarliestTrustedHubTime) {
    clock_set_ = true;  // report once per connection
    step.rejected.push_back(Error{Errc::kOutOfRange, 0,
                                  "device clock left as it is: hub time not trustworthy"});
    return;
  }
  const DeviceTime local = floor<seconds>(hub_time) + context_.device_utc_offset;
  step.commands.emplace_back(GattWrite{uuid::kCurrentTime, encode_current_time(local)});
  clock_set_ = true;
  clock_offset_ = seconds{0};
}

}  // namespace kotona::drivers::gatt
