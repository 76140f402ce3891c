#include "drivers/implant_relay/parse.h"

#include <charconv>
#include <cmath>
#include <set>
#include <string>

namespace kotona::drivers::implant_relay {

namespace {

constexpr std::uint8_t kTypeDecimal = 1, kTypeCount = 2, kTypeEnum = 3, kTypeBeyondRange = 4;
constexpr std::uint8_t kMarkBelow = 1, kMarkAbove = 2;
constexpr std::int32_t kDecimalNotAvailable = 0x7FFFFFFF;
constexpr std::uint32_t kCountNotAvailable = 0xFFFFFFFF;

// Bounds-checked little-endian reader; every failure names the field and its offset.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : bytes_(b) {}
  std::size_t offset() const { return pos_; }
  std::size_t left() const { return bytes_.size() - pos_; }
  Result<std::uint32_t> uint(std::size_t size, const char* field) {
    if (left() < size) return fail(Errc::kTruncated, pos_, std::string(field) + " truncated");
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < size; ++i)
      v |= static_cast<std::uint32_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += size;
    return v;
  }
  Result<std::string> text(const char* field) {
    auto len = uint(1, field);
    if (!len) return fail(len.error());
    if (left() < *len) return fail(Errc::kTruncated, pos_, std::string(field) + " truncated");
    std::string s(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
                  bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + *len));
    pos_ += *len;
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        return fail(Errc::kMalformed, pos_, std::string(field) + " not printable ASCII");
      }
    }
    return s;
  }
  Result<DeviceTime> time(const char* field) {
    const std::size_t at = pos_;
    auto y = uint(2, field), mo = uint(1, field), d = uint(1, field);
    auto h = uint(1, field), mi = uint(1, field), s = uint(1, field);
    for (auto* r : {&y, &mo, &d, &h, &mi, &s}) {
      if (!*r) return fail(r->error());
    }
    using namespace std::chrono;
    const year_month_day date{year{static_cast<int>(*y)}, month{*mo}, day{*d}};
    if (*y < 2000 || !date.ok() || *h > 23 || *mi > 59 || *s > 59) {
      return fail(Errc::kMalformed, at, std::string(field) + " is not a valid date and time");
    }
    return sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s};
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

enum class Field { kVoltage, kLongevity, kImpedance, kSensing, kThreshold, kPaced, kBurden };

struct DecimalTerm {
  std::uint16_t tag;
  Field field;
  int chamber;  // 0 RA, 1 RV, 2 LV; -1 none
  double max;
  const char* name;
};

constexpr DecimalTerm kDecimalTerms[] = {
    {0x0002, Field::kVoltage, -1, 10, "battery voltage"},
    {0x0003, Field::kLongevity, -1, 600, "remaining longevity"},
    {0x0101, Field::kImpedance, 0, 20000, "RA lead impedance"},
    {0x0102, Field::kImpedance, 1, 20000, "RV lead impedance"},
    {0x0103, Field::kImpedance, 2, 20000, "LV lead impedance"},
    {0x0111, Field::kSensing, 0, 50, "RA sensing amplitude"},
    {0x0112, Field::kSensing, 1, 50, "RV sensing amplitude"},
    {0x0113, Field::kSensing, 2, 50, "LV sensing amplitude"},
    {0x0121, Field::kThreshold, 0, 10, "RA capture threshold"},
    {0x0122, Field::kThreshold, 1, 10, "RV capture threshold"},
    {0x0123, Field::kThreshold, 2, 10, "LV capture threshold"},
    {0x0131, Field::kPaced, 0, 100, "RA percent paced"},
    {0x0132, Field::kPaced, 1, 100, "RV percent paced"},
    {0x0133, Field::kPaced, 2, 100, "LV percent paced"},
    {0x0201, Field::kBurden, -1, 100, "AT/AF burden"},
};

std::optional<double>& slot(CardiacImplantSummary& s, const DecimalTerm& t) {
  ImplantChamber* chambers[] = {&s.right_atrium, &s.right_ventricle, &s.left_ventricle};
  switch (t.field) {
    case Field::kVoltage:
      return s.battery_voltage_v;
    case Field::kLongevity:
      return s.longevity_months;
    case Field::kImpedance:
      return chambers[t.chamber]->lead_impedance_ohm;
    case Field::kSensing:
      return chambers[t.chamber]->sensing_amplitude_mv;
    case Field::kThreshold:
      return chambers[t.chamber]->capture_threshold_v;
    case Field::kPaced:
      return chambers[t.chamber]->paced_percent;
    case Field::kBurden:
      break;
  }
  return s.at_af_burden_percent;
}

