#include "gateway/local_page/page.h"

#include <cctype>

namespace kotona::gateway::local_page {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string t(Lang lang, std::string_view tag, std::string_view key) {
  const std::string tg(tag);
  return "<" + tg + " data-k=\"" + html_escape(key) + "\">" + html_escape(tr(lang, key)) + "</" +
         tg + ">";
}

std::string fill(Lang lang, std::string_view key,
                 std::initializer_list<std::pair<std::string_view, std::string>> params) {
  std::string text(tr(lang, key));
  for (const auto& [name, value] : params) {
    const std::string mark = "{" + std::string(name) + "}";
    for (auto at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value.size())) {
      text.replace(at, mark.size(), value);
    }
  }
  return text;
}

std::string v(std::string_view tag, std::string_view data) {
  const std::string tg(tag);
  return "<" + tg + " data-v>" + html_escape(data) + "</" + tg + ">";
}

std::string render_page(Lang lang, std::string_view path, std::string_view body_html) {
  std::string html = "<!doctype html>\n<html lang=\"" + std::string(lang_code(lang)) +
                     "\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<title>" +
                     html_escape(tr(lang, "page.title")) +
                     "</title><style>body{font:1.2rem/1.5 sans-serif;margin:1rem auto;"
                     "max-width:40rem;padding:0 1rem}nav a{margin-right:1rem}"
                     "table{border-collapse:collapse}td,th{padding:.3rem .6rem;"
                     "border-bottom:1px solid #999;text-align:left}"
                     ".ok{color:#060}.bad{color:#a00}"
                     "td small{color:#555;font-size:.75rem;overflow-wrap:anywhere}"
                     "button,input{font:inherit;padding:.3rem .6rem}</style></head><body>"
                     "<header>" +
                     t(lang, "h1", "page.title") + "<nav aria-label=\"" +
                     html_escape(tr(lang, "page.language")) + "\">";
  static constexpr std::pair<Lang, std::string_view> kNames[] = {
      {Lang::kFi, "Suomi"}, {Lang::kSv, "Svenska"}, {Lang::kRu, "Русский"}, {Lang::kEn, "English"}};
  const std::string_view join = path.find('?') == std::string_view::npos ? "?" : "&";
  for (const auto& [l, name] : kNames) {
    // A language's own name is the same in every language: data, not catalogue text.
    html += "<a data-v lang=\"" + std::string(lang_code(l)) + "\" href=\"" +
            html_escape(std::string(path) + std::string(join)) +
            "lang=" + std::string(lang_code(l)) + "\">" + std::string(name) + "</a>";
  }
  html += "</nav></header><main>";
  html += body_html;
  html += "</main></body></html>\n";
  return html;
}

std::map<std::string, std::string> decode_form(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('&', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto pair = text.substr(pos, end - pos);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto name = url_decode(pair.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
      out.try_emplace(std::move(name), std::move(value));
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace kotona::gateway::local_page
