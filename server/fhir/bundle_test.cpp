#include "server/fhir/bundle.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "server/fhir/test_rows.h"
#include "server/fhir/time_range.h"
#include "server/fhir/uuid.h"
#include "server/store/store.h"

using namespace kotona;
using namespace kotona::server;
using namespace kotona::server::fhir;
namespace json = boost::json;

namespace {

json::object build(std::vector<store::StoredReading> rows) {
  auto out = build_everything_bundle({PatientId{"patient-1"}, std::move(rows), std::nullopt});
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : describe(out.error())));
  return out->bundle;
}

std::vector<json::object> resources(const json::object& bundle, std::string_view type) {
  std::vector<json::object> out;
  for (const auto& e : bundle.at("entry").as_array()) {
    const auto& r = e.at("resource").as_object();
    if (r.at("resourceType").as_string() == type) out.push_back(r);
  }
  return out;
}

// The coding of `system` in a CodeableConcept, or an empty object.
json::object coding(const json::value& cc, std::string_view system) {
  for (const auto& c : cc.at("coding").as_array()) {
    if (c.at("system").as_string() == system) return c.as_object();
  }
  return {};
}

// The component whose MDC display is `ref`, or an empty object.
json::object component(const json::object& obs, std::string_view ref) {
  for (const auto& c : obs.at("component").as_array()) {
    auto mdc = coding(c.at("code"), "urn:iso:std:iso:11073:10101");
    if (!mdc.empty() && mdc.at("display").as_string() == ref) return c.as_object();
  }
  return {};
}

void check_quantity(const json::value& q, double value, std::string_view ucum) {
  CHECK(q.at("value").to_number<double>() == doctest::Approx(value));
  CHECK(q.at("system").as_string() == "http://unitsofmeasure.org");
  CHECK(q.at("code").as_string() == ucum);
}

}  // namespace

