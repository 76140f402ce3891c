#include "drivers/gatt/date_time.h"

#include <string>

namespace kotona::drivers::gatt {

namespace {

using namespace std::chrono;

// Reads one u8 field and checks it against lo..hi; kMalformed at that byte otherwise.
Result<unsigned> ranged(ByteReader& r, const char* field, unsigned lo, unsigned hi) {
  const std::size_t at = r.offset();
  auto v = r.u8(field);
  if (!v) return fail(v.error());
  if (*v < lo || *v > hi) {
    return fail(Errc::kMalformed, at,
                std::string(field) + " " + std::to_string(*v) + " outside " +
                    std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<unsigned>(*v);
}

}  // namespace

Result<DeviceTime> read_date_time(ByteReader& r) {
  const std::size_t start = r.offset();
  if (r.remaining() < 7) {
    return fail(Errc::kTruncated, start,
                "date time: needs 7 bytes, " + std::to_string(r.remaining()) + " left");
  }
  const unsigned y = r.u16le("year").value();  // 7 bytes are there
  auto mo = ranged(r, "month", 0, 12);
  if (!mo) return fail(mo.error());
  auto d = ranged(r, "day", 0, 31);
  if (!d) return fail(d.error());
  auto h = ranged(r, "hours", 0, 23);
  if (!h) return fail(h.error());
  auto mi = ranged(r, "minutes", 0, 59);
  if (!mi) return fail(mi.error());
  auto s = ranged(r, "seconds", 0, 59);
  if (!s) return fail(s.error());
  if (y == 0 || *mo == 0 || *d == 0) {
    return fail(Errc::kOutOfRange, start, "date time: year, month or day not known (0)");
  }
  if (y < 1582 || y > 9999) {
    return fail(Errc::kMalformed, start, "year " + std::to_string(y) + " outside 1582..9999");
  }
  const year_month_day date{year{static_cast<int>(y)}, month{*mo}, day{*d}};
  if (!date.ok()) return fail(Errc::kMalformed, start + 3, "day does not exist in that month");
  return DeviceTime{sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s}};
}

Result<CurrentTime> parse_current_time(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  auto time = read_date_time(r);
  if (!time) return fail(time.error());
  auto weekday = ranged(r, "day of week", 0, 7);
  if (!weekday) return fail(weekday.error());
  auto fractions = r.u8("fractions256");
  if (!fractions) return fail(fractions.error());
  auto reason = r.u8("adjust reason");
  if (!reason) return fail(reason.error());
  return CurrentTime{*time, *reason};
}

std::vector<std::uint8_t> encode_current_time(DeviceTime local) {
  const auto day_point = floor<days>(local);
  const year_month_day date{day_point};
  const hh_mm_ss hms{local - day_point};
  const auto y = static_cast<unsigned>(static_cast<int>(date.year()));
  const unsigned iso_weekday = weekday{day_point}.iso_encoding();  // 1 = Monday .. 7 = Sunday
  return {static_cast<std::uint8_t>(y & 0xFFu),
          static_cast<std::uint8_t>(y >> 8u),
          static_cast<std::uint8_t>(static_cast<unsigned>(date.month())),
          static_cast<std::uint8_t>(static_cast<unsigned>(date.day())),
          static_cast<std::uint8_t>(hms.hours().count()),
          static_cast<std::uint8_t>(hms.minutes().count()),
          static_cast<std::uint8_t>(hms.seconds().count()),
          static_cast<std::uint8_t>(iso_weekday),
          0,
          kAdjustExternalReference};
}

}  // namespace kotona::drivers::gatt
