#include "drivers/astm_inr/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/astm/message.h"
#include "drivers/astm/record.h"
#include "drivers/astm/value.h"

namespace kotona::drivers::astm_inr {

namespace {

using astm::Line;
using astm::parse_number;
using astm::Record;

constexpr std::size_t kMaxLotLength = 64;

struct Block {
  Reading reading;
  std::size_t offset = 0;  // of the O record, for errors
  std::optional<double> ratio;
  std::optional<Error> error;
};

void set_error(Block& block, Errc code, const std::string& detail) {
  if (block.error) return;  // the first problem names the block
  block.error = Error{code, block.offset, "O record " + block.reading.record_id + ": " + detail};
}

Inr& inr_of(Block& block) { return std::get<Inr>(block.reading.measurement); }

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

// A strip lot: 1..64 printable ASCII characters, kept as sent.
bool set_lot(std::string_view lot, Block& block) {
  const bool printable = std::all_of(lot.begin(), lot.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
  if (lot.empty() || lot.size() > kMaxLotLength || !printable) {
    set_error(block, Errc::kMalformed, "strip lot not 1..64 printable characters");
    return false;
  }
  if (inr_of(block).strip_lot && *inr_of(block).strip_lot != lot) {
    set_error(block, Errc::kMalformed, "two different strip lots");
    return false;
  }
  inr_of(block).strip_lot = std::string(lot);
  return true;
}

// Any INR the meter reports travels, its range indicators as comparators (invariant 14):
// the hub does not judge plausibility, the server does (and flags, never drops).
void apply_ratio(const Record& r, const astm::RangedValue& value, Block& block) {
  const std::string_view unit = r.component(5);
  if (!unit.empty() && unit != "INR" && unit != "{INR}") {
    set_error(block, Errc::kMalformed, "INR unit '" + std::string(unit) + "'");
  } else if (block.ratio) {
    set_error(block, Errc::kMalformed, "second INR result");
  } else {
    block.ratio = value.value;
    inr_of(block).comparator = value.comparator;
  }
}

void apply_prothrombin_time(const Record& r, double value, Block& block) {
  const std::string_view unit = r.component(5);
  if (unit != "s" && unit != "sec") {
    set_error(block, Errc::kMalformed, "PT unit '" + std::string(unit) + "'");
  } else if (value < kMinProthrombinTimeS || value > kMaxProthrombinTimeS) {
    // A PT the hub cannot believe is left out; the INR beside it is the result and travels
    // (invariant 13: a PT outside 5..200 s once cost the patient's INR 18.0).
    return;
  } else if (inr_of(block).prothrombin_time_s) {
    set_error(block, Errc::kMalformed, "second PT result");
  } else {
    inr_of(block).prothrombin_time_s = value;
  }
}

void apply_result(const Record& r, Block& block) {
  if (block.error) return;
  const std::string test(r.component(3, 4));
  if (test == "LOT") {
    (void)set_lot(r.component(4), block);
    return;
  }
  const bool is_qc = test == "QC-INR";
  if (test != "INR" && !is_qc && test != "PT") return;  // not ours (e.g. a vendor extra)
  if (is_qc) block.reading.quality.control_result = true;
  if (!apply_status(r, block)) return;
  const std::string_view text = r.component(4);
  if (text.empty() && r.component(9) == "X" && test == "PT") return;  // PT could not be done
  const auto value = astm::parse_ranged_value(text, r.component(7), kMeasuringRange);
  if (!value) {
    set_error(block, Errc::kMalformed, test + " " + value.error().detail);
  } else if (test != "PT") {
    apply_ratio(r, *value, block);
  } else if (value->comparator == Comparator::kNone) {
    apply_prothrombin_time(r, value->value, block);
  }  // a PT beyond the meter's range has no number: the INR carries the result
}

void apply_comment(const Record& c, Block& block) {
  if (block.error) return;
  if (c.component(4, 1) == "LOT") (void)set_lot(c.component(4, 2), block);
}

void finish_block(std::optional<Block>& block, Message& message) {
  if (!block) return;
  if (!block->error && !block->ratio) set_error(*block, Errc::kMalformed, "no INR result");
  if (block->error) {
    message.rejected.push_back(*block->error);
  } else {
    inr_of(*block).ratio = *block->ratio;
    message.readings.push_back(std::move(block->reading));
  }
  block.reset();
}

Block start_block(const Record& o, const Line& line, const DeviceIdentity& id) {
  Block block;
  block.offset = line.offset;
  block.reading.device = id;
  block.reading.measurement = Inr{};
  block.reading.record_id = std::string(o.component(3));
  // LIS2-A2 §9.4.12 action code Q: "treat specimen as a Q/C test specimen".
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
  return astm::parse_message_as<Profile>(bytes, "astm_inr");
}

}  // namespace kotona::drivers::astm_inr
