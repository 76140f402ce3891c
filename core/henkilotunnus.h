// Finnish personal identity code (henkilötunnus, HETU): DDMMYY, a century sign, a 3-digit
// individual number and a check character. Sensitive personal data: callers never log it,
// and the errors below never quote it. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kotona {

struct Henkilotunnus {
  std::string text;  // the 11 characters, as given (upper case)
  int birth_year = 0, birth_month = 0, birth_day = 0;
  friend bool operator==(const Henkilotunnus&, const Henkilotunnus&) = default;
};

// Parses and checks `text`: exactly 11 characters DDMMYYCZZZQ; a real calendar date; century
// sign C one of + (1800s), - Y X W V U (1900s), A B C D E F (2000s; the 2023 additions
// included); individual number ZZZ 002-999; check character Q =
// "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYZZZ mod 31]. Upper case only.
// Errors: kMalformed, with a detail that names the field but never repeats the code.
[[nodiscard]] Result<Henkilotunnus> parse_henkilotunnus(std::string_view text);

// The code as staff may see it without an explicit, audited look-up (issue 18 part 2): the
// birth date and century sign, the individual number and check character hidden
// ("131052-****"). REQUIRES: `h` came from parse_henkilotunnus.
std::string masked_henkilotunnus(const Henkilotunnus& h);

// Completed years of age on `today` (a birthday on 29 February counts from 1 March in other
// years). 0 when `today` is before the birth date.
int age_on(const Henkilotunnus& h, std::chrono::year_month_day today);

}  // namespace kotona