TEST_CASE("build_everything_bundle: every kind -> LOINC + MDC codes, UCUM units, categories") {
  auto bundle = build(testing::every_kind());
  CHECK(bundle.at("resourceType").as_string() == "Bundle");
  CHECK(bundle.at("type").as_string() == "collection");
  auto obs = resources(bundle, "Observation");
  REQUIRE(obs.size() == 7);
  const auto& bp = obs[0];
  CHECK(coding(bp.at("code"), "http://loinc.org").at("code").as_string() == "85354-9");
  CHECK(coding(bp.at("code"), "urn:iso:std:iso:11073:10101").at("code").as_string() == "150020");
  CHECK(bp.at("category").at(0).at("coding").at(0).at("code").as_string() == "vital-signs");
  auto sys = component(bp, "MDC_PRESS_BLD_NONINV_SYS");
  REQUIRE_FALSE(sys.empty());
  CHECK(coding(sys.at("code"), "http://loinc.org").at("code").as_string() == "8480-6");
  CHECK(coding(sys.at("code"), "urn:iso:std:iso:11073:10101").at("code").as_string() == "150021");
  check_quantity(sys.at("valueQuantity"), 182, "mm[Hg]");
  check_quantity(component(bp, "MDC_PRESS_BLD_NONINV_DIA").at("valueQuantity"), 112, "mm[Hg]");
  // The Kanta PHR profile's components are systolic and diastolic only (closed slicing): mean
  // and pulse are kept in the additional-value extension.
  CHECK(bp.at("component").as_array().size() == 2);
  check_quantity(testing::additional_value(bp, "MDC_PRESS_BLD_NONINV_MEAN"), 135, "mm[Hg]");
  check_quantity(testing::additional_value(bp, "MDC_PULS_RATE_NON_INV"), 71, "/min");

  const auto& glucose = obs[1];
  CHECK(coding(glucose.at("code"), "http://loinc.org").at("code").as_string() == "15074-8");
  CHECK(coding(glucose.at("code"), "http://loinc.org").at("display").as_string() ==
        "Glucose in capillary blood");
  CHECK(glucose.at("code").at("coding").at(1).at("code").as_string() == "14743-9");  // PHR-2
  CHECK(glucose.at("category").at(0).at("coding").at(0).at("code").as_string() == "vital-signs");
  check_quantity(glucose.at("valueQuantity"), 5.4, "mmol/L");
  CHECK(glucose.at("valueQuantity").at("unit").as_string() == "mmol/l");  // the profile's text
  const auto& inr = obs[2];
  CHECK(coding(inr.at("code"), "urn:iso:std:iso:11073:10101").at("code").as_string() == "188492");
  check_quantity(inr.at("valueQuantity"), 2.6, "{INR}");
  check_quantity(component(inr, "MDC_TIME_PD_COAG").at("valueQuantity"), 31.2, "s");

  const auto& implant = obs[3];
  const auto status = component(implant, "MDC_IDC_MSMT_BATTERY_STATUS").at("valueCodeableConcept");
  CHECK(coding(status, "urn:kotona:fhir:implant-battery-status").at("code").as_string() ==
        "rrt_eri");
  // HL7 CardX-CIED's terms where it has them: RRT (MDC 754115), the Observation code 720908.
  CHECK(coding(status, "urn:iso:std:iso:11073:10101").at("code").as_string() == "754115");
  CHECK(coding(implant.at("code"), "urn:iso:std:iso:11073:10101").at("code").as_string() ==
        "720908");
  check_quantity(component(implant, "MDC_IDC_MSMT_BATTERY_VOLTAGE").at("valueQuantity"), 2.79, "V");
  check_quantity(component(implant, "MDC_IDC_MSMT_BATTERY_REMAINING_LONGEVITY").at("valueQuantity"),
                 3, "mo");
  auto rv = component(implant, "MDC_IDC_MSMT_LEADCHNL_RV_IMPEDANCE_VALUE");
  CHECK(coding(rv.at("code"), "urn:iso:std:iso:11073:10101").at("code").as_string() == "722433");
  check_quantity(rv.at("valueQuantity"), 560, "Ohm");
  check_quantity(component(implant, "MDC_IDC_MSMT_LEADCHNL_RA_IMPEDANCE_VALUE").at("valueQuantity"),
                 480, "Ohm");
  CHECK(component(implant, "MDC_IDC_MSMT_LEADCHNL_LV_IMPEDANCE_VALUE").empty());  // absent
  check_quantity(component(implant, "MDC_IDC_STAT_AT_BURDEN_PERCENT").at("valueQuantity"), 0.4,
                 "%");
  CHECK(component(implant, "MDC_IDC_STAT_TACHYTHERAPY_SHOCKS_DELIVERED_RECENT")
            .at("valueInteger")
            .as_int64() == 1);

  check_quantity(obs[4].at("valueQuantity"), 81.5, "kg");
  CHECK(coding(obs[4].at("code"), "http://loinc.org").at("code").as_string() == "29463-7");
  check_quantity(obs[5].at("valueQuantity"), 97, "%");
  check_quantity(component(obs[5], "MDC_PULS_RATE_NON_INV").at("valueQuantity"), 64, "/min");
  check_quantity(obs[6].at("valueQuantity"), 36.8, "Cel");
  for (const auto& o : obs) CHECK(o.at("status").as_string() == "final");
}

TEST_CASE("build_everything_bundle: every kind -> meta.profile from the kind table") {
  auto obs = resources(build(testing::every_kind()), "Observation");
  REQUIRE(obs.size() == 7);
  auto profile = [](const boost::json::object& o) -> std::string {
    if (!o.contains("meta")) return "";
    return std::string(o.at("meta").at("profile").at(0).as_string());
  };
  CHECK(profile(obs[0]) == "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bloodpressure");
  CHECK(profile(obs[1]) == "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bloodglucose");
  CHECK(profile(obs[2]) == "http://hl7.org/fhir/StructureDefinition/Observation");  // INR
  CHECK(profile(obs[3]) == "http://hl7.org/fhir/StructureDefinition/Observation");  // implant
  CHECK(profile(obs[4]) == "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bodyweight");
  CHECK(profile(obs[5]) == "http://hl7.org/fhir/StructureDefinition/oxygensat");
  CHECK(profile(obs[6]) == "http://hl7.org/fhir/StructureDefinition/bodytemp");
}

