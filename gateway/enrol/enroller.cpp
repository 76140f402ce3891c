#include "gateway/enrol/enroller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/ids.h"
#include "core/log.h"
#include "core/text.h"
#include "gateway/enrol/https_post.h"
#include "gateway/enrol/hub_key.h"
#include "gateway/local_page/page.h"
#include "gateway/manual_entry/manual_entry.h"

namespace kotona::gateway::enrol {

namespace json = boost::json;
namespace lp = local_page;

namespace {

constexpr std::string_view kLog = "enrol";
constexpr auto kPostTimeout = std::chrono::seconds(20);
// A 429 without a readable Retry-After waits this long; a longer Retry-After is cut to
// kMaxWait (the server's own longest wait is 10 min: a larger value is a fault, and a page
// that says "wait 3 days" helps nobody; the server answers 429 again if it still means it).
constexpr auto kDefaultWait = std::chrono::seconds(60);
constexpr auto kMaxWait = std::chrono::seconds(3600);

// "45 s", "2 min", "1 min 30 s" in `lang` (unit abbreviations: no plural forms needed).
std::string wait_text(lp::Lang lang, std::chrono::seconds left) {
  const auto min = left.count() / 60, sec = left.count() % 60;
  if (min == 0) return lp::fill(lang, "setup.waitSec", {{"s", std::to_string(sec)}});
  if (sec == 0) return lp::fill(lang, "setup.waitMin", {{"min", std::to_string(min)}});
  return lp::fill(lang, "setup.waitMinSec",
                  {{"min", std::to_string(min)}, {"s", std::to_string(sec)}});
}

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
  for (const auto& e : file->all("device")) {
    // An older server listed the pseudo-device of typed-in values in its enrolment reply
    // (13de69b stopped that), so a hub it enrolled has `device = manual` here: no meter to
    // read, it must not be shown as one never heard from.
    if (e.value == kManualSerial) continue;
    info.devices.push_back(e.value);
  }
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

std::chrono::seconds Enroller::wait_left() {
  const auto now = now_();
  if (now < wait_until_) {
    // Whole seconds, rounded up: "0 s" is never shown while the hub still waits.
    return std::chrono::ceil<std::chrono::seconds>(wait_until_ - now);
  }
  if (state_key_ == "setup.throttled") state_key_ = "setup.enterCode";
  return std::chrono::seconds(0);
}

std::string Enroller::setup_body(lp::Lang lang) {
  const auto left = wait_left();
  std::string body = lp::t(lang, "h2", "setup.heading");
  const bool failed = state_key_ == "setup.refused" || state_key_ == "setup.unreachable" ||
                      state_key_ == "setup.badCode" || state_key_ == "setup.throttled";
  const std::string text = state_key_ == "setup.throttled"
                               ? lp::fill(lang, state_key_, {{"wait", wait_text(lang, left)}})
                               : std::string(lp::tr(lang, state_key_));
  body += "<p id=\"setup-state\" data-state=\"" + lp::html_escape(state_key_) + "\"" +
          (failed ? " class=\"bad\"" : "") + "><span data-k=\"" + lp::html_escape(state_key_) +
          "\">" + lp::html_escape(text) + "</span></p>";
  if (left.count() > 0) {
    // No form while the server's wait runs; the page counts down and brings the form back
    // when it is over (no script: CSP).
    const auto refresh = std::min<std::int64_t>(left.count(), 10);
    return "<meta http-equiv=\"refresh\" content=\"" + std::to_string(refresh) + "\">" + body;
  }
  if (working_ || done_) {
    // Refresh until done; then the status page takes over (no script: CSP).
    return "<meta http-equiv=\"refresh\" content=\"1\">" + body;
  }
  const std::string code(lp::lang_code(lang));
  return body + "<form method=\"post\" action=\"/setup?lang=" + code +
         "\"><p><label for=\"code\">" + lp::t(lang, "span", "setup.codeLabel") +
         "</label><br><input id=\"code\" name=\"code\" autocomplete=\"off\" "
         "autocapitalize=\"characters\" maxlength=\"20\" required></p><p>"
         "<button type=\"submit\" id=\"enrol\">" +
         lp::t(lang, "span", "setup.submit") + "</button></p></form>" +
         lp::t(lang, "p", "setup.usbHint");
}

void Enroller::start() {
  page_.add_route("GET", "/", [this](const lp::LocalRequest& req) {
    lp::LocalResponse res;
    res.body = lp::render_page(req.lang, req.path, setup_body(req.lang));
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
  // During the server's wait the stick's code is left for later, not spent on a refusal.
  if (wait_left().count() == 0 && in && std::getline(in, line) && line != last_usb_code_) {
    last_usb_code_ = line;  // a stick left in is tried once, not every 2 s
    begin(line, "USB stick");
  }
  usb_timer_.expires_after(usb_poll_);
  usb_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) watch_usb();
  });
}

void Enroller::begin(std::string_view code, std::string_view source) {
  if (working_ || done_) return;
  if (wait_left().count() > 0) {
    // Not sent: the server asked this hub to wait (its Retry-After), so it would only be
    // refused again and lengthen the wait. The page keeps saying how long is left.
    counters_.add("enrol_held");
    log_info(kLog, "code from the " + std::string(source) + " not sent: the server's wait runs");
    return;
  }
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
  source_ = source;
  log_info(kLog, "enrolling with a code from the " + std::string(source));
  json::object body{{"code", normal}, {"csr", *csr}};
  auto done = [this](HttpsAnswer answer) { finish(answer); };
  if (post_) {
    post_(json::serialize(body), std::move(done));
  } else {
    https_post_json(io_, settings_.url, settings_.server_ca, json::serialize(body), kPostTimeout,
                    std::move(done));
  }
}

void Enroller::throttled(const std::string& retry_after) {
  auto wait = parse_retry_after(retry_after);
  if (!wait) {
    counters_.add("enrol_retry_after_bad");
    log_warn(kLog, "429 with no usable Retry-After ('" + retry_after.substr(0, 40) +
                       "'): waiting " + std::to_string(kDefaultWait.count()) + " s");
  }
  const auto seconds = std::clamp(wait.value_or(kDefaultWait), std::chrono::seconds(1), kMaxWait);
  wait_until_ = now_() + seconds;
  state_key_ = "setup.throttled";
  counters_.add("enrol_throttled");
  log_warn(kLog, "the server throttles enrolment from this address: no attempt for " +
                     std::to_string(seconds.count()) + " s");
  // A code from the stick was not judged: try it once more after the wait.
  if (source_ == "USB stick") last_usb_code_.clear();
}

void Enroller::finish(const HttpsAnswer& answer) {
  working_ = false;
  const int status = answer.status;
  if (status == 200) {
    if (auto stored = store_answer(answer.body); stored) {
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
  if (status == 429) {
    throttled(answer.retry_after);
  } else if (status == 403) {
    log_warn(kLog, "the server refused the code");
    state_key_ = "setup.refused";
  } else {
    log_warn(kLog,
             "enrolment failed: " + (status ? "HTTP " + std::to_string(status) : answer.error));
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
