#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <set>
#include <thread>

#include "core/kinds.h"
#include "gateway/local_page/catalogue.h"
#include "gateway/local_page/local_server.h"
#include "gateway/local_page/page.h"
#include "gateway/local_page/status_page.h"
#include "tests/support/http_client.h"

namespace lp = kotona::gateway::local_page;

namespace {

using kotona::test::raw_http;

// True when a TCP connection to address:port is accepted (something listens there).
bool can_connect(const std::string& address, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

std::string get(const std::string& address, std::uint16_t port, const std::string& target,
                const std::string& extra = "") {
  return raw_http(address, port,
                  "GET " + target + " HTTP/1.1\r\nHost: " + address + ":" + std::to_string(port) +
                      "\r\n" + extra + "Connection: close\r\n\r\n");
}

std::string post(const std::string& address, std::uint16_t port, const std::string& target,
                 const std::string& body, const std::string& extra) {
  return raw_http(address, port,
                  "POST " + target + " HTTP/1.1\r\nHost: " + address + ":" + std::to_string(port) +
                      "\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body);
}

// A LocalServer on its own io thread; `on_io` runs a call there and waits for it.
struct Served {
  boost::asio::io_context io;
  kotona::Counters counters;
  lp::LocalServer server{io, counters};
  std::thread thread;
  std::uint16_t port = 0;

  void start() {
    auto p = server.listen("loopback", "127.0.0.1", 0);
    REQUIRE(p.has_value());
    port = *p;
    thread = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io);
      io.run();
    });
  }
  template <typename F>
  void on_io(F f) {
    std::promise<void> done;
    boost::asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }
  ~Served() {
    on_io([this] { server.stop(); });
    io.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("local page catalogue: every key once, in fi, sv, ru and en") {
  std::set<std::string_view> keys;
  for (const auto& row : lp::catalogue_rows()) {
    CHECK_MESSAGE(keys.insert(row.key).second, "repeated key ", row.key);
    for (auto text : {row.fi, row.sv, row.ru, row.en}) CHECK_MESSAGE(!text.empty(), row.key);
  }
  CHECK(lp::tr(lp::Lang::kRu, "status.patient") == "Пациент");
  CHECK(lp::tr(lp::Lang::kFi, "no.such.key").find("\u27e6") == 0);
}

TEST_CASE(
    "local page status: a meter named by its kind in each language, its path only small detail") {
  // Every kind of measurement has a meter name in all four languages (a new kind row needs one).
  for (const auto& kind : kotona::kind_table()) {
    CAPTURE(kind.name);
    for (const auto lang : lp::kLangs)
      CHECK(lp::tr(lang, lp::meter_key(kind.name)).find("\u27e6") == std::string_view::npos);
  }
  CHECK(lp::meter_key("") == "meter.unknown");
  CHECK(lp::meter_key("no_such_kind") == "meter.unknown");
  lp::HubView view;
  view.gateway_id = "gw-1";
  view.devices.push_back({"/dev/serial/by-id/usb-FTDI_A1-if00", "inr", std::nullopt});
  view.devices.push_back({"PLUGIN0001", "", std::nullopt});
  const std::string ru = lp::render_status(lp::Lang::kRu, view);
  CHECK(ru.find("<td class=\"meter\"><span data-k=\"meter.inr\">Коагулометр (МНО)</span><br>"
                "<small data-v>/dev/serial/by-id/usb-FTDI_A1-if00</small></td>") !=
        std::string::npos);
  CHECK(
      ru.find("<span data-k=\"meter.unknown\">Прибор</span><br><small data-v>PLUGIN0001</small>") !=
      std::string::npos);
  CHECK(lp::render_status(lp::Lang::kFi, view).find(">INR-mittari<") != std::string::npos);
  CHECK(lp::render_status(lp::Lang::kSv, view).find(">INR-mätare<") != std::string::npos);
  CHECK(lp::render_status(lp::Lang::kEn, view).find(">INR meter<") != std::string::npos);
}

TEST_CASE("local page choose_lang: query, then Accept-Language, then Finnish") {
  CHECK(lp::choose_lang("sv", "ru") == lp::Lang::kSv);
  CHECK(lp::choose_lang("", "de-DE,ru;q=0.8,en;q=0.5") == lp::Lang::kRu);
  CHECK(lp::choose_lang("xx", "sv-FI") == lp::Lang::kSv);
  CHECK(lp::choose_lang("", "de") == lp::Lang::kFi);
}

TEST_CASE("local page decode_form: plus, percent escapes, bad escapes kept, first value wins") {
  auto f = lp::decode_form("a=1&b=x+y%21&c=%zz&a=2&flag&=empty");
  CHECK(f["a"] == "1");
  CHECK(f["b"] == "x y!");
  CHECK(f["c"] == "%zz");
  CHECK(f.contains("flag"));
  CHECK(lp::html_escape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE(
    "local server: a registered route gets its form, other paths 404, in the asked language") {
  Served s;
  std::string seen;
  s.server.add_route("POST", "/echo", [&](const lp::LocalRequest& req) {
    seen = req.form.at("value") + "/" + std::string(lp::lang_code(req.lang));
    return lp::redirect("/?lang=" + std::string(lp::lang_code(req.lang)));
  });
  lp::add_status_page(s.server, [] { return lp::HubView{}; });
  s.start();
  const auto page = get("127.0.0.1", s.port, "/?lang=ru");
  CHECK(page.starts_with("HTTP/1.1 200"));
  CHECK(page.find("<html lang=\"ru\">") != std::string::npos);
  CHECK(page.find("Концентратор ещё не подключён.") != std::string::npos);
  CHECK(page.find("Content-Security-Policy: default-src 'none'") != std::string::npos);
  const auto sv = get("127.0.0.1", s.port, "/", "Accept-Language: sv-FI,sv;q=0.9\r\n");
  CHECK(sv.find("Hubben har inte tagits i bruk ännu.") != std::string::npos);
  CHECK(get("127.0.0.1", s.port, "/nothing").starts_with("HTTP/1.1 404"));
  const auto posted = post("127.0.0.1", s.port, "/echo?lang=sv", "value=5%2C4",
                           "Content-Type: application/x-www-form-urlencoded\r\n");
  CHECK(posted.starts_with("HTTP/1.1 303"));
  CHECK(seen == "5,4/sv");
}

TEST_CASE(
    "local server: another Host, a foreign Origin, a non-form POST or an oversized request -> "
    "refused, counted") {
  Served s;
  int calls = 0;
  s.server.add_route("POST", "/echo", [&](const lp::LocalRequest&) {
    ++calls;
    return lp::redirect("/");
  });
  s.start();
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  CHECK(raw_http("127.0.0.1", s.port,
                 "GET / HTTP/1.1\r\nHost: evil.example:" + std::to_string(s.port) +
                     "\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 421"));
  CHECK(post("127.0.0.1", s.port, "/echo", "a=1", form + "Origin: http://evil.example\r\n")
            .starts_with("HTTP/1.1 403"));
  CHECK(post("127.0.0.1", s.port, "/echo", "{}", "Content-Type: application/json\r\n")
            .starts_with("HTTP/1.1 415"));
  CHECK(calls == 0);
  CHECK(post("127.0.0.1", s.port, "/echo", "a=1",
             form + "Origin: http://127.0.0.1:" + std::to_string(s.port) + "\r\n")
            .starts_with("HTTP/1.1 303"));
  CHECK(calls == 1);
  CHECK(s.counters.get("local_page_refused") == 3);
  // Over the body or header limit: answered 413 / 431 in the browser's language, then closed.
  const auto big = post("127.0.0.1", s.port, "/echo", std::string(64 * 1024, 'a'),
                        form + "Accept-Language: sv\r\n");
  CHECK(big.starts_with("HTTP/1.1 413"));
  CHECK(big.find("Begäran kunde inte hanteras.") != std::string::npos);
  CHECK(get("127.0.0.1", s.port, "/", "X-Junk: " + std::string(9000, 'x') + "\r\n")
            .starts_with("HTTP/1.1 431"));
  CHECK(calls == 1);
  CHECK(s.counters.get("local_page_too_large") == 2);
  CHECK(get("127.0.0.1", s.port, "/nope").starts_with("HTTP/1.1 404"));  // still serving
}

TEST_CASE("local server: a closed listener no longer answers, loopback still does") {
  Served s;
  lp::add_status_page(s.server, [] { return lp::HubView{}; });
  // A second loopback address stands for the LAN address of the setup listener.
  auto setup = s.server.listen("setup", "127.0.0.2", 0);
  REQUIRE(setup.has_value());
  s.start();
  CHECK(get("127.0.0.2", *setup, "/").starts_with("HTTP/1.1 200"));
  s.on_io([&] { s.server.close_listener("setup"); });
  CHECK(!s.server.is_listening("setup"));
  CHECK(!can_connect("127.0.0.2", *setup));
  CHECK(get("127.0.0.2", *setup, "/").empty());
  CHECK(get("127.0.0.1", s.port, "/").starts_with("HTTP/1.1 200"));
}

TEST_CASE(
    "local page pairing: the button on loopback opens the window, refused on the setup listener") {
  Served s;
  int opened = 0;
  lp::HubView view;
  view.gateway_id = "gw-1";
  view.has_ble = true;
  lp::add_status_page(s.server, [&] { return view; });
  lp::add_pairing_route(s.server, [&] {
    ++opened;
    view.pairing = true;
    return true;
  });
  auto setup = s.server.listen("setup", "127.0.0.2", 0);
  REQUIRE(setup.has_value());
  s.start();
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  CHECK(get("127.0.0.1", s.port, "/?lang=fi").find("Yhdistä uusi mittari") != std::string::npos);
  CHECK(post("127.0.0.2", *setup, "/pair", "", form).starts_with("HTTP/1.1 403"));
  CHECK(opened == 0);
  CHECK(post("127.0.0.1", s.port, "/pair?lang=sv", "", form).starts_with("HTTP/1.1 303"));
  CHECK(opened == 1);
  CHECK(get("127.0.0.1", s.port, "/?lang=sv").find("Anslutningen är öppen") != std::string::npos);
}
