// HTML for the hub's local page: escaping, catalogue text marked for the page checks
// (`data-k` = catalogue key, `data-v` = data), the page frame with its language links, and
// application/x-www-form-urlencoded decoding. Pure; thread-safe.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/text.h"
#include "gateway/local_page/catalogue.h"

namespace kotona::gateway::local_page {

// `text` with & < > " ' escaped for HTML text and attribute values (core/text.h).
using kotona::html_escape;

// <tag data-k="key">catalogue text</tag> (escaped), e.g. t(lang, "span", "status.hub").
std::string t(Lang lang, std::string_view tag, std::string_view key);
// The catalogue text of `key` with each "{name}" replaced by its value (not escaped: the
// caller escapes the whole), e.g. fill(lang, "manual.suggest", {{"value", "2,5"}}).
std::string fill(Lang lang, std::string_view key,
                 std::initializer_list<std::pair<std::string_view, std::string>> params);
// <tag data-v>data</tag> (escaped): a value, a name, a time — not a sentence.
std::string v(std::string_view tag, std::string_view data);

// The whole page: doctype, <html lang>, the title from the catalogue, the language links
// (each keeping `path`, which may carry a query: "/manual?kind=inr" -> "...&lang=sv"), then
// `body_html` as given (the caller escaped its parts).
std::string render_page(Lang lang, std::string_view path, std::string_view body_html);

// Decodes "a=1&b=x+y%21" (form bodies and query strings). Malformed %-escapes are kept as
// they are; a repeated name keeps its first value. Never throws.
std::map<std::string, std::string> decode_form(std::string_view text);

}  // namespace kotona::gateway::local_page
