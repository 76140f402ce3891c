#include "core/reading.h"

#include <cmath>

#include "core/kinds.h"

namespace kotona {

std::string_view time_precision_name(TimePrecision p) {
  switch (p) {
    case TimePrecision::kMinute:
      return "minute";
    case TimePrecision::kHour:
      return "hour";
    case TimePrecision::kDay:
      return "day";
    case TimePrecision::kSecond:
      break;
  }
  return "second";
}

std::optional<TimePrecision> parse_time_precision(std::string_view name) {
  for (auto p : {TimePrecision::kSecond, TimePrecision::kMinute, TimePrecision::kHour,
                 TimePrecision::kDay}) {
    if (time_precision_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view kind_name(const Measurement& m) { return kind_of(m).name; }

std::string_view entry_source_name(EntrySource s) {
  return s == EntrySource::kManual ? "manual" : "device";
}

std::string_view enterer_name(Enterer e) {
  switch (e) {
    case Enterer::kRelative:
      return "relative";
    case Enterer::kNurse:
      return "nurse";
    case Enterer::kPatient:
      break;
  }
  return "patient";
}

std::optional<EntrySource> parse_entry_source(std::string_view name) {
  for (auto s : {EntrySource::kDevice, EntrySource::kManual}) {
    if (entry_source_name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<Enterer> parse_enterer(std::string_view name) {
  for (auto e : {Enterer::kPatient, Enterer::kRelative, Enterer::kNurse}) {
    if (enterer_name(e) == name) return e;
  }
  return std::nullopt;
}

bool is_valid_enterer_name(std::string_view name) {
  if (name.size() > kMaxEntererName) return false;
  std::size_t i = 0;
  while (i < name.size()) {
    const auto b = static_cast<unsigned char>(name[i]);
    std::size_t n = b < 0x80             ? 1
                    : (b & 0xE0) == 0xC0 ? 2
                    : (b & 0xF0) == 0xE0 ? 3
                    : (b & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > name.size()) return false;
    char32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(name[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) return false;
    i += n;
  }
  return true;
}

std::string_view battery_status_name(BatteryStatus s) {
  switch (s) {
    case BatteryStatus::kOk:
      return "ok";
    case BatteryStatus::kRrtEri:
      return "rrt_eri";
    case BatteryStatus::kEos:
      return "eos";
    case BatteryStatus::kUnknown:
      break;
  }
  return "unknown";
}

BatteryStatus battery_status_from_name(std::string_view name) {
  for (auto s : {BatteryStatus::kOk, BatteryStatus::kRrtEri, BatteryStatus::kEos}) {
    if (name == battery_status_name(s)) return s;
  }
  return BatteryStatus::kUnknown;
}

std::string_view comparator_symbol(Comparator c) {
  switch (c) {
    case Comparator::kBelowRange:
      return "<";
    case Comparator::kAboveRange:
      return ">";
    case Comparator::kNone:
      break;
  }
  return "";
}

Comparator primary_comparator(const Measurement& m) {
  if (const auto* g = std::get_if<Glucose>(&m)) return g->comparator;
  if (const auto* inr = std::get_if<Inr>(&m)) return inr->comparator;
  if (const auto* g = std::get_if<GenericMeasurement>(&m)) {
    return g->values.empty() ? Comparator::kNone : g->values.front().comparator;
  }
  return Comparator::kNone;
}

ReadingUid make_reading_uid(const GatewayId& gateway, const Reading& reading) {
  std::string key;
  if (!reading.record_id.empty()) {
    key = "r" + reading.record_id;
  } else if (reading.device_time) {
    key = "t" + std::to_string(reading.device_time->time_since_epoch().count());
  } else {
    key = "h" + std::to_string(reading.hub_time.time_since_epoch().count());
  }
  std::string uid = gateway.value;
  uid += '/';
  uid += reading.device.serial.value;
  uid += '/';
  uid += key;
  uid += '/';
  uid += kind_name(reading.measurement);
  return ReadingUid{uid};
}

void finalize_reading(const GatewayId& gateway, Reading& reading) {
  reading.gateway = gateway;
  if (!reading.clock_offset && reading.device_time) {
    // No "device clock now" from the driver: assume the record was just measured.
    reading.clock_offset = std::chrono::duration_cast<std::chrono::seconds>(
        *reading.device_time - std::chrono::floor<std::chrono::seconds>(reading.hub_time));
  }
  if (reading.clock_offset) {
    // A driver may already have flagged the clock (e.g. a device's own time-fault bit).
    reading.quality.clock_suspect =
        reading.quality.clock_suspect || std::chrono::abs(*reading.clock_offset) > kClockTolerance;
  }
  if (!reading.device_time) reading.quality.clock_missing = true;
  reading.uid = make_reading_uid(gateway, reading);
}

}  // namespace kotona
