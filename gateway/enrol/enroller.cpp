#include "gateway/enrol/enroller.h"

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/ids.h"
#include "core/log.h"
#include "gateway/enrol/https_post.h"
#include "gateway/enrol/hub_key.h"
#include "gateway/local_page/page.h"

namespace kotona::gateway::enrol {

namespace json = boost::json;
namespace lp = local_page;

namespace {

constexpr std::string_view kLog = "enrol";
constexpr auto kUsbPoll = std::chrono::seconds(2);
constexpr auto kPostTimeout = std::chrono::seconds(20);

// The 12 code symbols, upper case, or "" when `text` is not a code.
std::string normalised_code(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out.size() == 12 ? out : "";
}

// Writes `text` to `path` by a temporary file and rename: a reader never sees half a file.
Result<void> write_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return fail(Errc::kIo, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(Errc::kIo, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// A value that goes on one config line: no line breaks.
bool one_line(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

}  // namespace

std::filesystem::path enrolled_conf(const EnrolSettings& s) {
  return s.state_dir / "enrolled.conf";
}
std::filesystem::path hub_info_conf(const EnrolSettings& s) {
  return s.state_dir / "hub_info.conf";
}

HubInfo read_hub_info(const EnrolSettings& s) {
  HubInfo info;
  auto file = ConfigFile::load(hub_info_conf(s).string());
  if (!file) return info;
  info.patient_name = file->get_or("patient_name", "");
  info.language = file->get_or("language", "");
  for (const auto& e : file->all("device")) info.devices.push_back(e.value);
  return info;
}

Enroller::Enroller(boost::asio::io_context& io, lp::LocalServer& page, EnrolSettings settings,
                   Counters& counters, std::function<void()> on_enrolled)
    : io_(io),
      page_(page),
      settings_(std::move(settings)),
      counters_(counters),
      on_enrolled_(std::move(on_enrolled)),
      usb_timer_(io) {}

void Enroller::start() {
  page_.add_route("GET", "/", [this](const lp::LocalRequest& req) {
    const std::string lang(lp::lang_code(req.lang));
    std::string body = lp::t(req.lang, "h2", "setup.heading");
    const bool failed = state_key_ == "setup.refused" || state_key_ == "setup.unreachable" ||
                        state_key_ == "setup.badCode";
    body += "<p id=\"setup-state\" data-state=\"" + lp::html_escape(state_key_) + "\"" +
            (failed ? " class=\"bad\"" : "") + ">" + lp::t(req.lang, "span", state_key_) + "</p>";
    if (working_ || done_) {
      // Refresh until done; then the status page takes over (no script: CSP).
      body = "<meta http-equiv=\"refresh\" content=\"2\">" + body;
    } else {
      body += "<form method=\"post\" action=\"/setup?lang=" + lang + "\"><p><label for=\"code\">" +
              lp::t(req.lang, "span", "setup.codeLabel") +
              "</label><br><input id=\"code\" name=\"code\" autocomplete=\"off\" "
              "autocapitalize=\"characters\" maxlength=\"20\" required></p><p>"
              "<button type=\"submit\" id=\"enrol\">" +
              lp::t(req.lang, "span", "setup.submit") + "</button></p></form>" +
              lp::t(req.lang, "p", "setup.usbHint");
    }
    lp::LocalResponse res;
    res.body = lp::render_page(req.lang, req.path, body);
    return res;
  });
  page_.add_route("POST", "/setup", [this](const lp::LocalRequest& req) {
    auto it = req.form.find("code");
    begin(it == req.form.end() ? "" : it->second, "setup page (" + req.listener + ")");
    return lp::redirect("/?lang=" + std::string(lp::lang_code(req.lang)));
  });
  watch_usb();
}

void Enroller::stop() { usb_timer_.cancel(); }

void Enroller::watch_usb() {
  if (settings_.usb_dir.empty() || done_) return;
  std::ifstream in(settings_.usb_dir / "kotona-enrol.txt");
  std::string line;
  if (in && std::getline(in, line) && line != last_usb_code_) {
    last_usb_code_ = line;  // a stick left in is tried once, not every 2 s
    begin(line, "USB stick");
  }
  usb_timer_.expires_after(kUsbPoll);
  usb_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) watch_usb();
  });
}

void Enroller::begin(std::string_view code, std::string_view source) {
  if (working_ || done_) return;
  const std::string normal = normalised_code(code);
  if (normal.empty()) {
    counters_.add("enrol_bad_code");
    state_key_ = "setup.badCode";
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(settings_.state_dir, ec);
  auto csr = make_key_and_csr(settings_.state_dir / "hub.key.new");
  if (!csr) {
    log_error(kLog, "cannot make the hub's key: " + csr.error().detail);
    state_key_ = "setup.unreachable";
    return;
  }
  working_ = true;
  state_key_ = "setup.working";
  log_info(kLog, "enrolling with a code from the " + std::string(source));
  json::object body{{"code", normal}, {"csr", *csr}};
  https_post_json(io_, settings_.url, settings_.server_ca, json::serialize(body), kPostTimeout,
                  [this](HttpsAnswer answer) { finish(answer.status, answer.body, answer.error); });
}

void Enroller::finish(int status, const std::string& body, const std::string& error) {
  working_ = false;
  if (status == 200) {
    if (auto stored = store_answer(body); stored) {
      done_ = true;
      state_key_ = "setup.done";
      counters_.add("enrol_done");
      usb_timer_.cancel();
      on_enrolled_();
      return;
    } else {
      log_error(kLog, "enrolment answer not stored: " + stored.error().detail);
      state_key_ = "setup.unreachable";
      return;
    }
  }
  counters_.add("enrol_failed");
  if (status == 403) {
    log_warn(kLog, "the server refused the code");
    state_key_ = "setup.refused";
  } else {
    log_warn(kLog, "enrolment failed: " + (status ? "HTTP " + std::to_string(status) : error));
    state_key_ = "setup.unreachable";
  }
}

Result<void> Enroller::store_answer(const std::string& body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return fail(Errc::kMalformed, "answer is not a JSON object");
  const auto& o = value.as_object();
  const std::string gateway = text_of(o, "gateway_id"), broker = text_of(o, "broker_uri");
  const std::string cert = text_of(o, "certificate"), broker_ca = text_of(o, "broker_ca");
  if (!is_valid_id_text(gateway) || broker.empty() || !one_line(broker) || cert.empty() ||
      broker_ca.empty()) {
    return fail(Errc::kMalformed, "answer lacks gateway_id, broker_uri, certificate or broker_ca");
  }
  const auto& dir = settings_.state_dir;
  if (auto w = write_file(dir / "hub.pem", cert); !w) return w;
  if (auto w = write_file(dir / "broker-ca.pem", broker_ca); !w) return w;
  std::error_code fec;
  std::filesystem::rename(dir / "hub.key.new", dir / "hub.key", fec);
  if (fec) return fail(Errc::kIo, "cannot keep the hub's key: " + fec.message());
  std::string info;
  const std::string name = text_of(o, "patient_name"), language = text_of(o, "language");
  if (!name.empty() && one_line(name)) info += "patient_name = " + name + "\n";
  if (!language.empty() && one_line(language)) info += "language = " + language + "\n";
  if (const auto* devices = o.if_contains("devices"); devices && devices->is_array()) {
    for (const auto& d : devices->as_array()) {
      if (d.is_string() && is_valid_id_text(std::string(d.as_string()))) {
        info += "device = " + std::string(d.as_string()) + "\n";
      }
    }
  }
  if (auto w = write_file(hub_info_conf(settings_), info); !w) return w;
  // Last: its presence is what makes the hub enrolled at the next start.
  const std::string conf =
      "# Written by enrolment: this hub's identity and broker.\n"
      "gateway_id = " +
      gateway + "\nmqtt_uri = " + broker + "\ntls_ca = " + (dir / "broker-ca.pem").string() +
      "\ntls_cert = " + (dir / "hub.pem").string() + "\ntls_key = " + (dir / "hub.key").string() +
      "\n";
  if (auto w = write_file(enrolled_conf(settings_), conf); !w) return w;
  log_info(kLog, "enrolled as " + gateway + "; broker " + broker);
  return {};
}

Result<EnrolSettings> parse_enrol_settings(const ConfigFile& file) {
  EnrolSettings s;
  s.url = file.get_or("enrol_url", "");
  s.server_ca = file.get_or("enrol_ca", "");
  s.state_dir = file.get_or("state_dir", "");
  s.usb_dir = file.get_or("setup_usb_dir", "");
  if (s.url.empty()) return s;
  if (!s.url.starts_with("https://") || s.url.size() <= 8) {
    return fail(Errc::kConfig, file.source() + ": enrol_url '" + s.url + "' must be https://...");
  }
  if (s.state_dir.empty() || !s.state_dir.is_absolute()) {
    return fail(Errc::kConfig, file.source() + ": enrol_url needs an absolute state_dir");
  }
  const std::string listen = file.get_or("setup_listen", "");
  if (!listen.empty()) {
    const auto colon = listen.rfind(':');
    unsigned port = 0;
    const std::string port_text = colon == std::string::npos ? "" : listen.substr(colon + 1);
    std::istringstream in(port_text);
    if (colon == std::string::npos || colon == 0 || !(in >> port) || !in.eof() || port > 65535) {
      return fail(Errc::kConfig,
                  file.source() + ": setup_listen '" + listen + "' must be HOST:PORT");
    }
    s.setup_host = listen.substr(0, colon);
    s.setup_port = static_cast<std::uint16_t>(port);
  }
  return s;
}

}  // namespace kotona::gateway::enrol
