// Enroller: a blank hub's set-up (issue 20 part 5). Shows the setup form on the hub's local
// page (loopback, plus the LAN `setup` listener while blank), or reads the code from a file
// on a USB stick; makes the hub's key (never leaves the hub) and CSR, posts code + CSR over
// HTTPS to the server, and stores what comes back in state_dir: hub.key, hub.pem,
// broker-ca.pem, enrolled.conf (gateway_id, mqtt_uri, tls_*: appended to the config at
// start) and hub_info.conf (patient name, language, devices). Then it calls on_enrolled
// (main closes the setup listener and starts the hub). A 429 (the server throttles this
// address) holds every attempt until its Retry-After has passed, and the page says how long.
// io thread only; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/config_file.h"
#include "core/counters.h"
#include "core/result.h"
#include "gateway/enrol/https_post.h"
#include "gateway/local_page/local_server.h"

namespace kotona::gateway::enrol {

struct EnrolSettings {
  std::string url;        // enrol_url: https://HOST[:PORT]/api/v1/hub/enrol; "" = off
  std::string server_ca;  // enrol_ca: the CA of the server's certificate ("" = system roots)
  std::filesystem::path state_dir;  // state_dir: where the key, certificate and state live
  std::string setup_host;           // setup_listen HOST (a LAN address), "" = none
  std::uint16_t setup_port = 0;
  std::filesystem::path usb_dir;  // setup_usb_dir: read <usb_dir>/kotona-enrol.txt if there
};

// The keys above. Errors: kConfig (enrol_url not https://, no state_dir with enrol_url, bad
// setup_listen).
[[nodiscard]] Result<EnrolSettings> parse_enrol_settings(const ConfigFile& file);

// state_dir/enrolled.conf and hub_info.conf.
std::filesystem::path enrolled_conf(const EnrolSettings& s);
std::filesystem::path hub_info_conf(const EnrolSettings& s);

// What hub_info.conf says (empty when not enrolled or unreadable).
struct HubInfo {
  std::string patient_name;
  std::string language;              // fi, sv, ru ("" = not told)
  std::vector<std::string> devices;  // meters enrolled for this hub (never `manual`)
};
HubInfo read_hub_info(const EnrolSettings& s);

class Enroller {
 public:
  Enroller(boost::asio::io_context& io, local_page::LocalServer& page, EnrolSettings settings,
           Counters& counters, std::function<void()> on_enrolled);
  Enroller(const Enroller&) = delete;
  Enroller& operator=(const Enroller&) = delete;

  // Registers GET / and POST /setup, and starts watching usb_dir.
  void start();
  // Stops the USB watch (after enrolment, or at shutdown).
  void stop();
  // Starts enrolment with `code` (as typed: dashes, spaces and case ignored). Ignored while
  // one is running or after success.
  void begin(std::string_view code, std::string_view source);

  // What the setup page says now: a catalogue key.
  const std::string& state_key() const { return state_key_; }

  // Test hooks: the HTTPS call (default https_post_json to enrol_url) and the clock.
  using Post = std::function<void(std::string body, std::function<void(HttpsAnswer)> done)>;
  void set_post_for_test(Post post) { post_ = std::move(post); }
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  void set_clock_for_test(Clock now) { now_ = std::move(now); }
  // REQUIRES: before start().
  void set_usb_poll_for_test(std::chrono::milliseconds every) { usb_poll_ = every; }

 private:
  void finish(const HttpsAnswer& answer);
  void throttled(const std::string& retry_after);
  // The server's wait still running (state "setup.throttled"): how long is left; else zero
  // (and a state of "setup.throttled" goes back to "setup.enterCode").
  std::chrono::seconds wait_left();
  std::string setup_body(local_page::Lang lang);
  [[nodiscard]] Result<void> store_answer(const std::string& body);
  void watch_usb();

  boost::asio::io_context& io_;
  local_page::LocalServer& page_;
  EnrolSettings settings_;
  Counters& counters_;
  std::function<void()> on_enrolled_;
  boost::asio::steady_timer usb_timer_;
  std::string state_key_ = "setup.enterCode";
  std::string last_usb_code_;
  std::string source_;  // where the running attempt's code came from ("USB stick", ...)
  bool working_ = false;
  bool done_ = false;
  // After a 429 the server's Retry-After: no attempt is sent before this time.
  std::chrono::steady_clock::time_point wait_until_{};
  Post post_;
  Clock now_ = [] { return std::chrono::steady_clock::now(); };
  std::chrono::milliseconds usb_poll_{2000};  // how often the stick is looked at
};

}  // namespace kotona::gateway::enrol
