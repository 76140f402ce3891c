#include "core/henkilotunnus.h"

#include <cstdint>

namespace kotona {

namespace {

constexpr std::string_view kCheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";

// The century a sign stands for, or 0 for an unknown sign.
int century_of(char sign) {
  switch (sign) {
    case '+':
      return 1800;
    case '-':
    case 'Y':
    case 'X':
    case 'W':
    case 'V':
    case 'U':
      return 1900;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
      return 2000;
    default:
      return 0;
  }
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

Result<Henkilotunnus> parse_henkilotunnus(std::string_view text) {
  if (text.size() != 11) {
    return fail(Errc::kMalformed, "henkilotunnus must be 11 characters DDMMYYCZZZQ");
  }
  std::string_view date = text.substr(0, 6), individual = text.substr(7, 3);
  if (!all_digits(date)) return fail(Errc::kMalformed, 0, "henkilotunnus: DDMMYY must be digits");
  int century = century_of(text[6]);
  if (century == 0) {
    return fail(Errc::kMalformed, 6,
                "henkilotunnus: century sign must be one of + - Y X W V U A B C D E F");
  }
  if (!all_digits(individual)) {
    return fail(Errc::kMalformed, 7, "henkilotunnus: individual number must be 3 digits");
  }
  Henkilotunnus out{std::string(text), century + number(date.substr(4, 2)),
                    number(date.substr(2, 2)), number(date.substr(0, 2))};
  if (out.birth_month < 1 || out.birth_month > 12 || out.birth_day < 1 ||
      out.birth_day > days_in_month(out.birth_year, out.birth_month)) {
    return fail(Errc::kMalformed, 0, "henkilotunnus: DDMMYY is not a calendar date");
  }
  if (number(individual) < 2) {
    return fail(Errc::kMalformed, 7, "henkilotunnus: individual number 000 and 001 are not used");
  }
  auto nine_digits = static_cast<std::int64_t>(number(date)) * 1000 + number(individual);
  if (text[10] != kCheckCharacters[static_cast<std::size_t>(nine_digits % 31)]) {
    return fail(Errc::kMalformed, 10, "henkilotunnus: check character does not match");
  }
  return out;
}

std::string masked_henkilotunnus(const Henkilotunnus& h) { return h.text.substr(0, 7) + "****"; }

int age_on(const Henkilotunnus& h, std::chrono::year_month_day today) {
  int years = static_cast<int>(today.year()) - h.birth_year;
  auto month = static_cast<int>(static_cast<unsigned>(today.month()));
  auto day = static_cast<int>(static_cast<unsigned>(today.day()));
  if (month < h.birth_month || (month == h.birth_month && day < h.birth_day)) --years;
  return years < 0 ? 0 : years;
}

}  // namespace kotona
