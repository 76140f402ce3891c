// Pure decoders for the Glucose Service (GLS v1.0.1): Glucose Measurement 0x2A18 (GLS §3.1)
// and Glucose Measurement Context 0x2A34 (GLS §3.3); field layouts in the GATT Specification
// Supplement (GSS) v8 "Glucose Measurement" / "Glucose Measurement Context". RACP 0x2A52 is in
// drivers/gatt/racp.h. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/reading.h"
#include "core/result.h"

namespace kotona::drivers::ble_glucose {

// mg/dL per mmol/L (molar mass of glucose 180.156 g/mol), as drivers/astm_glucose.
inline constexpr double kMgPerDlPerMmolPerL = 18.0156;
// The reference meter's measuring range (home meters: 20..600 mg/dL). A result beyond it that
// the device sends as a special value (+INF / -INF / NaN / NRes) with status bit 5 / 6 takes
// these as its limit; any number travels as sent (plausibility is the server's).
inline constexpr double kMeasuringRangeLowMmolPerL = 1.1, kMeasuringRangeHighMmolPerL = 33.3;

// Glucose Measurement (little endian; fields in this order, present as the flags say):
//   [0]     flags  bit 0 time offset   bit 1 concentration + type-sample location
//                  bit 2 units (0 kg/L, 1 mol/L)   bit 3 sensor status annunciation
//                  bit 4 context information follows   bits 5-7 RFU
//   [1..2]  sequence number u16
//   [3..9]  base time (GSS Date Time)
//   +2      time offset s16, minutes (user-facing time = base time + offset)   if bit 0
//   +2      concentration SFLOAT (kg/L or mol/L)                              if bit 1
//   +1      type (bits 0-3) and sample location (bits 4-7)                    if bit 1
//             type: 1 capillary whole blood .. 8 undetermined plasma, 9 ISF, 10 control solution
//             location: 1 finger, 2 AST, 3 earlobe, 4 control solution, 15 not available
//   +2      sensor status annunciation u16                                     if bit 3
//             bit 0 battery low   1 sensor malfunction   2 sample size insufficient
//             3 strip insertion error   4 strip type incorrect   5 result above range
//             6 result below range   7 temperature too high   8 too low   9 read interrupted
//             10 general device fault   11 time fault   12-15 RFU
struct Measurement {
  std::uint16_t sequence = 0;
  std::optional<DeviceTime> base_time;  // nullopt: the device says "not known" (year/month/day 0)
  std::optional<DeviceTime> time;       // base time + offset: the time the record shows
  std::optional<double> mmol_per_l;     // nullopt: flag bit 1 clear (a record without a value)
  std::uint8_t sample_type = 0;
  std::uint8_t sample_location = 0;
  std::uint16_t status = 0;
  // Status bit 5 "result higher than the device can process" -> kAboveRange, bit 6 "lower"
  // -> kBelowRange: mmol_per_l is then the limit (invariant 14).
  Comparator comparator = Comparator::kNone;
  bool context_follows = false;
  // control_result: type 10 or location 4. device_error: status bits 1-4, 7-10. clock_suspect:
  // status bit 11 (time fault). Battery low alone flags nothing.
  QualityFlags quality;
  friend bool operator==(const Measurement&, const Measurement&) = default;
};

// 0x2A18. Errors (offset = the field's first byte):
//   kTruncated  value ends inside a field the flags announce;
//   kOutOfRange concentration NaN / NRes / +-INF ("glucose concentration is NaN") without
//               status bit 5 / 6 (with one, the value is the range limit). Values convert
//               kg/L x 10^5 = mg/dL, mol/L x 1000 = mmol/L, rounded to 0.1 mmol/L like
//               astm_glucose; none is refused for its size;
//   kMalformed  reserved SFLOAT, bad Date Time, trailing bytes with no RFU flag set, status
//               bits 5 and 6 both set.
[[nodiscard]] Result<Measurement> parse_measurement(std::span<const std::uint8_t> bytes);

// The sequence number of a 0x2A18 value that has one (3+ bytes), even when the rest does not
// parse: the record then still counts as transferred.
std::optional<std::uint16_t> measurement_sequence(std::span<const std::uint8_t> bytes);

// Glucose Measurement Context:
//   [0]     flags  bit 0 carbohydrate   bit 1 meal   bit 2 tester-health
//                  bit 3 exercise   bit 4 medication   bit 5 medication units (0 kg, 1 L)
//                  bit 6 HbA1c   bit 7 extended flags present
//   [1..2]  sequence number u16 (that of the measurement it belongs to)
//   +1      extended flags (all RFU)                           if bit 7
//   +1 +2   carbohydrate id u8, carbohydrate SFLOAT kg         if bit 0
//   +1      meal: 1 preprandial 2 postprandial 3 fasting 4 casual 5 bedtime   if bit 1
//   +1      tester (bits 0-3), health (bits 4-7)                if bit 2
//   +2 +1   exercise duration u16 s (0xFFFF overrun), intensity u8 %         if bit 3
//   +1 +2   medication id u8, medication SFLOAT (kg or L)       if bit 4
//   +2      HbA1c SFLOAT %                                      if bit 6
struct Context {
  std::uint16_t sequence = 0;
  MealMarker meal = MealMarker::kUnknown;  // casual, absent or reserved: kUnknown
  std::optional<std::uint8_t> tester;      // 1 self, 2 professional, 3 lab, 15 n/a
  std::optional<double> hba1c_percent;     // special value: left out
  friend bool operator==(const Context&, const Context&) = default;
};

// 0x2A34. Errors: kTruncated; kMalformed for a reserved SFLOAT or trailing bytes. SFLOAT
// specials in carbohydrate / medication / HbA1c leave the value out (never a number).
[[nodiscard]] Result<Context> parse_context(std::span<const std::uint8_t> bytes);

}  // namespace kotona::drivers::ble_glucose
