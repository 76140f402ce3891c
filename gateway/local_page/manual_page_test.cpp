// The manual entry form on the hub's local page (issue 20 part 5): a mistyped value is asked
// about and not sent until confirmed; an impossible one is refused; texts in the patient's
// language.
#include "gateway/local_page/manual_page.h"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

namespace lp = kotona::gateway::local_page;
using namespace kotona;
using namespace kotona::gateway;

namespace {

const HubTime kNow =
    std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());

struct Form {
  boost::asio::io_context io;
  Counters counters;
  std::vector<Reading> committed;
  ManualEntry entry{GatewayId{"gw-home-1"},
                    [this](std::span<const Reading> r) -> Result<void> {
                      committed.insert(committed.end(), r.begin(), r.end());
                      return {};
                    },
                    counters};
  lp::LocalServer server{io, counters};
  Form() {
    lp::add_manual_page(server, {[this](const ManualForm& f) { return entry.submit(f, kNow); },
                                 [] { return kNow; }});
  }
  lp::LocalResponse post(std::map<std::string, std::string> form, lp::Lang lang = lp::Lang::kFi) {
    lp::LocalRequest req;
    req.method = "POST";
    req.path = "/manual";
    req.lang = lang;
    req.listener = "loopback";
    form.emplace("measured", now_text());
    form.emplace("entry", "f1");
    req.form = std::move(form);
    return server.handle_for_test(req);
  }
  static std::string now_text() {
    const std::time_t tt = std::chrono::system_clock::to_time_t(kNow - std::chrono::minutes{10});
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
    return buf;
  }
};

bool has(const std::string& body, std::string_view text) {
  return body.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("manual page: the kinds and a kind's form, in Russian, texts from the catalogue") {
  Form f;
  lp::LocalRequest req;
  req.method = "GET";
  req.path = "/manual";
  req.lang = lp::Lang::kRu;
  req.listener = "loopback";
  auto list = f.server.handle_for_test(req);
  CHECK(list.status == 200);
  CHECK(has(list.body, "href=\"/manual?kind=inr&amp;lang=ru\""));
  CHECK_FALSE(has(list.body, "kind=implant"));
  CHECK_FALSE(has(list.body, "\u27e6"));  // no missing key
  req.query = {{"kind", "bp"}};
  auto form = f.server.handle_for_test(req);
  CHECK(has(form.body, "Верхнее давление"));
  CHECK(has(form.body, "name=\"v.systolic_mmhg\""));
  CHECK(has(form.body, "name=\"enterer\""));
  CHECK_FALSE(has(form.body, "\u27e6"));
}

TEST_CASE("manual page: the language links keep the kind (form, question), the list has none") {
  Form f;
  lp::LocalRequest req;
  req.method = "GET";
  req.path = "/manual";
  req.listener = "loopback";
  auto list = f.server.handle_for_test(req);
  CHECK(has(list.body, "lang=\"sv\" href=\"/manual?lang=sv\""));
  req.query = {{"kind", "bp"}};
  auto form = f.server.handle_for_test(req);
  CHECK(has(form.body, "lang=\"sv\" href=\"/manual?kind=bp&amp;lang=sv\""));
  CHECK(has(form.body, "lang=\"ru\" href=\"/manual?kind=bp&amp;lang=ru\""));
  CHECK_FALSE(has(form.body, "lang=\"fi\" href=\"/manual?lang="));
  req.query = {{"kind", "bp\"><script>"}};  // not a kind: the list, links without it
  auto odd = f.server.handle_for_test(req);
  CHECK(has(odd.body, "lang=\"en\" href=\"/manual?lang=en\""));
  CHECK_FALSE(has(odd.body, "<script>"));
  auto asked = f.post({{"kind", "inr"}, {"v.ratio", "25"}}, lp::Lang::kSv);
  CHECK(has(asked.body, "lang=\"fi\" href=\"/manual?kind=inr&amp;lang=fi\""));
}

TEST_CASE("manual page: INR 25 is asked about (2,5 offered) and sent only when confirmed") {
  Form f;
  auto asked =
      f.post({{"kind", "inr"}, {"v.ratio", "25"}, {"enterer", "relative"}, {"name", "Anna"}});
  CHECK(asked.status == 200);
  CHECK(has(asked.body, "data-k=\"manual.ask.usual\""));
  CHECK(has(asked.body, "Tarkoititko 2,5?"));
  CHECK(has(asked.body, "name=\"confirmed\" value=\"1\""));
  CHECK(has(asked.body, "value=\"25\""));  // the typed value kept for correcting
  CHECK(f.committed.empty());

  auto corrected =
      f.post({{"kind", "inr"}, {"v.ratio", "2,5"}, {"enterer", "relative"}, {"name", "Anna"}});
  CHECK(has(corrected.body, "data-k=\"manual.stored\""));
  REQUIRE(f.committed.size() == 1);
  CHECK(std::get<Inr>(f.committed[0].measurement).ratio == doctest::Approx(2.5));
  CHECK(f.committed[0].provenance == Provenance{EntrySource::kManual, Enterer::kRelative, "Anna"});
}

TEST_CASE("manual page: a confirmed unusual value is sent, an impossible one refused (422)") {
  Form f;
  auto sent = f.post({{"kind", "bp"},
                      {"v.systolic_mmhg", "232"},
                      {"v.diastolic_mmhg", "120"},
                      {"confirmed", "1"}});
  CHECK(has(sent.body, "data-k=\"manual.stored\""));
  CHECK(f.committed.size() == 1);
  auto refused =
      f.post({{"kind", "spo2"}, {"v.percent", "105"}, {"confirmed", "1"}}, lp::Lang::kSv);
  CHECK(refused.status == 422);
  CHECK(has(refused.body, "data-k=\"manual.refused.range\""));
  CHECK(has(refused.body, "1–100"));
  auto not_number = f.post({{"kind", "inr"}, {"v.ratio", "2,5x"}});
  CHECK(not_number.status == 400);
  CHECK(has(not_number.body, "data-k=\"manual.notNumber\""));
  CHECK(f.committed.size() == 1);
}

TEST_CASE("parse_typed_number: comma or point, spaces, anything else nullopt") {
  CHECK(*lp::parse_typed_number("2,5") == doctest::Approx(2.5));
  CHECK(*lp::parse_typed_number(" 140 ") == doctest::Approx(140));
  CHECK(*lp::parse_typed_number("37.8") == doctest::Approx(37.8));
  CHECK_FALSE(lp::parse_typed_number(""));
  CHECK_FALSE(lp::parse_typed_number("2,5,1"));
  CHECK_FALSE(lp::parse_typed_number("abc"));
  CHECK_FALSE(lp::parse_typed_number("nan"));
  CHECK_FALSE(lp::parse_typed_number("1e999"));
}
