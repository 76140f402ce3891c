#include "drivers/astm_bp/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/astm/message.h"
#include "drivers/astm/record.h"

namespace kotona::drivers::astm_bp {

namespace {

using astm::Line;
using astm::parse_number;
using astm::Record;

constexpr double kMaxValue = 1000;  // mmHg or /min: anything above is not a measurement

struct Block {
  Reading reading;
  std::size_t offset = 0;  // of the O record, for errors
  std::optional<double> systolic, diastolic;
  std::optional<Error> error;
};

Error block_error(Errc code, const Block& block, const std::string& detail) {
  return Error{code, block.offset, "O record " + block.reading.record_id + ": " + detail};
}

// R.5 units -> factor to mmHg (pressures) or /min (pulse). nullopt when not allowed.
std::optional<double> unit_factor(std::string_view test, std::string_view unit) {
  if (test == "PULSE") {
    if (unit == "/min" || unit == "1/min" || unit == "bpm" || unit == "{beats}/min") return 1.0;
    return std::nullopt;
  }
  if (unit == "mmHg" || unit == "mm[Hg]") return 1.0;
  if (unit == "kPa") return kMmhgPerKpa;
  return std::nullopt;
}

// R.7 abnormal flags (LIS2-A2 §10.1.7) and R.9 result status (§10.1.9). False: not allowed.
bool apply_flag_and_status(const Record& r, Block& block) {
  const std::string_view flag = r.component(7);
  const std::string_view status = r.component(9);
  const bool flag_ok = flag.empty() || flag == "L" || flag == "H" || flag == "LL" ||
                       flag == "HH" || flag == "N" || flag == "A" || flag == "<" || flag == ">";
  if (!flag_ok) {
    block.error = block_error(Errc::kMalformed, block, "R.7 flag '" + std::string(flag) + "'");
    return false;
  }
  if (flag == "<" || flag == ">") block.reading.quality.device_error = true;
  if (status == "P") {
    block.error = block_error(Errc::kUnsupported, block, "R.9 preliminary result not stored");
    return false;
  }
  if (status == "X") {
    block.reading.quality.device_error = true;
  } else if (!status.empty() && status != "F" && status != "C") {
    block.error = block_error(Errc::kMalformed, block, "R.9 status '" + std::string(status) + "'");
    return false;
  }
  return true;
}

void apply_result(const Record& r, Block& block) {
  if (block.error) return;
  const std::string test(r.component(3, 4));
  if (test != "SYS" && test != "DIA" && test != "PULSE" && test != "MAP") return;  // not ours
  if (!apply_flag_and_status(r, block)) return;
  const std::string_view text = r.component(4);
  if (text.empty() && r.component(9) == "X") return;  // "cannot be done": no number
  const auto value = parse_number(text);
  const auto factor = unit_factor(test, r.component(5));
  if (!value) {
    block.error = block_error(Errc::kMalformed, block, test + " value '" + std::string(text) + "'");
    return;
  }
  if (!factor) {
    block.error = block_error(Errc::kMalformed, block,
                              test + " unit '" + std::string(r.component(5)) + "'");
    return;
  }
  if (*value <= 0 || *value * *factor > kMaxValue) {
    block.error = block_error(Errc::kOutOfRange, block, test + " value out of range");
    return;
  }
  // kPa results are rounded to 0.1 mmHg: finer than any cuff resolves, and it keeps whole
  // mmHg sent as kPa with two or more decimals exact after the round trip.
  const double v = *factor == 1.0 ? *value : std::round(*value * *factor * 10) / 10;
  auto& bp = std::get<BloodPressure>(block.reading.measurement);
  std::optional<double>* slot = test == "SYS"    ? &block.systolic
                                : test == "DIA"  ? &block.diastolic
                                : test == "MAP"  ? &bp.mean_arterial_mmhg
                                                 : &bp.pulse_per_min;
  if (slot->has_value()) {
    block.error = block_error(Errc::kMalformed, block, "second " + test + " result");
    return;
  }
  *slot = v;
}

void apply_comment(const Record& c, Block& block) {
  const std::string_view code = c.component(4, 1);
  if (code == "IHB") block.reading.quality.irregular_pulse = true;
  if (code == "MOV") block.reading.quality.body_movement = true;
}

void finish_block(std::optional<Block>& block, Message& message) {
  if (!block) return;
  if (block->error) {
    message.rejected.push_back(*block->error);
  } else if (!block->systolic || !block->diastolic) {
    message.rejected.push_back(block_error(Errc::kMalformed, *block,
                                           block->systolic ? "no DIA result" : "no SYS result"));
  } else {
    auto& bp = std::get<BloodPressure>(block->reading.measurement);
    bp.systolic_mmhg = *block->systolic;
    bp.diastolic_mmhg = *block->diastolic;
    message.readings.push_back(std::move(block->reading));
  }
  block.reset();
}

Block start_block(const Record& o, const Line& line, const DeviceIdentity& id) {
  Block block;
  block.offset = line.offset;
  block.reading.device = id;
  block.reading.measurement = BloodPressure{};
  block.reading.record_id = std::string(o.component(3));
  if (!is_valid_id_text(block.reading.record_id)) {
    block.error = Error{Errc::kMalformed, line.offset, "O.3 record number missing or invalid"};
  }
  if (!astm::set_device_time(o.component(8), block.reading) && !block.error) {
    block.error = block_error(Errc::kMalformed, block,
                              "O.8 date/time not " + std::string(astm::kTimeForm));
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
  return astm::parse_message_as<Profile>(bytes, "astm_bp");
}

}  // namespace kotona::drivers::astm_bp