TEST_CASE("build_everything_bundle: subject, device -> hub parent, identifiers, measured time") {
  auto rows = testing::every_kind();
  auto bundle = build(rows);
  auto patients = resources(bundle, "Patient");
  REQUIRE(patients.size() == 1);
  CHECK(patients[0].at("identifier").at(0).at("system").as_string() == "urn:kotona:patient");
  CHECK(patients[0].at("identifier").at(0).at("value").as_string() == "patient-1");
  auto devices = resources(bundle, "Device");
  REQUIRE(devices.size() == 8);  // the hub + 7 measuring devices
  std::map<std::string, json::object> by_url;
  for (const auto& e : bundle.at("entry").as_array()) {
    by_url[std::string(e.at("fullUrl").as_string())] = e.at("resource").as_object();
    // fullUrl is urn:uuid:<id>
    CHECK(e.at("fullUrl").as_string() ==
          "urn:uuid:" + std::string(e.at("resource").at("id").as_string()));
  }
  auto obs = resources(bundle, "Observation");
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const auto& o = obs[i];
    CHECK(o.at("identifier").at(0).at("value").as_string() == rows[i].uid.value);
    const auto& subject = by_url[std::string(o.at("subject").at("reference").as_string())];
    CHECK(subject.at("resourceType").as_string() == "Patient");
    const auto& device = by_url[testing::device_reference(o)];
    REQUIRE(device.contains("serialNumber"));
    CHECK(device.at("serialNumber").as_string() == rows[i].device_serial.value);
    const auto& hub = by_url[std::string(device.at("parent").at("reference").as_string())];
    CHECK(hub.at("identifier").at(0).at("system").as_string() == "urn:kotona:gateway");
    CHECK(hub.at("identifier").at(0).at("value").as_string() == "gw-1");
    // Measured time: device time corrected by the clock offset, not the hub receive time.
    CHECK(o.at("effectiveDateTime").as_string() == fhir_instant(store::measured_time(rows[i])));
    CHECK(o.at("effectiveDateTime").as_string() != fhir_instant(rows[i].hub_time));
  }
  // Deterministic ids: the same reading gets the same id in every export.
  CHECK(json::serialize(build(rows)) == json::serialize(bundle));
  CHECK(name_uuid("Patient/patient-1") == "77022c98-71c2-5cdf-95c0-e94fc9d74e9b");  // Python uuid5
}

TEST_CASE("build_everything_bundle: quality flags -> extension and note, device times kept") {
  auto bundle = build(testing::every_kind());
  const auto bp = resources(bundle, "Observation")[0];
  std::set<std::string> flags;
  std::set<std::string> urls;
  for (const auto& e : bp.at("extension").as_array()) {
    urls.insert(std::string(e.at("url").as_string()));
    if (e.at("url").as_string() == "urn:kotona:fhir:extension:quality-flag") {
      flags.insert(std::string(e.at("valueCode").as_string()));
    }
  }
  CHECK(flags == std::set<std::string>{"clock_suspect", "irregular_pulse"});
  CHECK(urls.count("urn:kotona:fhir:extension:gateway") == 1);
  CHECK(urls.count("urn:kotona:fhir:extension:hub-received") == 1);
  CHECK(urls.count("urn:kotona:fhir:extension:device-clock-time") == 1);
  CHECK(urls.count("urn:kotona:fhir:extension:clock-offset") == 1);
  CHECK(bp.at("note").at(0).at("text").as_string().find("clock_suspect") == 0);
}