// Where `t`'s range indicator goes: beside its value in the same struct.
Comparator& comparator_slot(CardiacImplantSummary& s, const DecimalTerm& t) {
  ImplantChamber* chambers[] = {&s.right_atrium, &s.right_ventricle, &s.left_ventricle};
  switch (t.field) {
    case Field::kVoltage:
      return s.battery_voltage_comparator;
    case Field::kLongevity:
      return s.longevity_comparator;
    case Field::kImpedance:
      return chambers[t.chamber]->lead_impedance_comparator;
    case Field::kSensing:
      return chambers[t.chamber]->sensing_amplitude_comparator;
    case Field::kThreshold:
      return chambers[t.chamber]->capture_threshold_comparator;
    case Field::kPaced:
      return chambers[t.chamber]->paced_percent_comparator;
    case Field::kBurden:
      break;
  }
  return s.at_af_burden_comparator;
}

std::optional<std::uint32_t>* count_slot(CardiacImplantSummary& s, std::uint16_t tag) {
  switch (tag) {
    case 0x0202:
      return &s.at_af_episodes;
    case 0x0203:
      return &s.vt_vf_episodes;
    case 0x0204:
      return &s.atp_therapies;
    case 0x0205:
      return &s.shocks_delivered;
    default:
      return nullptr;
  }
}

const DecimalTerm* decimal_term(std::uint16_t tag) {
  for (const auto& t : kDecimalTerms) {
    if (t.tag == tag) return &t;
  }
  return nullptr;
}

std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::size_t value_size(std::uint8_t type) {
  switch (type) {
    case kTypeDecimal:
      return 5;
    case kTypeCount:
      return 4;
    case kTypeEnum:
      return 1;
    case kTypeBeyondRange:
      return 6;
    default:
      return 0;
  }
}

std::string tag_text(std::uint16_t tag) {
  static const char* digits = "0123456789abcdef";
  std::string s = "tag 0x";
  for (int shift = 12; shift >= 0; shift -= 4) s += digits[(tag >> shift) & 0xF];
  return s;
}

// A decimal term's item, exact (type 1) or beyond the relay's measuring range (type 4).
bool apply_decimal(std::uint16_t tag, std::uint8_t type, std::span<const std::uint8_t> v,
                   CardiacImplantSummary& s, Error& error) {
  const auto u32 = [&] {
    return static_cast<std::uint32_t>(v[0] | (v[1] << 8) | (v[2] << 16)) |
           (static_cast<std::uint32_t>(v[3]) << 24);
  };
  const DecimalTerm* term = decimal_term(tag);
  if (term == nullptr) return true;  // unknown tag: skipped (forward compatible)
  if (type != kTypeDecimal && type != kTypeBeyondRange) {
    error = {Errc::kMalformed, 0, std::string(term->name) + ": not a decimal"};
    return false;
  }
  // Type 4 (beyond range): a marker byte, then the relay's measuring limit as a decimal.
  Comparator comparator = Comparator::kNone;
  if (type == kTypeBeyondRange) {
    if (v[0] != kMarkBelow && v[0] != kMarkAbove) {
      error = {Errc::kMalformed, 0,
               std::string(term->name) + ": range marker " + std::to_string(v[0]) + " unknown"};
      return false;
    }
    comparator = v[0] == kMarkBelow ? Comparator::kBelowRange : Comparator::kAboveRange;
    v = v.subspan(1);
  }
  const auto mantissa = static_cast<std::int32_t>(u32());
  if (mantissa == kDecimalNotAvailable) {
    if (comparator == Comparator::kNone) return true;
    // A range marker without its limit says "beyond something": no value to carry.
    error = {Errc::kMalformed, 0, std::string(term->name) + ": range marker without a limit"};
    return false;
  }
  const auto exponent = static_cast<std::int8_t>(v[4]);
  const double value = mantissa * std::pow(10.0, exponent);
  if (!std::isfinite(value) || value < 0 || value > term->max) {
    error = {Errc::kOutOfRange, 0,
             std::string(term->name) + " " + number_text(value) + " outside 0.." +
                 std::to_string(static_cast<int>(term->max))};
    return false;
  }
  // Round to the device's resolution so 2.8 stays 2.8 (not 2.7999999999999998).
  const double scale = std::pow(10.0, -exponent);
  slot(s, *term) = exponent < 0 ? std::round(value * scale) / scale : value;
  comparator_slot(s, *term) = comparator;
  return true;
}

