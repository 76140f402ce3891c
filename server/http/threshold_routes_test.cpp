// A patient's thresholds over HTTP (issue 18 part 5): read with their sources, changed by a
// clinician of the team (in force for the next reading, audited, in the history), and a 400
// naming the refused value with the config parser's text. Authorisation per role and team:
// authz_matrix_test.cpp.
#include <doctest/doctest.h>

#include "server/http/test_served.h"

namespace ts = kotona::server::http::test_served;
namespace bhttp = boost::beast::http;
using ts::Served;

namespace {

// An answer's JSON object, and a JSON string's text.
auto object(const bhttp::response<bhttp::string_body>& res) {
  return boost::json::parse(res.body()).as_object();
}
auto text(const boost::json::value& v) { return std::string(v.as_string()); }

const boost::json::object& value_of(const boost::json::object& t, const std::string& key) {
  for (const auto& v : t.at("values").as_array()) {
    if (v.at("key").as_string() == key) return v.as_object();
  }
  FAIL("no threshold " << key);
  return t;
}

const std::string kPath = "/api/v1/patients/patient-1/thresholds";

// Stores BP `systolic`/80 of patient-1 as record `record`; returns the rule ids it raised.
std::vector<std::string> measure(Served& s, int record, double systolic) {
  return ts::on_io(s.io, [&] {
    auto out = s.store->ledger().store_batch(
        ts::kGw, {ts::kGw, static_cast<std::uint64_t>(record), {ts::bp(record, systolic)}, {}},
        kotona::HubTime{});
    REQUIRE(out.has_value());
    std::vector<std::string> rules;
    for (const auto& a : out->new_alerts) rules.push_back(a.rule_id);
    return rules;
  });
}

// patient-1 in the register (team ward-a, as the admin); returns dr-lee's token.
std::string registered(Served& s) {
  REQUIRE(s.request(bhttp::verb::post, "/api/v1/patients", std::nullopt,
                    R"({"patient_id":"patient-1","team":"ward-a"})")
              .result_int() == 201);
  return s.clinician_token;
}

}  // namespace