TEST_CASE("build_everything_bundle: device time to the minute, hour, day -> that precision") {
  std::vector<store::StoredReading> rows;
  for (auto p : {TimePrecision::kSecond, TimePrecision::kMinute, TimePrecision::kHour,
                 TimePrecision::kDay}) {
    QualityFlags q;
    q.device_time_precision = p;
    rows.push_back(testing::row("GLU1", std::string(time_precision_name(p)), Glucose{6.1}, q));
  }
  const auto obs = resources(build(rows), "Observation");
  REQUIRE(obs.size() == 4);
  const std::string at = fhir_instant(store::measured_time(rows[0]));
  auto precision_of = [](const json::object& o) {
    for (const auto& e : o.at("extension").as_array()) {
      if (e.at("url").as_string() == "urn:kotona:fhir:extension:device-time-precision") {
        return std::string(e.at("valueCode").as_string());
      }
    }
    return std::string();
  };
  CHECK(obs[0].at("effectiveDateTime").as_string() == at);
  CHECK(precision_of(obs[0]).empty());
  CHECK_FALSE(obs[0].contains("note"));
  CHECK(obs[1].at("effectiveDateTime").as_string() == at);
  CHECK(precision_of(obs[1]) == "minute");
  CHECK(obs[1].at("note").at(0).at("text").as_string().find("minute") != std::string::npos);
  // FHIR dateTime has no hour form, but the PHR profiles (glucose) allow effectiveDateTime only:
  // the time as the device gave it, the extension saying only the hour is known.
  CHECK_FALSE(obs[2].contains("effectivePeriod"));
  CHECK(obs[2].at("effectiveDateTime").as_string() == at);
  CHECK(precision_of(obs[2]) == "hour");
  CHECK(obs[2].at("text").at("div").as_string().find("–") != std::string::npos);  // 9.00–9.59
  CHECK(obs[3].at("effectiveDateTime").as_string() == at.substr(0, 10));          // YYYY-MM-DD
  CHECK(precision_of(obs[3]) == "day");
  // Without a PHR profile (INR) the hour is the Period of that hour.
  QualityFlags hour;
  hour.device_time_precision = TimePrecision::kHour;
  auto inr = resources(build({testing::row("INR1", "9", Inr{2.5, {}, {}}, hour)}), "Observation");
  CHECK_FALSE(inr.at(0).contains("effectiveDateTime"));
  CHECK(inr.at(0).at("effectivePeriod").at("start").as_string() == at);
}

TEST_CASE("build_everything_bundle: control-solution results -> excluded and counted") {
  QualityFlags control;
  control.control_result = true;
  auto rows = testing::every_kind();
  rows.push_back(testing::row("INR1", "2", Inr{2.4, std::nullopt, std::nullopt}, control));
  rows.push_back(testing::row("GLU1", "2", Glucose{6.1, MealMarker::kUnknown}, control));
  auto out = build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt});
  REQUIRE(out.has_value());
  CHECK(out->stats.control_results_excluded == 2);
  CHECK(out->stats.observations == 7);
  auto text = json::serialize(out->bundle);
  CHECK(text.find("gw-1/INR1/r2/inr") == std::string::npos);
  CHECK(text.find("gw-1/GLU1/r2/glucose") == std::string::npos);
  CHECK(resources(out->bundle, "Observation").size() == 7);
}

TEST_CASE("build_everything_bundle: no readings -> Patient only") {
  auto bundle = build({});
  REQUIRE(bundle.at("entry").as_array().size() == 1);
  CHECK(resources(bundle, "Patient").size() == 1);
}

