// Every row of core's kind table through every consumer (issue 21 part 1): a new row that the
// wire codec, stored JSON, kotona-decode JSON, FHIR export, page trend, `due` config,
// plausibility or rules cannot handle fails here, not at run time in the field.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "core/kinds.h"
#include "drivers/decode/json.h"
#include "proto/codec/wire.h"
#include "server/alerts/plausibility.h"
#include "server/alerts/rules.h"
#include "server/config.h"
#include "server/fhir/bundle.h"
#include "server/fhir/test_rows.h"
#include "server/http/web_routes.h"
#include "server/store/reading_json.h"

namespace kotona {
namespace {

// The row's measurement with every component at the middle of its limits (1.5 without), so
// each value differs from its neighbours' and a swapped field shows.
Measurement sample(const KindRow& row) {
  std::vector<ComponentValue> values;
  double offset = 0;
  for (const auto& c : row.components) {
    const double mid = c.limits ? (c.limits->low + c.limits->high) / 2 : 1.5;
    values.push_back({c.key, mid + offset, Comparator::kNone});
    offset += 0.25;
  }
  if (values.empty()) return default_measurement(row);
  auto m = make_measurement(row, values);
  REQUIRE_MESSAGE(m, row.name);
  return *m;
}

Reading reading_of(const KindRow& row) {
  Reading r;
  r.device = {"Acme", "M1", DeviceSerial{"SN-1"}, "", "acme"};
  r.record_id = "7";
  r.device_time = DeviceTime{std::chrono::seconds{1'790'000'000}};
  r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'001'000}};
  r.measurement = sample(row);
  finalize_reading(GatewayId{"gw-1"}, r);
  return r;
}

TEST_CASE("kind table: one row per Measurement alternative -> names unique, index = kind") {
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    CHECK(find_kind(row.name) == &row);
    CHECK(&kind_of(default_measurement(row)) == &row);
    CHECK(row.message_key == "kind." + std::string(row.name));
    const auto m = sample(row);
    const auto values = component_values(m);
    REQUIRE(values.size() == row.components.size());
    for (std::size_t i = 0; i < values.size(); ++i) CHECK(values[i].key == row.components[i].key);
  }
  CHECK(find_kind("cholesterol") == nullptr);
}

TEST_CASE("kind table: every row through the wire codec and stored JSON -> the same reading") {
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    const Reading r = reading_of(row);
    auto wire = wire::decode_reading(wire::encode_reading(r));
    REQUIRE_MESSAGE(wire, (wire ? "" : wire.error().detail));
    CHECK(*wire == r);
    auto stored = server::store::decode_reading_json(server::store::encode_reading_json(r));
    REQUIRE(stored);
    CHECK(*stored == r);
  }
}

TEST_CASE("kind table: every row through kotona-decode JSON -> kind and each value named") {
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    const std::string text = drivers::decode::reading_json(reading_of(row));
    CHECK(text.find("\"kind\":\"" + std::string(row.name) + "\"") != std::string::npos);
    for (const auto& c : row.components) {
      CHECK(text.find("\"" + std::string(c.name) + "\":") != std::string::npos);
    }
  }
}

TEST_CASE("kind table: every row through the FHIR export -> its code, category and values") {
  namespace json = boost::json;
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    auto obs = server::fhir::make_observation(
        server::fhir::testing::row("SN-1", "7", reading_of(row).measurement));
    REQUIRE_MESSAGE(obs, (obs ? "" : obs.error().detail));
    const std::string text = json::serialize(*obs);
    if (!row.code.loinc.empty()) CHECK(text.find(row.code.loinc) != std::string::npos);
    if (!row.fhir_category.empty()) CHECK(text.find(row.fhir_category) != std::string::npos);
    // meta.profile is the row's profile; every row names one (issue 19: the base Observation
    // profile where no PHR or vital-signs profile fits).
    REQUIRE_FALSE(row.fhir_profile.empty());
    CHECK(obs->at("meta").at("profile").at(0).as_string() == row.fhir_profile);
    // The narrative names the kind and each value in Finnish (and Swedish, on request).
    CHECK_FALSE(row.names.fi.empty());
    CHECK_FALSE(row.names.sv.empty());
    const std::string div(obs->at("text").at("div").as_string());
    CHECK(div.find(std::string(row.names.fi)) != std::string::npos);
    for (const auto& c : row.components) {
      CHECK(text.find(std::string(c.display)) != std::string::npos);
      CHECK_FALSE(c.names.fi.empty());
      CHECK_FALSE(c.names.sv.empty());
    }
  }
}

TEST_CASE("kind table: every row in `due` config, page trend, plausibility and rules") {
  const std::string page(server::http::kinds_module());
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    auto file =
        ConfigFile::parse("mqtt_uri = tcp://127.0.0.1:1883\ndb_path = s.db\ndue = patient-1 " +
                              std::string(row.name) + " 7d\n",
                          "t.conf");
    REQUIRE(file);
    auto config = server::parse_server_config(*file);
    CHECK_MESSAGE(config, (config ? "" : config.error().detail));
    bool plotted = false;
    for (const auto& c : row.components) plotted = plotted || c.trend;
    CHECK(plotted == (page.find(std::string(row.name) + ": [\"") != std::string::npos));
    // Every limited value at 0 is below its limit: the first one is named. (Made from the
    // row's components, as a generic kind's default measurement holds no values at all.)
    std::vector<ComponentValue> zeros;
    for (const auto& c : row.components) zeros.push_back({c.key, 0, Comparator::kNone});
    const auto m = zeros.empty() ? default_measurement(row) : make_measurement(row, zeros).value();
    for (const auto& c : row.components) {
      if (!c.limits) continue;
      auto found = server::alerts::find_implausible_value(m);
      REQUIRE(found);
      CHECK(found->find(std::string(c.label)) == 0);
      break;
    }
    if (!row.clinical_rules) {
      CHECK(server::alerts::evaluate_rules(reading_of(row), PatientId{"patient-1"}).empty());
    }
  }
}

}  // namespace
TEST_CASE("kind table: manual entry rules -> usual inside the server's limits inside possible") {
  int rules = 0;
  for (const auto& row : kind_table()) {
    for (const auto& c : row.components) {
      if (!c.manual) continue;
      ++rules;
      CAPTURE(c.key);
      const auto& m = *c.manual;
      CHECK(m.possible.low > 0);  // zero or less is no measurement of any enterable kind
      CHECK(m.possible.low <= m.usual.low);
      CHECK(m.usual.low < m.usual.high);
      CHECK(m.usual.high <= m.possible.high);
      CHECK(m.recent_change >= 0);
      if (c.limits) {  // asked before the server would flag it implausible
        CHECK(c.limits->low <= m.usual.low);
        CHECK(m.usual.high <= c.limits->high);
      }
    }
  }
  CHECK(rules >= 9);  // bp (3), glucose, inr, weight, spo2 (2), temperature
}

}  // namespace kotona
