// What every ASTM device profile (drivers/astm_*) shares above the record level: the decoded
// Message, LIS2-A2 date/time and number fields, splitting a message into records, the H.5
// device identity, and the walk over one H ... L message (parse_message_as). Each driver only
// says what its O, R and C records mean. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reading.h"
#include "core/result.h"
#include "drivers/astm/dialect.h"
#include "drivers/astm/record.h"

namespace kotona::drivers::astm {

struct Message {
  std::vector<Reading> readings;  // one per complete O block; uid/gateway/hub_time unset
  std::vector<Error> rejected;    // O blocks (or records) refused; other blocks still count
  std::optional<DeviceTime> device_clock;  // H.14: the device's clock when it sent the message
};

// A device date/time and how many of its digits the device sent.
struct Timestamp {
  DeviceTime time;  // the parts not sent are zero
  TimePrecision precision = TimePrecision::kSecond;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// LIS2-A2 §7.1.10 / E1394 §6.6.2 date/time YYYYMMDD[HH[MM[SS]]]: a sender gives as many digits
// as it knows (the Contour family sends 12). nullopt for empty, other lengths or invalid text.
std::optional<Timestamp> parse_timestamp(std::string_view s);

// parse_timestamp()'s time only (H.14 device clock).
std::optional<DeviceTime> parse_time(std::string_view s);

// Sets reading.device_time and quality.device_time_precision from a date/time field. False
// (reading unchanged) when the text is present but not a date/time; empty text is no time.
[[nodiscard]] bool set_device_time(std::string_view text, Reading& reading);

// For error details: the accepted date/time form.
inline constexpr std::string_view kTimeForm = "YYYYMMDD[HH[MM[SS]]]";

// Decimal number "2.6" or "31": digits and at most one point, nothing else. nullopt otherwise.
std::optional<double> parse_number(std::string_view s);

// One record's text and its byte offset in the message.
struct Line {
  std::string_view text;
  std::size_t offset;
};

// Records separated by CR (LF after CR tolerated); empty records dropped. Views into `text`.
std::vector<Line> split_records(std::string_view text);

// H.5 vendor^model^serial^firmware with `driver` as the driver name. Error kMalformed when the
// serial is missing or not [A-Za-z0-9._-]{1,64}.
[[nodiscard]] Result<DeviceIdentity> parse_identity(const Record& h, std::string_view driver);

// One message: H (delimiters, identity, H.14 clock), then P / O / R / C records, then L.
// `Profile` is the device profile:
//   struct Profile {
//     using Block = ...;  // one O block in progress; has `std::optional<Error> error`
//     static Block start(const Record& o, const Line& line, const DeviceIdentity& id);
//     static void result(const Record& r, Block& block);
//     static void comment(const Record& c, Block& block);
//     static void finish(std::optional<Block>& block, Message& message);  // emits, resets
//   };
// Whole-message errors: kTruncated (empty, no final L), kMalformed (bad H, delimiters or
// identity). A record that does not parse fails its block (or, outside one or when
// kUnsupported, lands in Message::rejected); unexpected record types are rejected.
template <class Profile>
[[nodiscard]] Result<Message> parse_message_as(std::span<const std::uint8_t> bytes,
                                               std::string_view driver) {
  using Block = typename Profile::Block;
  // Vendor dialects (dialect.h) are read through the reference layout.
  auto translated = to_reference_layout(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!translated) return fail(translated.error());
  const std::string text = std::move(translated).value();
  const auto lines = split_records(text);  // views into `text`
  if (lines.empty()) return fail(Errc::kTruncated, 0, "empty message");
  auto delimiters = parse_delimiters(lines.front().text);
  if (!delimiters) return fail(delimiters.error());
  auto header = parse_record(lines.front().text, *delimiters);
  if (!header) return fail(header.error());
  auto identity = parse_identity(*header, driver);
  if (!identity) return fail(identity.error());
  if (lines.size() < 2 || lines.back().text.front() != 'L') {
    return fail(Errc::kTruncated, text.size(), "message does not end with an L record");
  }
  Message message;
  message.device_clock = parse_time(header->component(14));
  std::optional<Block> block;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    auto record = parse_record(lines[i].text, *delimiters);
    if (!record) {
      Error e = record.error();
      e.offset += lines[i].offset;
      if (block && e.code != Errc::kUnsupported && !block->error) {
        block->error = e;
      } else {
        message.rejected.push_back(e);
      }
      continue;
    }
    const char type = record->type;
    if (type == 'O') {
      Profile::finish(block, message);
      block = Profile::start(*record, lines[i], *identity);
    } else if (type == 'R' && block) {
      Profile::result(*record, *block);
    } else if (type == 'C' && block) {
      Profile::comment(*record, *block);
    } else if (type == 'P') {
      Profile::finish(block, message);
    } else if (type != 'C') {
      message.rejected.push_back(
          Error{Errc::kMalformed, lines[i].offset, std::string("unexpected ") + type + " record"});
    }
  }
  Profile::finish(block, message);
  return message;
}

}  // namespace kotona::drivers::astm