TEST_CASE(
    "build_everything_bundle: registered henkilotunnus and name -> Patient identifier "
    "urn:oid:1.2.246.21 and name, absent -> neither") {
  ExportRequest request{PatientId{"patient-1"}, {}, std::nullopt};
  request.henkilotunnus = "131052-308T";
  request.display_name = "Aino Virtanen";
  auto patient = resources(build_everything_bundle(request).value().bundle, "Patient").at(0);
  auto ids = patient.at("identifier").as_array();
  REQUIRE(ids.size() == 2);
  CHECK(ids[0].at("system").as_string() == "urn:kotona:patient");
  CHECK(ids[1].at("system").as_string() == "urn:oid:1.2.246.21");
  CHECK(ids[1].at("value").as_string() == "131052-308T");
  CHECK(ids[1].at("use").as_string() == "official");
  CHECK(patient.at("name").at(0).at("text").as_string() == "Aino Virtanen");
  auto plain = resources(build({}), "Patient").at(0);
  CHECK(plain.at("identifier").as_array().size() == 1);
  CHECK_FALSE(plain.contains("name"));
}

TEST_CASE("build_everything_bundle: bad row -> whole export fails naming the reading") {
  auto rows = testing::every_kind();
  rows[2].values_json = "{\"ratio\":\"high\"}";
  auto out = build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt});
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().detail.find("gw-1/INR1/r1/inr") != std::string::npos);
  rows = testing::every_kind();
  rows[0].kind = "ecg";
  CHECK_FALSE(build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt}).has_value());
  rows = testing::every_kind();
  rows[0].quality_json = "not json";
  CHECK_FALSE(build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt}).has_value());
  rows = testing::every_kind();
  rows[0].patient = PatientId{"patient-2"};
  auto other = build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt});
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == Errc::kIdentity);
}

TEST_CASE("build_everything_bundle: one serial under two hubs -> two Devices, each its hub") {
  auto rows = testing::every_kind();
  auto moved = testing::row("BP1", "2", BloodPressure{120, 80, std::nullopt, std::nullopt});
  moved.gateway = GatewayId{"gw-2"};
  moved.uid = ReadingUid{"gw-2/BP1/r2/bp"};
  rows.push_back(moved);
  auto out = build_everything_bundle({PatientId{"patient-1"}, rows, std::nullopt});
  REQUIRE(out.has_value());
  CHECK(out->stats.gateways == 2);
  CHECK(out->stats.devices == 8);
  auto obs = resources(out->bundle, "Observation");
  CHECK(testing::device_reference(obs[0]) != testing::device_reference(obs[7]));
}

TEST_CASE("make_operation_outcome: one error issue") {
  auto oo = make_operation_outcome("not-found", "no patient p9");
  CHECK(oo.at("resourceType").as_string() == "OperationOutcome");
  CHECK(oo.at("issue").at(0).at("severity").as_string() == "error");
  CHECK(oo.at("issue").at(0).at("code").as_string() == "not-found");
}

TEST_CASE("build_everything_bundle: device range indicator -> valueQuantity.comparator") {
  auto bundle =
      build({testing::row("INR1", "1", Inr{8.0, {}, {}, Comparator::kAboveRange}),
             testing::row("GLU1", "1", Glucose{1.1, MealMarker::kUnknown, Comparator::kBelowRange}),
             testing::row("INR1", "2", Inr{2.5, {}, {}})});
  const auto obs = resources(bundle, "Observation");
  REQUIRE(obs.size() == 3);
  const auto& above = obs[0].at("valueQuantity").as_object();
  CHECK(above.at("comparator").as_string() == ">");
  check_quantity(above, 8.0, "{INR}");
  CHECK(obs[1].at("valueQuantity").at("comparator").as_string() == "<");
  CHECK_FALSE(obs[2].at("valueQuantity").as_object().contains("comparator"));  // exact
}

TEST_CASE("build_everything_bundle: implausible reading -> quality-flag extension and note") {
  QualityFlags q;
  q.implausible = true;
  auto bundle = build({testing::row("SCALE1", "1", Weight{0.4}, q)});
  const auto obs = resources(bundle, "Observation").at(0);
  bool flagged = false;
  for (const auto& e : obs.at("extension").as_array()) {
    flagged |= e.at("url").as_string() == "urn:kotona:fhir:extension:quality-flag" &&
               e.at("valueCode").as_string() == "implausible";
  }
  CHECK(flagged);
  CHECK(obs.at("note").at(0).at("text").as_string().find("implausible: value outside") == 0);
}

