#include "server/fhir/time_range.h"

#include <charconv>
#include <cstdio>

namespace kotona::server::fhir {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Exactly `width` digits at `pos`, else nullopt.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<std::chrono::sys_days> parse_date(std::string_view s) {
  auto y = digits(s, 0, 4);
  auto m = digits(s, 5, 2);
  auto d = digits(s, 8, 2);
  if (s.size() < 10 || !y || !m || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{*y},
                                  std::chrono::month{static_cast<unsigned>(*m)},
                                  std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

// "hh:mm:ss[.fff](Z|±hh:mm)" from position 11 of an instant.
std::optional<milliseconds> parse_time_of_day(std::string_view s) {
  auto hh = digits(s, 11, 2);
  auto mi = digits(s, 14, 2);
  auto ss = digits(s, 17, 2);
  if (!hh || !mi || !ss || s[13] != ':' || s[16] != ':' || *hh > 23 || *mi > 59 || *ss > 59) {
    return std::nullopt;
  }
  milliseconds t = hours{*hh} + minutes{*mi} + seconds{*ss};
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t n = 0;
    int frac = 0;
    while (pos + 1 + n < s.size() && s[pos + 1 + n] >= '0' && s[pos + 1 + n] <= '9') {
      if (n < 3) frac = frac * 10 + (s[pos + 1 + n] - '0');
      ++n;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) frac *= 10;
    t += milliseconds{frac};
    pos += 1 + n;
  }
  if (pos + 1 == s.size() && s[pos] == 'Z') return t;
  auto oh = digits(s, pos + 1, 2);
  auto om = digits(s, pos + 4, 2);
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':' || !oh || !om ||
      *oh > 14 || *om > 59) {
    return std::nullopt;
  }
  minutes offset = hours{*oh} + minutes{*om};
  return s[pos] == '+' ? t - offset : t + offset;  // local time - offset = UTC
}

Result<HubTime> parse_bound(std::string_view name, std::string_view text, bool is_end) {
  auto day = parse_date(text);
  if (day && text.size() == 10) return HubTime{*day + (is_end ? days{1} : days{0})};
  if (day && text.size() > 10 && text[10] == 'T') {
    if (auto t = parse_time_of_day(text)) return HubTime{*day} + *t;
  }
  return fail(Errc::kMalformed, std::string(name) +
                                    " must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff]Z (or "
                                    "+hh:mm), got '" +
                                    std::string(text.substr(0, 40)) + "'");
}

}  // namespace

Result<TimeRange> parse_time_range(const std::optional<std::string>& start,
                                   const std::optional<std::string>& end) {
  TimeRange range;
  if (start) {
    auto from = parse_bound("start", *start, false);
    if (!from) return fail(from.error());
    range.from = *from;
  }
  if (end) {
    auto to = parse_bound("end", *end, true);
    if (!to) return fail(to.error());
    if (*to <= range.from) return fail(Errc::kOutOfRange, "end must be after start");
    range.to = *to;
  }
  return range;
}

std::string fhir_instant(HubTime t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<milliseconds> tod{t - day};
  char buf[40];
  auto ms = static_cast<int>(tod.subseconds().count());
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  std::string out = buf;
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", ms);
    out += buf;
  }
  return out + "Z";
}

}  // namespace kotona::server::fhir
