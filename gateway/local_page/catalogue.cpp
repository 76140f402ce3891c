// The hub's local page catalogue: one row per text, in fi, sv, ru, en. A new text is one row
// here (keep your rows in one block under a comment naming the feature).
#include "gateway/local_page/catalogue.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

namespace kotona::gateway::local_page {
namespace {

constexpr CatalogueRow kRows[] = {
    // The page frame.
    {"page.title", "Kotona-keskitin", "Kotona-hubb", "Концентратор Kotona", "Kotona hub"},
    {"page.language", "Kieli", "Språk", "Язык", "Language"},
    {"page.notFound", "Sivua ei löydy.", "Sidan hittades inte.", "Страница не найдена.",
     "Page not found."},
    {"page.badRequest", "Pyyntöä ei voitu käsitellä.", "Begäran kunde inte hanteras.",
     "Не удалось обработать запрос.", "The request could not be handled."},
    {"page.back", "Takaisin", "Tillbaka", "Назад", "Back"},
    // Status (the patient's view).
    {"status.heading", "Mittausten tila", "Mätningarnas status", "Состояние измерений",
     "Measurement status"},
    {"status.hub", "Keskitin", "Hubb", "Концентратор", "Hub"},
    {"status.notEnrolled", "Keskitintä ei ole vielä otettu käyttöön.",
     "Hubben har inte tagits i bruk ännu.", "Концентратор ещё не подключён.",
     "This hub has not been set up yet."},
    {"status.patient", "Potilas", "Patient", "Пациент", "Patient"},
    {"status.device", "Mittari", "Mätare", "Прибор", "Meter"},
    {"status.lastRead", "Viimeksi luettu", "Senast avläst", "Последнее считывание", "Last read"},
    {"status.notRead", "Ei luettu", "Inte avläst", "Не считан", "Not read"},
    {"status.noDevices", "Mittareita ei ole vielä liitetty.", "Inga mätare är anslutna ännu.",
     "Приборы ещё не подключены.", "No meters connected yet."},
    {"status.allSent", "Kaikki mittaukset ovat perillä hoitokeskuksessa.",
     "Alla mätningar har nått vårdcentralen.", "Все измерения доставлены в центр.",
     "All readings have reached the care centre."},
    {"status.waiting", "Lähettämättä hoitokeskukseen:", "Ännu inte skickade till vårdcentralen:",
     "Ещё не отправлено в центр:", "Not yet at the care centre:"},
    {"status.lastAcked",
     "Viimeksi perillä:", "Senast framme:", "Последняя доставка:", "Last delivered:"},
};

constexpr std::array<std::string_view, 4> kCodes = {"fi", "sv", "ru", "en"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Lang> lang_of(std::string_view code) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (code == kCodes[i]) return kLangs[i];
  }
  return std::nullopt;
}

}  // namespace

std::string_view lang_code(Lang lang) { return kCodes[static_cast<std::size_t>(lang)]; }

Lang choose_lang(std::string_view query_lang, std::string_view accept_language) {
  if (auto l = lang_of(lower(query_lang))) return *l;
  // "sv-FI,sv;q=0.9,en;q=0.8": the first range whose primary tag we have (q ignored: browsers
  // list in preference order).
  const std::string accept = lower(accept_language);
  std::size_t pos = 0;
  while (pos < accept.size()) {
    std::size_t end = accept.find(',', pos);
    if (end == std::string::npos) end = accept.size();
    std::string_view range(accept.data() + pos, end - pos);
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    const auto tag = range.substr(0, std::min({range.find('-'), range.find(';'), range.size()}));
    if (auto l = lang_of(tag)) return *l;
    pos = end + 1;
  }
  return Lang::kFi;
}

std::span<const CatalogueRow> catalogue_rows() { return kRows; }

std::string_view tr(Lang lang, std::string_view key) {
  for (const auto& row : kRows) {
    if (row.key != key) continue;
    switch (lang) {
      case Lang::kFi:
        return row.fi;
      case Lang::kSv:
        return row.sv;
      case Lang::kRu:
        return row.ru;
      case Lang::kEn:
        return row.en;
    }
  }
  return "\u27e6missing key\u27e7";
}

}  // namespace kotona::gateway::local_page