TEST_CASE(
    "build_everything_bundle: a typed-in reading -> self-reported label, entered-by, narrative") {
  auto typed = testing::row("manual", "m1", Inr{3.4, std::nullopt, std::nullopt});
  typed.provenance = Provenance{EntrySource::kManual, Enterer::kRelative, "Anna Virtanen"};
  auto nurse = testing::row("manual", "m2", BloodPressure{150, 90, std::nullopt, std::nullopt});
  nurse.provenance = Provenance{EntrySource::kManual, Enterer::kNurse, "sh. Laine"};
  auto device = testing::row("INR1", "1", Inr{2.6, std::nullopt, std::nullopt});
  auto bundle = build({typed, nurse, device});
  const auto obs = resources(bundle, "Observation");
  REQUIRE(obs.size() == 3);
  auto security = [](const json::object& o) -> std::string {
    const auto* meta = o.if_contains("meta");
    if (meta == nullptr || !meta->as_object().contains("security")) return "";
    const auto& label = meta->at("security").at(0);
    CHECK(label.at("system").as_string() ==
          "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
    return std::string(label.at("code").as_string());
  };
  auto entered_by = [](const json::object& o) -> std::string {
    for (const auto& e : o.at("extension").as_array()) {
      if (e.at("url").as_string() == "urn:kotona:fhir:extension:entered-by") {
        return std::string(e.at("valueCode").as_string());
      }
    }
    return "";
  };
  CHECK(security(obs[0]) == "PATRPT");
  CHECK(entered_by(obs[0]) == "relative");
  CHECK(security(obs[1]) == "CLINRPT");
  CHECK(entered_by(obs[1]) == "nurse");
  CHECK(security(obs[2]).empty());  // a device reading is unchanged
  CHECK(entered_by(obs[2]).empty());
  // The profile stays (meta.profile beside the label), the patient is still the performer,
  // the narrative says it in the record's language, and the name stays out of the record.
  CHECK(obs[1].at("meta").at("profile").at(0).as_string().find("fiphr-sd-bloodpressure") !=
        std::string::npos);
  CHECK(obs[0].at("performer").at(0).at("reference") == obs[0].at("subject").at("reference"));
  CHECK(std::string(obs[0].at("text").at("div").as_string()).find("Itse ilmoitettu") !=
        std::string::npos);
  CHECK(json::serialize(bundle).find("Virtanen") == std::string::npos);
  CHECK(json::serialize(bundle).find("Laine") == std::string::npos);
  // No measuring device for a typed-in value: no Device "manual", no device link or line; the
  // meter's reading keeps its Device, the hub that relayed both is there.
  auto has_device_link = [](const json::object& o) {
    if (o.contains("device")) return true;
    for (const auto& e : o.at("extension").as_array()) {
      if (e.at("url").as_string().ends_with(":device")) return true;
    }
    return false;
  };
  CHECK_FALSE(has_device_link(obs[0]));
  CHECK_FALSE(has_device_link(obs[1]));
  CHECK(has_device_link(obs[2]));
  CHECK(std::string(obs[0].at("text").at("div").as_string()).find("sarjanumero") ==
        std::string::npos);
  std::vector<std::string> serials;
  for (const auto& d : resources(bundle, "Device")) {
    serials.push_back(std::string(d.at("identifier").at(0).at("value").as_string()));
  }
  CHECK(std::find(serials.begin(), serials.end(), "manual") == serials.end());
  CHECK(std::find(serials.begin(), serials.end(), "INR1") != serials.end());
  CHECK(serials.size() == 2);  // the hub and the meter
}
