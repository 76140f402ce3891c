#include "drivers/ble_glucose/parse.h"

#include <cmath>
#include <string>

#include "drivers/gatt/byte_reader.h"
#include "drivers/gatt/date_time.h"

namespace kotona::drivers::ble_glucose {

namespace {

using gatt::ByteReader;

constexpr std::uint8_t kTimeOffset = 0x01, kConcentration = 0x02, kMolPerL = 0x04,
                       kStatus = 0x08, kContextFollows = 0x10, kFlagsRfu = 0xE0;
constexpr std::uint8_t kTypeControl = 10, kLocationControl = 4;
// Bits 1-10 except 5 and 6: those say the result is beyond the device's range, which is the
// value's comparator (invariant 14), not a failed measurement.
constexpr std::uint16_t kStatusDeviceError = 0x079E;
constexpr std::uint16_t kStatusAboveRange = 0x0020;  // bit 5 "result higher than the device
                                                     // can process"
constexpr std::uint16_t kStatusBelowRange = 0x0040;  // bit 6 "... lower than ..."
constexpr std::uint16_t kStatusTimeFault = 0x0800;   // bit 11

constexpr std::uint8_t kCtxCarbohydrate = 0x01, kCtxMeal = 0x02, kCtxTesterHealth = 0x04,
                       kCtxExercise = 0x08, kCtxMedication = 0x10, kCtxHbA1c = 0x40,
                       kCtxExtended = 0x80;

// The concentration in mmol/L (rounded to 0.1 like astm_glucose) with its comparator from the
// status annunciation. Beyond the range a device may send its limit or a special value
// (+INF / -INF / NaN / NRes): the limit is then the reference meter's (kMeasuringRange*).
// Any number travels: plausibility is the server's, which flags and never drops.
Result<void> set_concentration(const gatt::MedFloat& v, std::size_t at, bool mol_per_l,
                               Measurement& m) {
  const bool above = (m.status & kStatusAboveRange) != 0;
  const bool below = (m.status & kStatusBelowRange) != 0;
  if (above && below) {
    return fail(Errc::kMalformed, at, "status says both above and below the range");
  }
  m.comparator = above   ? Comparator::kAboveRange
                 : below ? Comparator::kBelowRange
                         : Comparator::kNone;
  double n = 0;
  if (m.comparator == Comparator::kNone) {
    auto exact = gatt::required_value(v, at, "glucose concentration");
    if (!exact) return fail(exact.error());
    n = *exact;
  } else {
    auto limit = gatt::optional_value(v, at, "glucose concentration");
    if (!limit) return fail(limit.error());
    if (!*limit) {  // a special value beyond the range: the reference meter's own limit
      m.mmol_per_l = above ? kMeasuringRangeHighMmolPerL : kMeasuringRangeLowMmolPerL;
      return {};
    }
    n = **limit;
  }
  const double mmol = mol_per_l ? n * 1000.0 : n * 100000.0 / kMgPerDlPerMmolPerL;
  m.mmol_per_l = std::round(mmol * 10.0) / 10.0;
  return {};
}

Result<void> read_time(ByteReader& r, std::uint8_t flags, Measurement& m) {
  auto base = gatt::read_date_time(r);
  if (base) {
    m.base_time = *base;
  } else if (base.error().code != Errc::kOutOfRange) {  // kOutOfRange: "not known"
    return fail(base.error());
  }
  if (flags & kTimeOffset) {
    auto offset = r.s16le("time offset");
    if (!offset) return fail(offset.error());
    if (m.base_time) m.time = *m.base_time + std::chrono::minutes{*offset};
  } else {
    m.time = m.base_time;
  }
  return {};
}

// The concentration as sent, at its offset: interpreted once the status annunciation (which
// follows it) is known.
struct RawConcentration {
  gatt::MedFloat value;
  std::size_t at = 0;
};

Result<RawConcentration> read_concentration(ByteReader& r, Measurement& m) {
  const std::size_t at = r.offset();
  auto value = r.sfloat("glucose concentration");
  if (!value) return fail(value.error());
  auto type_location = r.u8("type-sample location");
  if (!type_location) return fail(type_location.error());
  m.sample_type = *type_location & 0x0F;
  m.sample_location = static_cast<std::uint8_t>(*type_location >> 4);
  m.quality.control_result =
      m.sample_type == kTypeControl || m.sample_location == kLocationControl;
  return RawConcentration{*value, at};
}

// An optional SFLOAT whose special values leave it out.
Result<std::optional<double>> optional_sfloat(ByteReader& r, const char* field) {
  const std::size_t at = r.offset();
  auto v = r.sfloat(field);
  if (!v) return fail(v.error());
  return gatt::optional_value(*v, at, field);
}

MealMarker meal_marker(std::uint8_t meal) {
  switch (meal) {
    case 1: return MealMarker::kPreprandial;
    case 2: return MealMarker::kPostprandial;
    case 3: return MealMarker::kFasting;
    case 5: return MealMarker::kBedtime;
    default: return MealMarker::kUnknown;  // 4 casual, 0 and 6-255 reserved
  }
}

// Carbohydrate, meal, tester-health, exercise, medication, HbA1c as the flags say.
Result<void> read_context_fields(ByteReader& r, std::uint8_t flags, Context& c) {
  if (flags & kCtxCarbohydrate) {
    if (auto id = r.u8("carbohydrate id"); !id) return fail(id.error());
    if (auto v = optional_sfloat(r, "carbohydrate"); !v) return fail(v.error());
  }
  if (flags & kCtxMeal) {
    auto meal = r.u8("meal");
    if (!meal) return fail(meal.error());
    c.meal = meal_marker(*meal);
  }
  if (flags & kCtxTesterHealth) {
    auto th = r.u8("tester-health");
    if (!th) return fail(th.error());
    c.tester = static_cast<std::uint8_t>(*th & 0x0F);
  }
  if (flags & kCtxExercise) {
    if (auto d = r.u16le("exercise duration"); !d) return fail(d.error());
    if (auto i = r.u8("exercise intensity"); !i) return fail(i.error());
  }
  if (flags & kCtxMedication) {
    if (auto id = r.u8("medication id"); !id) return fail(id.error());
    if (auto v = optional_sfloat(r, "medication"); !v) return fail(v.error());
  }
  if (flags & kCtxHbA1c) {
    auto v = optional_sfloat(r, "HbA1c");
    if (!v) return fail(v.error());
    c.hba1c_percent = *v;
  }
  return {};
}

}  // namespace

Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  auto sequence = r.u16le("sequence number");
  if (!sequence) return fail(sequence.error());
  Measurement m;
  m.sequence = *sequence;
  m.context_follows = (*flags & kContextFollows) != 0;
  if (auto t = read_time(r, *flags, m); !t) return fail(t.error());
  std::optional<RawConcentration> concentration;
  if (*flags & kConcentration) {
    auto c = read_concentration(r, m);
    if (!c) return fail(c.error());
    concentration = *c;
  }
  if (*flags & kStatus) {
    auto s = r.u16le("sensor status annunciation");
    if (!s) return fail(s.error());
    m.status = *s;
    m.quality.device_error = (*s & kStatusDeviceError) != 0;
    m.quality.clock_suspect = (*s & kStatusTimeFault) != 0;
  }
  if (concentration) {
    auto set =
        set_concentration(concentration->value, concentration->at, (*flags & kMolPerL) != 0, m);
    if (!set) return fail(set.error());
  }
  if ((*flags & kFlagsRfu) == 0) {
    if (auto end = r.expect_end("the glucose measurement"); !end) return fail(end.error());
  }
  return m;
}

std::optional<std::uint16_t> measurement_sequence(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 3) return std::nullopt;
  return static_cast<std::uint16_t>(bytes[1] | (bytes[2] << 8));
}

Result<Context> parse_context(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto flags = r.u8("flags");
  if (!flags) return fail(flags.error());
  auto sequence = r.u16le("sequence number");
  if (!sequence) return fail(sequence.error());
  Context c;
  c.sequence = *sequence;
  std::uint8_t extended = 0;
  if (*flags & kCtxExtended) {
    auto e = r.u8("extended flags");
    if (!e) return fail(e.error());
    extended = *e;
  }
  if (auto f = read_context_fields(r, *flags, c); !f) return fail(f.error());
  if (extended == 0) {  // an RFU extended flag may announce a future field
    if (auto end = r.expect_end("the glucose context"); !end) return fail(end.error());
  }
  return c;
}

}  // namespace kotona::drivers::ble_glucose