TEST_CASE(
    "PUT /api/v1/patients/{id}/thresholds: the next reading alerts on it, audited, history, 400 "
    "names the bad value") {
  Served s;
  const std::string lee = registered(s);
  auto before = object(s.request(bhttp::verb::get, kPath, lee));
  CHECK(value_of(before, "bp_crisis_systolic_mmhg").at("value").to_number<double>() == 180);
  CHECK(text(value_of(before, "bp_crisis_systolic_mmhg").at("source")) == "default");
  CHECK(before.at("history").as_array().empty());

  auto bad =
      s.request(bhttp::verb::put, kPath, lee, R"({"values":{"bp_crisis_systolic_mmhg":"abc"}})");
  REQUIRE(bad.result() == bhttp::status::bad_request);
  auto why = object(bad);
  // The config parser's own words for `rule = patient-1 bp_crisis_systolic_mmhg=abc`.
  CHECK(text(why.at("error")) ==
        "rule setting bp_crisis_systolic_mmhg: not a non-negative number: abc");
  CHECK(text(why.at("code")) == "number");
  CHECK(text(why.at("key")) == "bp_crisis_systolic_mmhg");
  CHECK(text(why.at("value")) == "abc");
  auto inconsistent =
      object(s.request(bhttp::verb::put, kPath, lee, R"({"values":{"inr_target_low":3.5}})"));
  CHECK(text(inconsistent.at("code")) == "inr");
  CHECK(text(inconsistent.at("error")).starts_with("INR limits must satisfy"));
  for (const char* body : {"not json", R"({"values":5})", R"({"values":{"spo2_low_percent":true}})",
                           R"({"spo2_low_percent":88})"}) {
    CHECK_MESSAGE(
        s.request(bhttp::verb::put, kPath, lee, body).result() == bhttp::status::bad_request, body);
  }
  CHECK(s.counters.snapshot()["thresholds_refused"] == 2);

  CHECK(measure(s, 1, 170).empty());
  auto put =
      s.request(bhttp::verb::put, kPath, lee, R"({"values":{"bp_crisis_systolic_mmhg":160}})");
  REQUIRE_MESSAGE(put.result() == bhttp::status::ok, put.body());
  auto after = object(put);
  const auto& v = value_of(after, "bp_crisis_systolic_mmhg");
  CHECK(v.at("value").to_number<double>() == 160);
  CHECK(v.at("default").to_number<double>() == 180);
  CHECK(text(v.at("source")) == "set");
  CHECK(text(v.at("set_by")) == "dr-lee");
  REQUIRE(after.at("history").as_array().size() == 1);
  const auto& h = after.at("history").as_array().at(0);
  CHECK(h.at("before").is_null());
  CHECK(text(h.at("after")) == "160");
  CHECK(text(h.at("by")) == "dr-lee");
  CHECK(measure(s, 2, 170) == std::vector<std::string>{"bp.crisis"});

  auto audit = boost::json::parse(
                   s.request(bhttp::verb::get, "/api/v1/audit?alert=patient/patient-1").body())
                   .as_array();
  REQUIRE_FALSE(audit.empty());  // newest first
  CHECK(text(audit[0].at("action")) == "thresholds.update");
  CHECK(text(audit[0].at("actor")) == "dr-lee");
  CHECK(text(audit[0].at("detail")) == "bp_crisis_systolic_mmhg: - -> 160");

  auto back = object(
      s.request(bhttp::verb::put, kPath, lee, R"({"values":{"bp_crisis_systolic_mmhg":null}})"));
  CHECK(text(value_of(back, "bp_crisis_systolic_mmhg").at("source")) == "default");
  CHECK(back.at("history").as_array().size() == 2);
}

TEST_CASE(
    "GET /api/v1/patients/{id}/thresholds: a stored value the config seed now refuses -> not in "
    "force, the seed's value, the refusal's code and words, thresholds.refused raised once") {
  Served s;
  const std::string lee = registered(s);
  auto set = object(s.request(bhttp::verb::put, kPath, lee,
                              R"({"values":{"bp_hypotension_systolic_mmhg":140}})"));
  CHECK(value_of(set, "bp_hypotension_systolic_mmhg").at("in_force").as_bool());
  CHECK(value_of(set, "bp_hypotension_systolic_mmhg").at("refusal").is_null());
  // The config changed since (a restart with crisis 130): 140 no longer fits under it.
  ts::on_io(s.io, [&] {
    kotona::server::alerts::RuleConfig seed;
    seed.bp_crisis_systolic_mmhg = 130;
    s.store->alert_book().set_rule_configs({{"patient-1", seed}});
    return 0;
  });
  CHECK(measure(s, 1, 135) == std::vector<std::string>{"thresholds.refused", "bp.crisis"});
  CHECK(measure(s, 2, 120) == std::vector<std::string>{});  // once, not per reading
  auto shown = object(s.request(bhttp::verb::get, kPath, lee));
  const auto& low = value_of(shown, "bp_hypotension_systolic_mmhg");
  CHECK_FALSE(low.at("in_force").as_bool());
  CHECK(low.at("value").to_number<double>() == 90);  // what the rules use: the seed's
  CHECK(text(low.at("stored")) == "140");
  CHECK(text(low.at("source")) == "set");
  CHECK(text(low.at("refusal").at("code")) == "bp");
  CHECK(text(low.at("refusal").at("key")).empty());  // the range as a whole
  CHECK(text(low.at("refusal").at("error")).find("below the crisis limit") != std::string::npos);
  CHECK(value_of(shown, "bp_crisis_systolic_mmhg").at("in_force").as_bool());
  CHECK(value_of(shown, "bp_crisis_systolic_mmhg").at("stored").is_null());
}
