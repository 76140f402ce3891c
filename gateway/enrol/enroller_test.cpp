// The Enroller's answer to a throttling server (429 Retry-After), without the network: the
// HTTPS call and the clock are the test's (set_post_for_test, set_clock_for_test); and what
// read_hub_info makes of hub_info.conf.
#include "gateway/enrol/enroller.h"

#include <doctest/doctest.h>

#include <fstream>

#include "gateway/enrol/https_post.h"
#include "tests/support/process.h"

namespace {

using namespace kotona;
using namespace std::chrono_literals;
namespace enrol = kotona::gateway::enrol;
namespace lp = kotona::gateway::local_page;

struct Hub {
  test::TempDir dir;
  boost::asio::io_context io;
  Counters counters;
  lp::LocalServer page{io, counters};
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  std::vector<enrol::HttpsAnswer> answers;  // given in turn, one per post
  int posts = 0;
  std::unique_ptr<enrol::Enroller> enroller;

  // `stick`: the code on a USB stick already in when the hub starts.
  explicit Hub(std::vector<enrol::HttpsAnswer> given, std::string stick = "")
      : answers(std::move(given)) {
    enrol::EnrolSettings s;
    s.url = "https://centre.invalid/api/v1/hub/enrol";
    s.state_dir = dir / "state";
    if (!stick.empty()) {
      s.usb_dir = dir.path();
      std::ofstream(dir / "kotona-enrol.txt") << stick << "\n";
    }
    enroller = std::make_unique<enrol::Enroller>(io, page, s, counters, [] {});
    enroller->set_clock_for_test([this] { return now; });
    enroller->set_usb_poll_for_test(10ms);
    enroller->set_post_for_test([this](std::string, std::function<void(enrol::HttpsAnswer)> done) {
      REQUIRE(static_cast<std::size_t>(posts) < answers.size());
      done(answers.at(static_cast<std::size_t>(posts++)));
    });
    enroller->start();
  }
  std::string get(lp::Lang lang) {
    lp::LocalRequest req;
    req.method = "GET";
    req.path = "/";
    req.lang = lang;
    req.listener = "loopback";
    return page.handle_for_test(req).body;
  }
};

enrol::HttpsAnswer throttle(std::string retry_after) {
  return {429, R"({"error":"too many refused attempts"})", "", std::move(retry_after)};
}

}  // namespace

TEST_CASE(
    "enroller: 429 Retry-After 90 -> the page says the wait in each language, no form, no "
    "attempt sent before it, the code sent after it") {
  Hub hub({throttle("90"), {403, "{}", "", ""}});
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.posts == 1);
  CHECK(hub.enroller->state_key() == "setup.throttled");
  CHECK(hub.counters.get("enrol_throttled") == 1);
  const auto fi = hub.get(lp::Lang::kFi);
  CHECK(fi.find("Hoitokeskus pyytää odottamaan 1\u00a0min 30\u00a0s.") != std::string::npos);
  CHECK(fi.find("<form") == std::string::npos);
  CHECK(fi.find("http-equiv=\"refresh\" content=\"10\"") != std::string::npos);
  CHECK(hub.get(lp::Lang::kSv).find("ber dig vänta 1\u00a0min 30\u00a0s.") != std::string::npos);
  CHECK(hub.get(lp::Lang::kRu).find("просит подождать 1\u00a0мин 30\u00a0с.") != std::string::npos);
  CHECK(hub.get(lp::Lang::kEn).find("asks you to wait 1\u00a0min 30\u00a0s.") != std::string::npos);
  // During the wait (a page from before it still has the form): any code is held, not sent,
  // and the page keeps saying the wait.
  hub.now += 60s;
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  hub.enroller->begin("12-34", "setup page (loopback)");
  CHECK(hub.posts == 1);
  CHECK(hub.counters.get("enrol_held") == 2);
  CHECK(hub.enroller->state_key() == "setup.throttled");
  CHECK(hub.get(lp::Lang::kEn).find("wait 30\u00a0s.") != std::string::npos);
  // The page counts down to the last second, then the form is back.
  hub.now += 29s + 500ms;
  CHECK(hub.get(lp::Lang::kEn).find("wait 1\u00a0s.") != std::string::npos);
  // Over: the form is back and the next code goes to the server.
  hub.now += 500ms;
  const auto after = hub.get(lp::Lang::kFi);
  CHECK(after.find("<form") != std::string::npos);
  CHECK(after.find("data-state=\"setup.enterCode\"") != std::string::npos);
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.posts == 2);
  CHECK(hub.enroller->state_key() == "setup.refused");
}

TEST_CASE(
    "enroller: 429 with no or a bad Retry-After -> 60 s, counted, a huge one -> 1 h at most") {
  Hub hub(
      {throttle(""), throttle("Wed, 21 Oct 2026 07:28:00 GMT"), throttle("86400"), throttle("0")});
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.get(lp::Lang::kEn).find("wait 1\u00a0min.") != std::string::npos);
  CHECK(hub.counters.get("enrol_retry_after_bad") == 1);
  hub.now += 60s;
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.counters.get("enrol_retry_after_bad") == 2);
  hub.now += 60s;
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.get(lp::Lang::kEn).find("wait 60\u00a0min.") != std::string::npos);
  hub.now += 3600s;
  // Retry-After 0: still one second before the next attempt (never a tight loop).
  hub.enroller->begin("ABCD-EFGH-JKMN", "setup page (loopback)");
  CHECK(hub.get(lp::Lang::kEn).find("wait 1\u00a0s.") != std::string::npos);
  CHECK(hub.posts == 4);
}

TEST_CASE("enroller: a USB stick's code throttled -> not read during the wait, tried once after") {
  Hub hub({throttle("30"), {403, "{}", "", ""}}, "ABCD-EFGH-JKMN");  // read at start
  CHECK(hub.posts == 1);
  CHECK(hub.enroller->state_key() == "setup.throttled");
  hub.now += 29s;
  hub.io.run_for(50ms);  // several looks at the stick inside the wait
  CHECK(hub.posts == 1);
  CHECK(hub.counters.get("enrol_held") == 0);
  hub.now += 1s;
  hub.io.restart();
  hub.io.run_for(50ms);  // after it: the same code once more, then no more
  CHECK(hub.posts == 2);
  CHECK(hub.enroller->state_key() == "setup.refused");
}

TEST_CASE("hub info: 'device = manual' from an older server's enrolment -> not a meter") {
  test::TempDir dir;
  enrol::EnrolSettings s;
  s.state_dir = dir.path();
  std::ofstream(enrol::hub_info_conf(s)) << "patient_name = Aino\nlanguage = fi\n"
                                            "device = bp-7\ndevice = manual\ndevice = inr-2\n";
  const auto info = enrol::read_hub_info(s);
  CHECK(info.patient_name == "Aino");
  CHECK(info.devices == std::vector<std::string>{"bp-7", "inr-2"});
}
