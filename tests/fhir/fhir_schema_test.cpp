// The export builder's Bundles against the official FHIR R4 JSON schema, and proof that the
// validation can fail (a wrong field type, an unknown field).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/kinds.h"
#include "server/fhir/bundle.h"
#include "server/fhir/test_rows.h"
#include "server/store/json_text.h"
#include "tests/fhir/schema_validator.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::server;
namespace json = boost::json;

namespace {

// One reading of every generic kind-table row (heart rate, ...), each value mid-range: a new
// row is schema-checked without an edit here (issue 21).
void add_generic_kinds(std::vector<store::StoredReading>& rows) {
  const auto table = kind_table();
  for (std::size_t i = std::variant_size_v<Measurement> - 1; i < table.size(); ++i) {
    std::vector<ComponentValue> values;
    for (const auto& c : table[i].components) {
      const double v = c.limits ? (c.limits->low + c.limits->high) / 2 : 1.0;
      values.push_back(ComponentValue{c.key, v});
    }
    auto m = make_measurement(table[i], values);
    REQUIRE_MESSAGE(m, table[i].name);
    rows.push_back(fhir::testing::row("GEN" + std::to_string(i), "1", *m));
  }
}

json::object every_kind_bundle() {
  auto rows = fhir::testing::every_kind();
  add_generic_kinds(rows);
  QualityFlags control;
  control.control_result = true;
  rows.push_back(fhir::testing::row("INR1", "2", Inr{2.4, std::nullopt, std::nullopt}, control));
  QualityFlags no_clock;
  no_clock.clock_missing = true;
  auto late = fhir::testing::row("SCALE1", "2", Weight{82.0}, no_clock);
  late.device_time.reset();
  late.clock_offset.reset();
  rows.push_back(late);
  for (auto precision : {TimePrecision::kMinute, TimePrecision::kHour, TimePrecision::kDay}) {
    QualityFlags coarse;  // an ASTM meter that sent YYYYMMDD[HH[MM]] (issue 14)
    coarse.device_time_precision = precision;
    rows.push_back(fhir::testing::row("GLU1", std::string(time_precision_name(precision)),
                                      Glucose{6.1, MealMarker::kUnknown}, coarse));
  }
  // Device range indicators (valueQuantity.comparator) and an implausible-flagged value.
  rows.push_back(fhir::testing::row("INR1", "3", Inr{8.0, {}, {}, Comparator::kAboveRange}));
  rows.push_back(
      fhir::testing::row("GLU1", "2", Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}));
  QualityFlags implausible;
  implausible.implausible = true;
  rows.push_back(fhir::testing::row("SCALE1", "3", Weight{0.4}, implausible));
  auto out = fhir::build_everything_bundle({PatientId{"patient-1"}, rows, fhir::testing::kHubTime});
  REQUIRE(out.has_value());
  return out->bundle;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("FHIR R4 schema: export of every kind -> Bundle and every resource valid") {
  test::TempDir dir;
  auto bundle = every_kind_bundle();
  auto result = test::validate_fhir(store::to_json_text(bundle), dir.path(), "bundle.json");
  CHECK_MESSAGE(result.exit_code == 0, result.output);
  CHECK(result.output.find("1 file(s), 0 error(s)") != std::string::npos);
  // The generic rows are in it: heart rate (LOINC 8867-4) among them.
  CHECK(store::to_json_text(bundle).find("\"8867-4\"") != std::string::npos);
}

TEST_CASE("FHIR R4 schema: Patient with henkilotunnus identifier and name -> valid") {
  test::TempDir dir;
  fhir::ExportRequest request{PatientId{"patient-1"}, fhir::testing::every_kind(),
                              fhir::testing::kHubTime};
  request.henkilotunnus = "131052-308T";
  request.display_name = "Aino Virtanen";
  auto out = fhir::build_everything_bundle(request);
  REQUIRE(out.has_value());
  auto text = store::to_json_text(out->bundle);
  CHECK(text.find(R"("system":"urn:oid:1.2.246.21","value":"131052-308T")") != std::string::npos);
  auto result = test::validate_fhir(text, dir.path(), "patient-hetu.json");
  CHECK_MESSAGE(result.exit_code == 0, result.output);
  CHECK(result.output.find("1 file(s), 0 error(s)") != std::string::npos);
  // The same Patient with the name as a bare string (not a HumanName): rejected.
  auto& entries = out->bundle.at("entry").as_array();
  entries.at(0).at("resource").as_object()["name"] = "Aino Virtanen";
  auto bad = test::validate_fhir(store::to_json_text(out->bundle), dir.path(), "bad-name.json");
  CHECK(bad.exit_code == 1);
}

TEST_CASE("FHIR R4 schema: OperationOutcome -> valid") {
  test::TempDir dir;
  auto oo = fhir::make_operation_outcome("invalid", "start must be YYYY-MM-DD");
  auto result = test::validate_fhir(store::to_json_text(oo), dir.path(), "oo.json");
  CHECK_MESSAGE(result.exit_code == 0, result.output);
}

TEST_CASE("FHIR R4 schema: wrong field type or unknown field -> rejected (validation can fail)") {
  test::TempDir dir;
  auto valid =
      test::validate_fhir(file_text("testdata/valid_observation.json"), dir.path(), "valid.json");
  CHECK_MESSAGE(valid.exit_code == 0, valid.output);
  auto invalid = test::validate_fhir(file_text("testdata/invalid_observation.json"), dir.path(),
                                     "invalid.json");
  CHECK(invalid.exit_code == 1);
  CHECK_MESSAGE(invalid.output.find("/valueQuantity/value") != std::string::npos, invalid.output);

  // The same corruptions inside an exported Bundle: a number as a string, a misspelt field,
  // a bad status code, an effectiveDateTime without a time zone.
  auto bundle = every_kind_bundle();
  auto& entries = bundle.at("entry").as_array();
  json::object* obs = nullptr;
  for (auto& e : entries) {
    auto& r = e.at("resource").as_object();
    if (r.at("resourceType").as_string() == "Observation" && r.contains("valueQuantity")) {
      obs = &r;
      break;
    }
  }
  REQUIRE(obs != nullptr);
  struct Corruption {
    const char* name;
    const char* field;
    json::value value;
  };
  const Corruption corruptions[] = {
      {"value_as_string", "valueQuantity", json::object{{"value", "2.6"}}},
      {"unknown_field", "effectiveDate", json::string("2026-11-23")},
      {"bad_status", "status", json::string("finished kind of")},
      {"no_time_zone", "effectiveDateTime", json::string("2026-11-23T09:00:00")},
  };
  for (const auto& c : corruptions) {
    auto copy = bundle;
    json::object* target = nullptr;
    for (auto& e : copy.at("entry").as_array()) {
      auto& r = e.at("resource").as_object();
      if (r.at("id") == obs->at("id")) target = &r;
    }
    REQUIRE(target != nullptr);
    (*target)[c.field] = c.value;
    auto result =
        test::validate_fhir(store::to_json_text(copy), dir.path(), std::string(c.name) + ".json");
    CHECK_MESSAGE(result.exit_code == 1, c.name, result.output);
    CHECK_MESSAGE(result.output.find("Observation") != std::string::npos, result.output);
  }
}
