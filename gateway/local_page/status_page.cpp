#include "gateway/local_page/status_page.h"

#include <ctime>

#include "core/kinds.h"
#include "gateway/local_page/page.h"

namespace kotona::gateway::local_page {
namespace {

// "2026-12-07 11:40" in the hub's local time zone (the patient's clock).
std::string local_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

}  // namespace

std::string meter_key(std::string_view kind) {
  return find_kind(kind) != nullptr ? "meter." + std::string(kind) : "meter.unknown";
}

std::string render_status(Lang lang, const HubView& view) {
  std::string html = t(lang, "h2", "status.heading");
  if (view.gateway_id.empty()) return html + t(lang, "p", "status.notEnrolled");
  html += "<p>" + t(lang, "span", "status.hub") + " " + v("span", view.gateway_id) + "</p>";
  if (!view.patient.empty()) {
    html += "<p>" + t(lang, "span", "status.patient") + " " + v("strong", view.patient) + "</p>";
  }
  html += "<table><thead><tr>" + t(lang, "th", "status.device") + t(lang, "th", "status.lastRead") +
          "</tr></thead><tbody>";
  for (const auto& d : view.devices) {
    // The patient reads what the meter is; its serial or path is the technician's detail.
    html += "<tr><td class=\"meter\">" + t(lang, "span", meter_key(d.kind)) + "<br>" +
            v("small", d.name) + "</td>";
    html += d.last_read ? "<td class=\"ok\">" + v("span", local_time(*d.last_read)) + "</td>"
                        : "<td class=\"bad\">" + t(lang, "span", "status.notRead") + "</td>";
    html += "</tr>";
  }
  html += "</tbody></table>";
  if (view.devices.empty()) html += t(lang, "p", "status.noDevices");
  if (view.waiting == 0) {
    html += "<p class=\"ok\">" + t(lang, "span", "status.allSent") + "</p>";
  } else {
    html += "<p class=\"bad\">" + t(lang, "span", "status.waiting") + " " +
            v("span", std::to_string(view.waiting)) + "</p>";
  }
  if (view.has_ble) {
    if (view.pairing) {
      html += "<p id=\"pairing\" class=\"ok\">" + t(lang, "span", "pair.open") + "</p>";
    } else {
      html += "<form method=\"post\" action=\"/pair?lang=" + std::string(lang_code(lang)) + "\">" +
              t(lang, "p", "pair.hint") + "<p><button type=\"submit\" id=\"pair\">" +
              t(lang, "span", "pair.button") + "</button></p></form>";
    }
  }
  if (view.last_acked) {
    html += "<p>" + t(lang, "span", "status.lastAcked") + " " +
            v("span", local_time(*view.last_acked)) + "</p>";
  }
  return html;
}

void add_status_page(LocalServer& server, HubViewSource source) {
  server.add_route("GET", "/", [source = std::move(source)](const LocalRequest& req) {
    LocalResponse res;
    res.body = render_page(req.lang, req.path, render_status(req.lang, source()));
    return res;
  });
}

void add_pairing_route(LocalServer& server, std::function<bool()> open_window) {
  server.add_route("POST", "/pair",
                   [open_window = std::move(open_window)](const LocalRequest& req) {
                     if (req.listener != "loopback") return text_page(req, 403, "page.badRequest");
                     if (!open_window()) return text_page(req, 404, "page.notFound");
                     return redirect("/?lang=" + std::string(lang_code(req.lang)));
                   });
}

}  // namespace kotona::gateway::local_page
