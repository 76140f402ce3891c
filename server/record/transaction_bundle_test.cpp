// The push's transaction Bundle (issue 19 part 2): the export's resources as conditional
// creates on their identifiers, a hub shared by two patients once, control results left out.
#include "server/record/transaction_bundle.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "server/fhir/test_rows.h"

using namespace kotona;
using namespace kotona::server;
namespace json = boost::json;

namespace {

fhir::ExportRequest request_for(const std::string& patient,
                                std::vector<store::StoredReading> rows) {
  for (auto& r : rows) r.patient = PatientId{patient};
  return fhir::ExportRequest{PatientId{patient}, std::move(rows), std::nullopt};
}

}  // namespace

TEST_CASE("transaction bundle: every entry a POST, conditional on its first identifier") {
  auto rows = fhir::testing::every_kind();
  QualityFlags control;
  control.control_result = true;
  auto control_row = fhir::testing::row("GLU1", "2", Glucose{5.0, MealMarker::kFasting}, control);
  rows.push_back(control_row);
  auto other = fhir::testing::row("BP1", "9", BloodPressure{120, 80, std::nullopt, 60.0});
  auto made = record::make_transaction_bundle(
      {request_for("patient-1", rows), request_for("patient-2", {other})});
  REQUIRE(made.has_value());
  CHECK(made->observations.size() == rows.size());  // every kind, + patient-2's, - control
  CHECK(made->excluded == std::vector<std::string>{control_row.uid.value});
  const auto doc = json::parse(made->text);
  const json::value parsed = doc;
  CHECK(parsed.at("type").as_string() == "transaction");
  std::size_t hubs = 0, patients = 0;
  for (const auto& e : parsed.at("entry").as_array()) {
    const auto& request = e.at("request").as_object();
    const auto& resource = e.at("resource").as_object();
    CHECK(request.at("method").as_string() == "POST");
    CHECK(request.at("url").as_string() == resource.at("resourceType").as_string());
    CHECK_FALSE(resource.contains("id"));
    REQUIRE(request.contains("ifNoneExist"));
    const std::string cond(request.at("ifNoneExist").as_string());
    CHECK(cond.starts_with("identifier="));
    if (resource.at("resourceType").as_string() == "Patient") ++patients;
    if (cond.starts_with("identifier=urn:kotona:gateway|")) ++hubs;
    if (resource.at("resourceType").as_string() == "Observation") {
      CHECK(cond.starts_with("identifier=urn:kotona:reading-uid|"));
    }
  }
  CHECK(patients == 2);
  // A Patient known by henkilötunnus is matched by it (the record system knows it so).
  auto known = request_for("patient-1", {rows[0]});
  known.henkilotunnus = "131052-308T";
  auto with_hetu = record::make_transaction_bundle({known});
  REQUIRE(with_hetu.has_value());
  CHECK(with_hetu->text.find(R"("ifNoneExist":"identifier=urn:oid:1.2.246.21|131052-308T")") !=
        std::string::npos);
  CHECK(with_hetu->text.find("identifier=urn:kotona:patient|") == std::string::npos);
  CHECK(hubs == 1);  // gw-1 serves both
  const auto first_obs = record::token_query("urn:kotona:reading-uid", rows[0].uid.value);
  CHECK(made->text.find(first_obs) != std::string::npos);
  // The negative control's plain POSTs: no condition anywhere.
  auto plain = record::make_transaction_bundle({request_for("patient-1", rows)}, false);
  REQUIRE(plain.has_value());
  CHECK(plain->text.find("ifNoneExist") == std::string::npos);
}

TEST_CASE("transaction bundle: token_query percent-encodes, keeps the separator") {
  CHECK(record::token_query("urn:kotona:reading-uid", "gw-1/BP1/r1/bp") ==
        "urn:kotona:reading-uid|gw-1/BP1/r1/bp");
  CHECK(record::token_query("urn:x", "a b|c&d=e") == "urn:x|a%20b%7Cc%26d%3De");
}
