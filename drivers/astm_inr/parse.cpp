#include "drivers/astm_inr/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/astm/record.h"

namespace kotona::drivers::astm_inr {

namespace {

using astm::Record;

constexpr std::size_t kMaxLotLength = 64;

struct Block {
  Reading reading;
  std::size_t offset = 0;  // of the O record, for errors
  std::optional<double> ratio;
  std::optional<Error> error;
};

bool all_digits(std::string_view s) {
  return s.find_first_not_of("0123456789") == std::string_view::npos;
}

// LIS2-A2 §7.1.10 date/time YYYYMMDDHHMMSS. nullopt for empty or invalid text.
std::optional<DeviceTime> parse_time(std::string_view s) {
  if (s.size() != 14 || !all_digits(s)) return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year{num(0, 4)}, month{static_cast<unsigned>(num(4, 2))},
                            day{static_cast<unsigned>(num(6, 2))}};
  const int h = num(8, 2), m = num(10, 2), sec = num(12, 2);
  if (!date.ok() || h > 23 || m > 59 || sec > 59) return std::nullopt;
  return sys_days{date} + hours{h} + minutes{m} + seconds{sec};
}

// Decimal number "2.6" or "31": digits and at most one point, nothing else.
std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string_view::npos) return {};
  if (s.find('.') != s.rfind('.') || s == ".") return {};
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return {};
  return v;
}

void set_error(Block& block, Errc code, const std::string& detail) {
  if (block.error) return;  // the first problem names the block
  block.error = Error{code, block.offset, "O record " + block.reading.record_id + ": " + detail};
}

Inr& inr_of(Block& block) { return std::get<Inr>(block.reading.measurement); }

// R.7 abnormal flags (LIS2-A2 §10.1.7) and R.9 result status (§10.1.9). False: refused.
bool apply_flag_and_status(const Record& r, Block& block) {
  const std::string_view flag = r.component(7);
  const std::string_view status = r.component(9);
  const bool flag_ok = flag.empty() || flag == "L" || flag == "H" || flag == "LL" ||
                       flag == "HH" || flag == "N" || flag == "A" || flag == "<" || flag == ">";
  if (!flag_ok) {
    set_error(block, Errc::kMalformed, "R.7 flag '" + std::string(flag) + "'");
    return false;
  }
  if (flag == "<" || flag == ">") block.reading.quality.device_error = true;
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

void apply_ratio(const Record& r, double value, Block& block) {
  const std::string_view unit = r.component(5);
  if (!unit.empty() && unit != "INR" && unit != "{INR}") {
    set_error(block, Errc::kMalformed, "INR unit '" + std::string(unit) + "'");
  } else if (value < kMinInr || value > kMaxInr) {
    set_error(block, Errc::kOutOfRange, "INR " + std::string(r.component(4)) + " outside 0.5..10");
  } else if (block.ratio) {
    set_error(block, Errc::kMalformed, "second INR result");
  } else {
    block.ratio = value;
  }
}

void apply_prothrombin_time(const Record& r, double value, Block& block) {
  const std::string_view unit = r.component(5);
  if (unit != "s" && unit != "sec") {
    set_error(block, Errc::kMalformed, "PT unit '" + std::string(unit) + "'");
  } else if (value < kMinProthrombinTimeS || value > kMaxProthrombinTimeS) {
    set_error(block, Errc::kOutOfRange, "PT " + std::string(r.component(4)) + " s outside 5..200");
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
  if (!apply_flag_and_status(r, block)) return;
  const std::string_view text = r.component(4);
  if (text.empty() && r.component(9) == "X" && test == "PT") return;  // PT could not be done
  const auto value = parse_number(text);
  if (!value) {
    set_error(block, Errc::kMalformed, test + " value '" + std::string(text) + "'");
  } else if (test == "PT") {
    apply_prothrombin_time(r, *value, block);
  } else {
    apply_ratio(r, *value, block);
  }
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

struct Line {
  std::string_view text;
  std::size_t offset;
};

std::vector<Line> split_records(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\r', start), text.size());
    std::size_t begin = start;
    while (begin < end && text[begin] == '\n') ++begin;  // CR LF tolerated
    if (begin < end) lines.push_back(Line{text.substr(begin, end - begin), begin});
    start = end + 1;
  }
  return lines;
}

Result<DeviceIdentity> parse_identity(const Record& h) {
  DeviceIdentity id{std::string(h.component(5, 1)), std::string(h.component(5, 2)),
                    DeviceSerial{std::string(h.component(5, 3))}, std::string(h.component(5, 4)),
                    "astm_inr"};
  if (!is_valid_id_text(id.serial.value)) {
    return fail(Errc::kMalformed, 0, "H.5 device serial missing or not [A-Za-z0-9._-]{1,64}");
  }
  return id;
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
  block.reading.device_time = parse_time(o.component(8));
  if (!block.reading.device_time && !o.component(8).empty()) {
    set_error(block, Errc::kMalformed, "O.8 date/time not YYYYMMDDHHMMSS");
  }
  return block;
}

}  // namespace

Result<Message> parse_message(std::span<const std::uint8_t> bytes) {
  const std::string text(bytes.begin(), bytes.end());
  const auto lines = split_records(text);  // views into `text`
  if (lines.empty()) return fail(Errc::kTruncated, 0, "empty message");
  auto delimiters = astm::parse_delimiters(lines.front().text);
  if (!delimiters) return fail(delimiters.error());
  auto header = astm::parse_record(lines.front().text, *delimiters);
  if (!header) return fail(header.error());
  auto identity = parse_identity(*header);
  if (!identity) return fail(identity.error());
  if (lines.size() < 2 || lines.back().text.front() != 'L') {
    return fail(Errc::kTruncated, text.size(), "message does not end with an L record");
  }
  Message message;
  message.device_clock = parse_time(header->component(14));
  std::optional<Block> block;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    auto record = astm::parse_record(lines[i].text, *delimiters);
    if (!record) {
      Error e = record.error();
      e.offset += lines[i].offset;
      if (block && e.code != Errc::kUnsupported && !block->error) block->error = e;
      else message.rejected.push_back(e);
      continue;
    }
    const char type = record->type;
    if (type == 'O') {
      finish_block(block, message);
      block = start_block(*record, lines[i], *identity);
    } else if (type == 'R' && block) {
      apply_result(*record, *block);
    } else if (type == 'C' && block) {
      apply_comment(*record, *block);
    } else if (type == 'P') {
      finish_block(block, message);
    } else if (type != 'C') {
      message.rejected.push_back(Error{Errc::kMalformed, lines[i].offset,
                                       std::string("unexpected ") + type + " record"});
    }
  }
  finish_block(block, message);
  return message;
}

}  // namespace kotona::drivers::astm_inr
