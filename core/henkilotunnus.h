// Finnish personal identity code (henkilötunnus, HETU): DDMMYY, a century sign, a 3-digit
// individual number and a check character. Sensitive personal data: callers never log it,
// and the errors below never quote it. Pure; thread-safe.
#pragma once

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

}  // namespace kotona
