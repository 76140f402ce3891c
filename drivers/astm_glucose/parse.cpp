#include "drivers/astm_glucose/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/astm/message.h"
#include "drivers/astm/record.h"
#include "drivers/astm/value.h"

namespace kotona::drivers::astm_glucose {

namespace {

using astm::Line;
using astm::Record;

struct Block {
  Reading reading;
  std::size_t offset = 0;  // of the O record, for errors
  std::optional<double> mmol_per_l;
  std::optional<Error> error;
};

void set_error(Block& block, Errc code, const std::string& detail) {
  if (block.error) return;  // the first problem names the block
  block.error = Error{code, block.offset, "O record " + block.reading.record_id + ": " + detail};
}

// R.9 result status (LIS2-A2 §10.1.9); R.7 is read with the value (astm::parse_ranged_value).
// False: refused.
bool apply_status(const Record& r, Block& block) {
  const std::string_view status = r.component(9);
  if (status == "P") {
    set_error(block, Errc::kUnsupported, "R.9 preliminary result not stored");
    return false;
  }
  if (status == "X") {
    block.reading.quality.device_error = true;
  } else if (!status.empty() && status != "F" && status != "C") {
    set_error(block, Errc::kMalformed, "R.9 status '" + std::string(status) + "'");
    return false;
  }
  return true;
}

// R.5 unit -> mmol/L per unit of the value sent. nullopt when not allowed.
std::optional<double> to_mmol_per_l(std::string_view unit) {
  if (unit == "mmol/L" || unit == "mmol/l") return 1.0;
  if (unit == "mg/dL" || unit == "mg/dl") return 1.0 / kMgPerDlPerMmolPerL;
  return std::nullopt;
}

void apply_result(const Record& r, Block& block) {
  if (block.error) return;
  const std::string test(r.component(3, 4));
  const bool is_qc = test == "QC-GLU";
  if (test != "GLU" && !is_qc) return;  // not ours (e.g. a vendor extra)
  if (is_qc) block.reading.quality.control_result = true;
  if (!apply_status(r, block)) return;
  const auto factor = to_mmol_per_l(r.component(5));
  if (!factor) {
    set_error(block, Errc::kMalformed, test + " unit '" + std::string(r.component(5)) + "'");
    return;
  }
  // HI / LO take the meter's limits, expressed in the unit the result is sent in.
  const astm::MeasuringRange range{kMeasuringRange.low / *factor, kMeasuringRange.high / *factor};
  const auto value = astm::parse_ranged_value(r.component(4), r.component(7), range);
  if (!value) {
    set_error(block, Errc::kMalformed, test + " " + value.error().detail);
  } else if (block.mmol_per_l) {
    set_error(block, Errc::kMalformed, "second glucose result");
  } else {
    // One decimal in mmol/L for every meter: the resolution mmol/L meters display, and mg/dL
    // whole numbers differ by 0.055 mmol/L, so nothing a clinician acts on is lost. Any value
    // travels (invariant 14): plausibility is the server's, which flags and never drops.
    block.mmol_per_l = std::round(value->value * *factor * 10) / 10;
    std::get<Glucose>(block.reading.measurement).comparator = value->comparator;
  }
}

// Meal marker comment C.4 = MEAL^<when>. An unknown <when> leaves kUnknown: the marker is
// context, not the measurement, so it never costs the reading.
void apply_comment(const Record& c, Block& block) {
  if (c.component(4, 1) != "MEAL") return;
  const std::string_view when = c.component(4, 2);
  auto& glucose = std::get<Glucose>(block.reading.measurement);
  if (when == "BEFORE") glucose.meal = MealMarker::kPreprandial;
  else if (when == "AFTER") glucose.meal = MealMarker::kPostprandial;
  else if (when == "FASTING") glucose.meal = MealMarker::kFasting;
  else if (when == "BEDTIME") glucose.meal = MealMarker::kBedtime;
  else glucose.meal = MealMarker::kUnknown;
}

void finish_block(std::optional<Block>& block, Message& message) {
  if (!block) return;
  if (!block->error && !block->mmol_per_l) set_error(*block, Errc::kMalformed, "no GLU result");
  if (block->error) {
    message.rejected.push_back(*block->error);
  } else {
    std::get<Glucose>(block->reading.measurement).mmol_per_l = *block->mmol_per_l;
    message.readings.push_back(std::move(block->reading));
  }
  block.reset();
}

Block start_block(const Record& o, const Line& line, const DeviceIdentity& id) {
  Block block;
  block.offset = line.offset;
  block.reading.device = id;
  block.reading.measurement = Glucose{};
  block.reading.record_id = std::string(o.component(3));
  // LIS2-A2 §9.4.12 action code Q: "treat specimen as a Q/C test specimen" (control solution).
  block.reading.quality.control_result = o.component(12) == "Q";
  if (!is_valid_id_text(block.reading.record_id)) {
    block.error = Error{Errc::kMalformed, line.offset, "O.3 record number missing or invalid"};
  }
  if (!astm::set_device_time(o.component(8), block.reading)) {
    set_error(block, Errc::kMalformed, "O.8 date/time not " + std::string(astm::kTimeForm));
  }
  return block;
}

using DriverBlock = Block;

// This device profile's meaning of O, R and C records, for astm::parse_message_as().
struct Profile {
  using Block = DriverBlock;
  static Block start(const Record& o, const Line& line, const DeviceIdentity& id) {
    return start_block(o, line, id);
  }
  static void result(const Record& r, Block& block) { apply_result(r, block); }
  static void comment(const Record& c, Block& block) { apply_comment(c, block); }
  static void finish(std::optional<Block>& block, Message& message) {
    finish_block(block, message);
  }
};

}  // namespace

Result<Message> parse_message(std::span<const std::uint8_t> bytes) {
  return astm::parse_message_as<Profile>(bytes, "astm_glucose");
}

}  // namespace kotona::drivers::astm_glucose
