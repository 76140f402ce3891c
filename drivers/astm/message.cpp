#include "drivers/astm/message.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kotona::drivers::astm {

namespace {
bool all_digits(std::string_view s) {
  return s.find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  if (s.size() < 8 || s.size() > 14 || s.size() % 2 != 0 || !all_digits(s)) return std::nullopt;
  auto num = [&](std::size_t pos) {  // two digits at pos (four for the year), 0 when not sent
    int v = 0;
    const std::size_t len = pos == 0 ? 4 : 2;
    if (pos + len <= s.size()) std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year{num(0)}, month{static_cast<unsigned>(num(4))},
                            day{static_cast<unsigned>(num(6))}};
  const int h = num(8), m = num(10), sec = num(12);
  if (!date.ok() || h > 23 || m > 59 || sec > 59) return std::nullopt;
  static constexpr TimePrecision kByLength[] = {TimePrecision::kDay, TimePrecision::kHour,
                                                TimePrecision::kMinute, TimePrecision::kSecond};
  return Timestamp{sys_days{date} + hours{h} + minutes{m} + seconds{sec},
                   kByLength[(s.size() - 8) / 2]};
}

std::optional<DeviceTime> parse_time(std::string_view s) {
  auto t = parse_timestamp(s);
  if (!t) return std::nullopt;
  return t->time;
}

bool set_device_time(std::string_view text, Reading& reading) {
  if (text.empty()) return true;
  auto t = parse_timestamp(text);
  if (!t) return false;
  reading.device_time = t->time;
  reading.quality.device_time_precision = t->precision;
  return true;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string_view::npos) return {};
  if (s.find('.') != s.rfind('.') || s == ".") return {};
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return {};
  return v;
}

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

Result<DeviceIdentity> parse_identity(const Record& h, std::string_view driver) {
  DeviceIdentity id{std::string(h.component(5, 1)), std::string(h.component(5, 2)),
                    DeviceSerial{std::string(h.component(5, 3))}, std::string(h.component(5, 4)),
                    std::string(driver)};
  if (!is_valid_id_text(id.serial.value)) {
    return fail(Errc::kMalformed, 0, "H.5 device serial missing or not [A-Za-z0-9._-]{1,64}");
  }
  return id;
}

}  // namespace kotona::drivers::astm
