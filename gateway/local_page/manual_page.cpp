#include "gateway/local_page/manual_page.h"

#include <charconv>
#include <cmath>
#include <ctime>

#include "core/kinds.h"
#include "gateway/local_page/page.h"

namespace kotona::gateway::local_page {
namespace {

// <p class data-k>filled text</p>
std::string sentence(Lang lang, std::string_view cls, std::string_view key,
                     std::initializer_list<std::pair<std::string_view, std::string>> params) {
  return "<p class=\"" + std::string(cls) + "\" data-k=\"" + html_escape(key) + "\">" +
         html_escape(fill(lang, key, params)) + "</p>";
}

// 2.5 -> "2,5" (fi, sv, ru) / "2.5" (en); at most two decimals, no trailing zeros.
std::string number(Lang lang, double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (lang != Lang::kEn) {
    for (auto& c : s) {
      if (c == '.') c = ',';
    }
  }
  return s;
}

std::string local_input_time(HubTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
  return buf;
}

// "2026-12-07T11:40" in the hub's local time zone; nullopt when not that form.
std::optional<DeviceTime> parse_local_time(const std::string& text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (text.size() != 16 ||
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_isdst = -1;
  const std::time_t tt = std::mktime(&tm);
  if (tt == static_cast<std::time_t>(-1)) return std::nullopt;
  return DeviceTime{std::chrono::seconds{tt}};
}

bool enterable(const KindRow& row) {
  for (const auto& c : row.components) {
    if (c.manual) return true;
  }
  return false;
}

std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

std::string kind_list(Lang lang) {
  std::string html = t(lang, "h2", "manual.heading") + t(lang, "p", "manual.intro") + "<ul>";
  for (const auto& row : kind_table()) {
    if (!enterable(row)) continue;
    html += "<li><a href=\"/manual?kind=" + html_escape(row.name) +
            "&amp;lang=" + std::string(lang_code(lang)) + "\" data-k=\"manual.kind." +
            html_escape(row.name) + "\">" +
            html_escape(tr(lang, "manual.kind." + std::string(row.name))) + "</a></li>";
  }
  return html + "</ul>";
}

// The form of `row`, filled from `form` (a re-shown entry) or empty; `notes` above it
// (questions or the refusal), `ask`: the "yes, it is right" button too.
std::string entry_form(Lang lang, const KindRow& row,
                       const std::map<std::string, std::string>& form, const std::string& notes,
                       bool ask, HubTime now) {
  const std::string kind(row.name);
  std::string html = "<h2 data-k=\"manual.kind." + html_escape(kind) + "\">" +
                     html_escape(tr(lang, "manual.kind." + kind)) + "</h2>" + notes;
  html += "<form method=\"post\" action=\"/manual?lang=" + std::string(lang_code(lang)) + "\">";
  html += "<input type=\"hidden\" name=\"kind\" value=\"" + html_escape(kind) + "\">";
  const std::string entry = field(form, "entry").empty()
                                ? std::to_string(now.time_since_epoch().count())
                                : field(form, "entry");
  html += "<input type=\"hidden\" name=\"entry\" value=\"" + html_escape(entry) + "\">";
  for (const auto& c : row.components) {
    if (!c.manual) continue;
    const std::string name = "v." + std::string(c.key);
    html += "<p><label for=\"" + html_escape(name) + "\" data-k=\"manual.value." +
            html_escape(c.key) + "\">" +
            html_escape(tr(lang, "manual.value." + std::string(c.key))) + "</label> <input id=\"" +
            html_escape(name) + "\" name=\"" + html_escape(name) +
            "\" inputmode=\"decimal\" autocomplete=\"off\" value=\"" +
            html_escape(field(form, name)) + "\"></p>";
  }
  const std::string measured =
      field(form, "measured").empty() ? local_input_time(now) : field(form, "measured");
  html += "<p><label for=\"measured\" data-k=\"manual.measured\">" +
          html_escape(tr(lang, "manual.measured")) +
          "</label> <input id=\"measured\" name=\"measured\" type=\"datetime-local\" value=\"" +
          html_escape(measured) + "\"></p>";
  html += "<fieldset><legend data-k=\"manual.enterer\">" + html_escape(tr(lang, "manual.enterer")) +
          "</legend>";
  const std::string chosen = field(form, "enterer").empty() ? "patient" : field(form, "enterer");
  for (std::string_view who : {"patient", "relative", "nurse"}) {
    const std::string id = "enterer-" + std::string(who);
    html += "<label><input type=\"radio\" name=\"enterer\" id=\"" + id + "\" value=\"" +
            std::string(who) + "\"" + (chosen == who ? " checked" : "") +
            "> <span data-k=\"manual.enterer." + std::string(who) + "\">" +
            html_escape(tr(lang, "manual.enterer." + std::string(who))) + "</span></label> ";
  }
  html += "</fieldset>";
  html +=
      "<p><label for=\"name\" data-k=\"manual.name\">" + html_escape(tr(lang, "manual.name")) +
      "</label> <input id=\"name\" name=\"name\" maxlength=\"80\" autocomplete=\"off\" value=\"" +
      html_escape(field(form, "name")) + "\"></p>";
  if (ask) {
    html +=
        "<p><button type=\"submit\" name=\"confirmed\" value=\"1\" id=\"confirm\" "
        "data-k=\"manual.confirm\">" +
        html_escape(tr(lang, "manual.confirm")) + "</button></p>";
  }
  html += "<p><button type=\"submit\" id=\"send\" data-k=\"" +
          std::string(ask ? "manual.sendCorrected" : "manual.send") + "\">" +
          html_escape(tr(lang, ask ? "manual.sendCorrected" : "manual.send")) + "</button></p>";
  html += "</form><p><a href=\"/manual?lang=" + std::string(lang_code(lang)) +
          "\" data-k=\"page.back\">" + html_escape(tr(lang, "page.back")) + "</a></p>";
  return html;
}

// The findings as sentences: the value's name, the value, the range, the recent value, the
// suggestion.
std::string findings_html(Lang lang, const std::vector<EntryFinding>& findings) {
  std::string html;
  for (const auto& f : findings) {
    const std::string what(tr(lang, "manual.value." + f.component));
    const std::string cls = f.verdict == EntryVerdict::kRefuse ? "bad refused" : "ask question";
    html += sentence(lang, cls, f.key,
                     {{"what", what},
                      {"value", number(lang, f.value)},
                      {"low", number(lang, f.range.low)},
                      {"high", number(lang, f.range.high)},
                      {"recent", f.recent ? number(lang, *f.recent) : std::string()}});
    if (f.suggestion) {
      html += sentence(lang, "ask suggestion", "manual.suggest",
                       {{"value", number(lang, *f.suggestion)}});
    }
  }
  return html;
}

// `row`: the kind whose form the page shows; its language links keep it.
LocalResponse page(const LocalRequest& req, int status, const std::string& body,
                   const KindRow* row = nullptr) {
  LocalResponse res;
  res.status = status;
  res.body = render_page(
      req.lang, row == nullptr ? req.path : req.path + "?kind=" + std::string(row->name), body);
  return res;
}

}  // namespace

std::optional<double> parse_typed_number(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == ' ') continue;
    s += c == ',' ? '.' : c;
  }
  if (s.empty() || s.size() > 16) return std::nullopt;
  double x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(x)) return std::nullopt;
  return x;
}

