// The hub's local page texts: ONE catalogue (catalogue.cpp) in Finnish (default), Swedish,
// Russian and English. Every text a person reads on the hub's page comes from here by key.
// Pure, constant data; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace kotona::gateway::local_page {

enum class Lang { kFi, kSv, kRu, kEn };
inline constexpr Lang kLangs[] = {Lang::kFi, Lang::kSv, Lang::kRu, Lang::kEn};

// "fi", "sv", "ru", "en" (the html lang attribute and the ?lang= value).
std::string_view lang_code(Lang lang);
// The language for a ?lang= value, else the first fi/sv/ru/en in an Accept-Language header,
// else Finnish.
Lang choose_lang(std::string_view query_lang, std::string_view accept_language);

struct CatalogueRow {
  std::string_view key;
  std::string_view fi, sv, ru, en;
};

// Every row (tests check each key has all four languages and appears once).
std::span<const CatalogueRow> catalogue_rows();

// The text of `key` in `lang`. An unknown key returns "⟦key⟧" (visible, and the tests look
// for it) instead of failing the page.
std::string_view tr(Lang lang, std::string_view key);

}  // namespace kotona::gateway::local_page