// One item's value (already bounds-checked) into the summary; false with `error` if refused.
bool apply_item(std::uint16_t tag, std::uint8_t type, std::span<const std::uint8_t> v,
                CardiacImplantSummary& s, Error& error) {
  const auto u32 = [&] {
    return static_cast<std::uint32_t>(v[0] | (v[1] << 8) | (v[2] << 16)) |
           (static_cast<std::uint32_t>(v[3]) << 24);
  };
  if (tag == 0x0001) {
    if (type != kTypeEnum)
      return error = {Errc::kMalformed, 0, tag_text(tag) + ": not an enum"}, false;
    if (v[0] < 1 || v[0] > 3) {
      error = {Errc::kMalformed, 0, "battery status " + std::to_string(v[0]) + " unknown"};
      return false;
    }
    s.battery_status = v[0] == 1   ? BatteryStatus::kOk
                       : v[0] == 2 ? BatteryStatus::kRrtEri
                                   : BatteryStatus::kEos;
    return true;
  }
  if (auto* count = count_slot(s, tag)) {
    if (type != kTypeCount)
      return error = {Errc::kMalformed, 0, tag_text(tag) + ": not a count"}, false;
    if (u32() != kCountNotAvailable) *count = u32();
    return true;
  }
  return apply_decimal(tag, type, v, s, error);
}

Result<void> parse_items(Reader& r, Summary& out) {
  auto n = r.uint(1, "item count");
  if (!n) return fail(n.error());
  if (*n > kMaxItems) return fail(Errc::kMalformed, r.offset() - 1, "more than 64 items");
  auto& summary = std::get<CardiacImplantSummary>(out.reading.measurement);
  std::set<std::uint16_t> seen;
  for (std::uint32_t i = 0; i < *n; ++i) {
    const std::size_t at = r.offset();
    auto tag = r.uint(2, "item tag");
    auto type = tag ? r.uint(1, "item type") : tag;
    if (!type) return fail(type.error());
    const std::size_t size = value_size(static_cast<std::uint8_t>(*type));
    if (size == 0)
      return fail(Errc::kMalformed, at + 2, "unknown value type " + std::to_string(*type));
    if (r.left() < size) return fail(Errc::kTruncated, r.offset(), "item value truncated");
    std::vector<std::uint8_t> value;
    for (std::size_t k = 0; k < size; ++k)
      value.push_back(static_cast<std::uint8_t>(*r.uint(1, "v")));
    const auto t = static_cast<std::uint16_t>(*tag);
    Error error;
    if (!seen.insert(t).second) {
      error = {Errc::kMalformed, 0, tag_text(t) + " repeated"};
    } else if (apply_item(t, static_cast<std::uint8_t>(*type), value, summary, error)) {
      continue;
    }
    error.offset = at;
    error.detail = "summary " + out.reading.record_id + ": " + error.detail;
    out.rejected.push_back(std::move(error));
    out.reading.quality.device_error = true;
  }
  return {};
}

}  // namespace

Result<Summary> parse_summary(std::span<const std::uint8_t> payload) {
  Reader r(payload);
  auto version = r.uint(1, "payload version");
  if (!version) return fail(version.error());
  if (*version != 1)
    return fail(Errc::kMalformed, 0, "payload version " + std::to_string(*version));
  auto number = r.uint(4, "summary number");
  if (!number) return fail(number.error());
  auto relay_clock = r.time("relay clock");
  if (!relay_clock) return fail(relay_clock.error());
  auto session = r.time("interrogation time");
  if (!session) return fail(session.error());
  const char* names[] = {"relay serial", "relay firmware", "implant manufacturer", "implant model",
                         "implant serial"};
  std::string text[5];
  for (int i = 0; i < 5; ++i) {
    auto t = r.text(names[i]);
    if (!t) return fail(t.error());
    text[i] = std::move(*t);
  }
  if (!is_valid_id_text(text[4])) {
    return fail(Errc::kMalformed, 0, "implant serial missing or not [A-Za-z0-9._-]{1,64}");
  }
  if (!is_valid_id_text(text[0])) {
    return fail(Errc::kMalformed, 0, "relay serial missing or not [A-Za-z0-9._-]{1,64}");
  }
  Summary out;
  out.relay_clock = *relay_clock;
  out.reading.device =
      DeviceIdentity{text[2], text[3], DeviceSerial{text[4]}, text[1], "implant_relay"};
  out.reading.record_id = text[0] + "-" + std::to_string(*number);
  out.reading.device_time = *session;
  out.reading.measurement = CardiacImplantSummary{};
  if (auto items = parse_items(r, out); !items) return fail(items.error());
  if (r.left() != 0) {
    return fail(Errc::kMalformed, r.offset(), std::to_string(r.left()) + " trailing byte(s)");
  }
  return out;
}

}  // namespace kotona::drivers::implant_relay
