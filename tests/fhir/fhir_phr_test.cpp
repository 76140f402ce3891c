// The Finnish PHR (Kanta) rules as named checks (phr_checks.py) on the export of every kind-table
// row, in Finnish and Swedish, and proof that each check rejects a known-bad resource. Docs:
// docs/fhir.md (each rule and where it comes from), tests/fhir/README.md.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>

#include "core/kinds.h"
#include "server/fhir/bundle.h"
#include "server/fhir/test_rows.h"
#include "server/store/json_text.h"
#include "tests/support/process.h"

using namespace kotona;
using namespace kotona::server;
namespace json = boost::json;

namespace {

// One reading of the row's kind, each value mid-range (the implant summary: the test rows').
Measurement reading_of(const KindRow& row) {
  if (row.fhir_shape == FhirShape::kImplant) return fhir::testing::implant_summary();
  std::vector<ComponentValue> values;
  for (const auto& c : row.components) {
    values.push_back(ComponentValue{c.key, c.limits ? (c.limits->low + c.limits->high) / 2 : 1.5});
  }
  auto m = make_measurement(row, values);
  REQUIRE_MESSAGE(m, row.name);
  return *m;
}

json::object entry(const KindRow& row, fhir::NarrativeLanguage language,
                   const store::StoredReading& reading) {
  auto obs = fhir::make_observation(reading, language);
  REQUIRE_MESSAGE(obs, row.name);
  return json::object{{"kind", row.name},
                      {"profile", row.fhir_profile},
                      {"phr", row.phr.applies},
                      {"language", fhir::language_code(language)},
                      {"resource", std::move(*obs)}};
}

// Every kind-table row in both languages, plus rows that take other paths: quality flags, a
// device range indicator, a clock given only to the hour.
std::string every_kind_export() {
  json::array out;
  QualityFlags flagged;
  flagged.clock_suspect = true;
  flagged.implausible = true;
  QualityFlags hour;
  hour.device_time_precision = TimePrecision::kHour;
  for (auto language : {fhir::NarrativeLanguage::kFinnish, fhir::NarrativeLanguage::kSwedish}) {
    int n = 0;
    for (const auto& row : kind_table()) {
      const std::string serial = "SN" + std::to_string(++n);
      out.push_back(entry(row, language, fhir::testing::row(serial, "1", reading_of(row))));
      out.push_back(
          entry(row, language, fhir::testing::row(serial, "2", reading_of(row), flagged)));
      out.push_back(entry(row, language, fhir::testing::row(serial, "3", reading_of(row), hour)));
    }
  }
  const KindRow& glucose = *find_kind("glucose");
  out.push_back(entry(glucose, fhir::NarrativeLanguage::kFinnish,
                      fhir::testing::row("GLU9", "1", Glucose{33.3, {}, Comparator::kAboveRange})));
  return store::to_json_text(json::object{{"observations", std::move(out)}});
}

struct Run {
  int exit_code = -1;
  std::string output;
};

Run phr_checks(const std::string& mode, const std::string& text, const test::TempDir& dir) {
  const auto file = dir.path() / "observations.json";
  std::ofstream(file) << text;
  test::Child child({KOTONA_PYTHON3, KOTONA_PHR_CHECKS, mode, file.string()},
                    dir.path() / (mode + ".log"));
  test::eventually([&] { return !child.running(); }, std::chrono::seconds(60));
  Run out;
  out.exit_code = child.stop(std::chrono::seconds(1));
  out.output = child.log_text();
  return out;
}

}  // namespace

TEST_CASE("fhir PHR checks: every kind's export (fi, sv) passes every named check") {
  test::TempDir dir;
  const std::string text = every_kind_export();
  // KOTONA_PHR_DUMP=<file>: keep the checked export for a person to read.
  if (const char* dump = std::getenv("KOTONA_PHR_DUMP")) std::ofstream(dump) << text;
  auto run = phr_checks("check", text, dir);
  CHECK_MESSAGE(run.exit_code == 0, run.output);
  CHECK_MESSAGE(run.output.find(" 0 failure(s)") != std::string::npos, run.output);
  // Each kind-table row's export was checked: its profile rules are known to the checker.
  for (const auto& row : kind_table()) {
    CAPTURE(row.name);
    CHECK(!row.fhir_profile.empty());
  }
  MESSAGE(run.output);
}

TEST_CASE("fhir PHR checks: each check rejects its known-bad resource") {
  test::TempDir dir;
  auto run = phr_checks("bad", every_kind_export(), dir);
  CHECK_MESSAGE(run.exit_code == 0, run.output);
  CHECK_MESSAGE(run.output.find(" 0 failure(s)") != std::string::npos, run.output);
  MESSAGE(run.output);
}

TEST_CASE("fhir PHR checks: a broken export is caught (the checker is not vacuous)") {
  // The export with the PHR rules undone the way a regression would: device back in a blood
  // pressure Observation, the narrative gone from a weight, glucose's second LOINC code gone.
  auto doc = json::parse(every_kind_export()).as_object();
  for (auto& e : doc.at("observations").as_array()) {
    auto& o = e.at("resource").as_object();
    if (e.at("kind") == "bp") o["device"] = json::object{{"reference", "urn:uuid:x"}};
    if (e.at("kind") == "weight") o.erase("text");
    if (e.at("kind") == "glucose")
      o["code"].as_object()["coding"].as_array().erase(
          o["code"].as_object()["coding"].as_array().begin() + 1);
  }
  test::TempDir dir;
  auto run = phr_checks("check", store::to_json_text(doc), dir);
  CHECK(run.exit_code == 1);
  CHECK_MESSAGE(run.output.find("fhir-phr prohibited-elements (bp") != std::string::npos,
                run.output);
  CHECK_MESSAGE(run.output.find("fhir-phr narrative (weight") != std::string::npos, run.output);
  CHECK_MESSAGE(run.output.find("fhir-phr profile-code (glucose") != std::string::npos, run.output);
}