void add_manual_page(LocalServer& server, ManualPageHooks hooks) {
  auto shared = std::make_shared<ManualPageHooks>(std::move(hooks));
  server.add_route("GET", "/manual", [shared](const LocalRequest& req) {
    const KindRow* row = find_kind(field(req.query, "kind"));
    if (row == nullptr || !enterable(*row)) return page(req, 200, kind_list(req.lang));
    return page(req, 200, entry_form(req.lang, *row, {}, "", false, shared->now()), row);
  });
  server.add_route("POST", "/manual", [shared](const LocalRequest& req) {
    // Only on the hub itself: a neighbour on the LAN during set-up must not enter readings.
    if (req.listener != "loopback") return text_page(req, 403, "page.badRequest");
    const auto& in = req.form;
    const KindRow* row = find_kind(field(in, "kind"));
    if (row == nullptr || !enterable(*row)) return page(req, 400, kind_list(req.lang));
    const HubTime now = shared->now();
    auto again = [&](int status, const std::string& notes, bool ask) {
      return page(req, status, entry_form(req.lang, *row, in, notes, ask, now), row);
    };
    ManualForm form;
    form.kind = std::string(row->name);
    for (const auto& c : row->components) {
      if (!c.manual) continue;
      const std::string text = field(in, "v." + std::string(c.key));
      if (text.empty()) continue;  // an optional value not given (a missing required one: below)
      auto x = parse_typed_number(text);
      if (!x) {
        return again(
            400,
            sentence(req.lang, "bad refused", "manual.notNumber",
                     {{"what", std::string(tr(req.lang, "manual.value." + std::string(c.key)))}}),
            false);
      }
      form.values.push_back({c.key, *x});
    }
    auto measured = parse_local_time(field(in, "measured"));
    if (!measured)
      return again(400, sentence(req.lang, "bad refused", "manual.refused.time", {}), false);
    form.measured = *measured;
    form.enterer = parse_enterer(field(in, "enterer")).value_or(Enterer::kPatient);
    form.enterer_name = field(in, "name");
    form.entry_id = field(in, "entry");
    form.confirmed = field(in, "confirmed") == "1";
    const ManualOutcome out = shared->submit(form);
    switch (out.state) {
      case ManualOutcome::State::kStored:
        return page(req, 200,
                    t(req.lang, "h2", "manual.heading") +
                        sentence(req.lang, "ok stored", "manual.stored", {}) +
                        "<p><a href=\"/?lang=" + std::string(lang_code(req.lang)) +
                        "\" data-k=\"page.back\">" + html_escape(tr(req.lang, "page.back")) +
                        "</a></p>");
      case ManualOutcome::State::kAsk:
        return again(200, findings_html(req.lang, out.findings), true);
      case ManualOutcome::State::kRefused:
        break;
    }
    const std::string notes = out.findings.empty()
                                  ? sentence(req.lang, "bad refused", out.key, {})
                                  : findings_html(req.lang, {out.findings.front()});
    return again(422, notes, false);
  });
}

}  // namespace kotona::gateway::local_page
