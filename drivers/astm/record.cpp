#include "drivers/astm/record.h"

#include <algorithm>
#include <cctype>

namespace kotona::drivers::astm {

namespace {

bool is_delimiter_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F && std::isalnum(u) == 0;
}

// Undoes LIS2-A2 §7.1.4 escapes in one component. `base` is the component's offset in the
// record, for error offsets.
Result<std::string> unescape(std::string_view raw, const Delimiters& d, std::size_t base) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != d.escape) {
      out += raw[i];
      continue;
    }
    const std::size_t close = raw.find(d.escape, i + 1);
    if (close == std::string_view::npos) {
      return fail(Errc::kTruncated, base + i, "unterminated escape sequence");
    }
    const std::string_view body = raw.substr(i + 1, close - i - 1);
    if (body == "F") {
      out += d.field;
    } else if (body == "S") {
      out += d.component;
    } else if (body == "R") {
      out += d.repeat;
    } else if (body == "E") {
      out += d.escape;
    } else {
      out += raw.substr(i, close - i + 1);  // formatting / hex escapes: kept as sent
    }
    i = close;
  }
  return out;
}

Result<Record::Field> split_field(std::string_view raw, const Delimiters& d, std::size_t base) {
  Record::Field field;
  std::size_t repeat_start = 0;
  while (true) {
    const std::size_t repeat_end = std::min(raw.find(d.repeat, repeat_start), raw.size());
    const std::string_view repeat = raw.substr(repeat_start, repeat_end - repeat_start);
    Record::Components components;
    std::size_t start = 0;
    while (true) {
      const std::size_t end = std::min(repeat.find(d.component, start), repeat.size());
      auto text = unescape(repeat.substr(start, end - start), d, base + repeat_start + start);
      if (!text) return fail(text.error());
      components.push_back(std::move(text).value());
      if (end == repeat.size()) break;
      start = end + 1;
    }
    field.push_back(std::move(components));
    if (repeat_end == raw.size()) break;
    repeat_start = repeat_end + 1;
  }
  return field;
}

}  // namespace

std::string_view Record::component(std::size_t field, std::size_t component,
                                   std::size_t repeat) const {
  if (field == 0 || field > fields.size()) return {};
  const Field& f = fields[field - 1];
  if (repeat == 0 || repeat > f.size()) return {};
  const Components& c = f[repeat - 1];
  if (component == 0 || component > c.size()) return {};
  return c[component - 1];
}

Result<Delimiters> parse_delimiters(std::string_view text) {
  if (text.empty() || text[0] != 'H') return fail(Errc::kMalformed, 0, "not an H record");
  if (text.size() < 5) return fail(Errc::kTruncated, text.size(), "H record delimiters");
  Delimiters d{text[1], text[2], text[3], text[4]};
  const char all[4] = {d.field, d.repeat, d.component, d.escape};
  for (std::size_t i = 0; i < 4; ++i) {
    if (!is_delimiter_char(all[i])) return fail(Errc::kMalformed, i + 1, "bad delimiter");
    for (std::size_t j = 0; j < i; ++j) {
      if (all[i] == all[j]) return fail(Errc::kMalformed, i + 1, "delimiter declared twice");
    }
  }
  return d;
}

Result<Record> parse_record(std::string_view text, const Delimiters& delimiters) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) return fail(Errc::kTruncated, 0, "empty record");
  Record record;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(text.find(delimiters.field, start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    const bool is_h_delimiter_field = record.type == 'H' && record.fields.size() == 1;
    if (is_h_delimiter_field) {
      record.fields.push_back(Record::Field{Record::Components{std::string(raw)}});
    } else {
      auto field = split_field(raw, delimiters, start);
      if (!field) return fail(field.error());
      record.fields.push_back(std::move(field).value());
    }
    if (record.fields.size() == 1) {
      if (raw.size() != 1) return fail(Errc::kMalformed, 0, "record type is not one character");
      record.type = raw[0];
      if (std::string_view("HPORCL").find(record.type) == std::string_view::npos) {
        return fail(Errc::kUnsupported, 0, std::string("record type '") + record.type + "'");
      }
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return record;
}

}  // namespace kotona::drivers::astm
