// Issue 6 (FHIR export): real server, gateway, mosquitto and simulated BP, INR, glucose meters
// and implant relay; each patient's $everything Bundle is valid against the official FHIR R4
// JSON schema (every resource), carries exactly that patient's readings (control-solution runs
// left out) with LOINC/MDC codes, UCUM units and subject/device/hub links; errors are
// OperationOutcomes. Issue 13 §2 (invariant 14): meters beyond their measuring range reach the
// store, the alerts and the FHIR export as comparators; an implausible value is flagged with a
// technical alert and no clinical one.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>

#include "tests/fhir/schema_validator.h"
#include "tests/integration/system.h"

using namespace kotona::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr const char* kBp = "BPSIM0001";
constexpr const char* kInr = "INRSIM0001";
constexpr const char* kGlucose = "GLUSIM0001";
constexpr const char* kImplant = "ICDSIM0001";

std::string utc_date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

struct Fetched {
  HttpResponse response;
  json::object body;
};

Fetched fetch(SystemUnderTest& sys, const std::string& target) {
  auto r = http_get(sys.http_port(), target);
  REQUIRE_MESSAGE(r.has_value(), target);
  CHECK_MESSAGE(r->headers.find("application/fhir+json") != std::string::npos, r->headers);
  auto parsed = json::parse(r->body);
  REQUIRE(parsed.is_object());
  return {*r, parsed.as_object()};
}

void check_valid(SystemUnderTest& sys, const Fetched& f, const std::string& name) {
  auto v = validate_fhir(f.response.body, sys.dir().path(), name);
  CHECK_MESSAGE(v.exit_code == 0, name, v.output);
}

std::map<std::string, json::object> by_full_url(const json::object& bundle) {
  std::map<std::string, json::object> out;
  for (const auto& e : bundle.at("entry").as_array()) {
    out[std::string(e.at("fullUrl").as_string())] = e.at("resource").as_object();
  }
  return out;
}

std::string code_of(const json::value& concept_value, std::string_view system) {
  for (const auto& c : concept_value.at("coding").as_array()) {
    if (c.at("system").as_string() == system && c.as_object().contains("code")) {
      return std::string(c.at("code").as_string());
    }
  }
  return {};
}

// The measuring device: Observation.device, or the Kotona extension where a Finnish PHR profile
// prohibits that element (docs/fhir.md).
std::string device_of(const json::object& obs) {
  if (obs.contains("device")) return std::string(obs.at("device").at("reference").as_string());
  for (const auto& e : obs.at("extension").as_array()) {
    if (e.at("url").as_string() == "urn:kotona:fhir:extension:device") {
      return std::string(e.at("valueReference").at("reference").as_string());
    }
  }
  return {};
}

// Observations of the patient's Bundle by reading uid, after checking their links.
std::map<std::string, json::object> observations(const json::object& bundle,
                                                 const std::string& patient,
                                                 const std::string& serial,
                                                 const std::string& gateway) {
  auto resources = by_full_url(bundle);
  std::map<std::string, json::object> out;
  for (const auto& [url, r] : resources) {
    if (r.at("resourceType").as_string() != "Observation") continue;
    const auto& subject = resources[std::string(r.at("subject").at("reference").as_string())];
    CHECK(subject.at("identifier").at(0).at("value").as_string() == patient);
    const auto& device = resources[device_of(r)];
    CHECK(device.at("serialNumber").as_string() == serial);
    const auto& hub = resources[std::string(device.at("parent").at("reference").as_string())];
    CHECK(hub.at("identifier").at(0).at("value").as_string() == gateway);
    CHECK(r.at("status").as_string() == "final");
    CHECK(r.at("language").as_string() == "fi");  // the register holds no language yet
    CHECK(r.at("text").at("div").as_string().find("Aika: ") != std::string::npos);
    out[std::string(r.at("identifier").at(0).at("value").as_string())] = r;
  }
  return out;
}

}  // namespace

TEST_CASE(
    "FHIR everything export: BP, INR, glucose, implant -> schema-valid Bundles, per patient") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kBp, kInr, kGlucose, kImplant});  // patient-1 .. patient-4
  sys.start_device({kBp, {"measure", "182/112/71"}, {}, "astm-bp"});
  sys.start_device({kInr, {"measure", "2.6", "control", "measure", "3.4"}, {}, "astm-inr"});
  sys.start_device({kGlucose, {"measure", "5.4", "control"}, {}, "astm-glucose"});
  sys.start_device({kImplant, {"measure", "ok", "measure", "shock"}, {}, "implant-relay"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 8; }, 90s),
                  sys.diagnostics());

  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::string range = "?start=" + utc_date(today - std::chrono::days{1}) +
                            "&end=" + utc_date(today + std::chrono::days{1});
  const std::string gw = sys.gateway_id();
  const auto everything = [&](const std::string& patient) {
    auto f = fetch(sys, "/api/v1/fhir/Patient/" + patient + "/$everything" + range);
    CHECK_MESSAGE(f.response.status == 200, f.response.body);
    check_valid(sys, f, patient + ".json");
    CHECK(f.body.at("type").as_string() == "collection");
    return f.body;
  };

  auto bp = observations(everything("patient-1"), "patient-1", kBp, gw);
  REQUIRE(bp.size() == 1);
  const auto& panel = bp.at(sys.expected_uid(kBp, "1", "bp"));
  CHECK(code_of(panel.at("code"), "http://loinc.org") == "85354-9");
  CHECK(panel.at("meta").at("profile").at(0).as_string() ==
        "http://phr.kanta.fi/StructureDefinition/fiphr-sd-bloodpressure");
  CHECK(panel.at("text").at("div").as_string().find("Systolinen verenpaine: 182 mmHg") !=
        std::string::npos);
  CHECK(code_of(panel.at("code"), "urn:iso:std:iso:11073:10101") == "150020");
  const auto& systolic = panel.at("component").at(0);
  CHECK(code_of(systolic.at("code"), "http://loinc.org") == "8480-6");
  CHECK(systolic.at("valueQuantity").at("value").to_number<double>() == 182);
  CHECK(systolic.at("valueQuantity").at("code").as_string() == "mm[Hg]");

  auto inr = observations(everything("patient-2"), "patient-2", kInr, gw);
  CHECK(inr.size() == 2);  // the control-solution run (record 2) is left out
  CHECK(inr.count(sys.expected_uid(kInr, "2", "inr")) == 0);
  const auto& inr3 = inr.at(sys.expected_uid(kInr, "3", "inr"));
  CHECK(code_of(inr3.at("code"), "http://loinc.org") == "34714-6");
  CHECK(code_of(inr3.at("code"), "urn:iso:std:iso:11073:10101") == "188492");
  CHECK(inr3.at("valueQuantity").at("value").to_number<double>() == 3.4);
  CHECK(inr3.at("valueQuantity").at("code").as_string() == "{INR}");
  CHECK(inr3.at("category").at(0).at("coding").at(0).at("code").as_string() == "laboratory");

  auto glucose = observations(everything("patient-3"), "patient-3", kGlucose, gw);
  REQUIRE(glucose.size() == 1);
  const auto& g = glucose.begin()->second;
  CHECK(code_of(g.at("code"), "http://loinc.org") == "15074-8");
  CHECK(g.at("valueQuantity").at("code").as_string() == "mmol/L");

  auto implant = observations(everything("patient-4"), "patient-4", kImplant, gw);
  REQUIRE(implant.size() == 2);
  const auto& shock = implant.at(sys.expected_uid(kImplant, "RLYSIM0001-2", "implant"));
  std::map<std::string, json::value> parts;
  for (const auto& c : shock.at("component").as_array()) {
    std::string mdc = code_of(c.at("code"), "urn:iso:std:iso:11073:10101");
    if (!mdc.empty()) parts[mdc] = c;
  }
  CHECK(parts.at("722433").at("valueQuantity").at("value").to_number<double>() == 560);
  CHECK(parts.at("722433").at("valueQuantity").at("code").as_string() == "Ohm");
  CHECK(parts.at("721472").at("valueQuantity").at("code").as_string() == "mo");
  CHECK(parts.at("737824").at("valueInteger").as_int64() == 1);

  // Registered through the API with a henkilötunnus and a name: the Patient carries both
  // (identifier urn:oid:1.2.246.21), and the Bundle is still schema-valid.
  auto registered = http_request(
      sys.http_port(), "POST", "/api/v1/patients",
      R"({"patient_id":"patient-1","henkilotunnus":"131052-308T","display_name":"Aino Virtanen"})");
  REQUIRE(registered.has_value());
  REQUIRE_MESSAGE(registered->status == 201, registered->body);
  auto with_hetu = everything("patient-1");
  json::object patient;
  for (const auto& e : with_hetu.at("entry").as_array()) {
    if (e.at("resource").at("resourceType").as_string() == "Patient") {
      patient = e.at("resource").as_object();
    }
  }
  const auto& ids = patient.at("identifier").as_array();
  REQUIRE(ids.size() == 2);
  CHECK(ids[1].at("system").as_string() == "urn:oid:1.2.246.21");
  CHECK(ids[1].at("value").as_string() == "131052-308T");
  CHECK(patient.at("name").at(0).at("text").as_string() == "Aino Virtanen");
  CHECK(observations(with_hetu, "patient-1", kBp, gw).size() == 1);

  // A range before any reading: the Patient alone.
  auto empty =
      fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything?start=2000-01-01&end=2000-01-02");
  CHECK(empty.response.status == 200);
  CHECK(empty.body.at("entry").as_array().size() == 1);
  check_valid(sys, empty, "empty.json");

  // Errors are OperationOutcomes, valid too.
  auto unknown = fetch(sys, "/api/v1/fhir/Patient/patient-99/$everything");
  CHECK(unknown.response.status == 404);
  CHECK(unknown.body.at("resourceType").as_string() == "OperationOutcome");
  check_valid(sys, unknown, "unknown.json");
  auto bad = fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything?start=last-week");
  CHECK(bad.response.status == 400);
  CHECK(bad.body.at("issue").at(0).at("code").as_string() == "invalid");
  check_valid(sys, bad, "bad.json");
  CHECK(fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything?end=2026-01-01&start=2026-02-01")
            .response.status == 400);
  CHECK(fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything?_count=5").response.status == 400);
  CHECK(fetch(sys, "/api/v1/fhir/Observation/x").response.status == 404);
}

TEST_CASE(
    "astm_inr astm_glucose e2e: Range indicators: INR '>8.0', glucose HI / LO -> comparators, high "
    "alerts, FHIR "
    "comparator, INR 16.0 -> stored implausible, technical alert, no clinical alert") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kInr, kGlucose});  // patient-1, patient-2
  sys.start_device({kInr, {"measure", ">8.0", "measure", "16.0"}, {}, "astm-inr"});
  sys.start_device({kGlucose, {"measure", "HI", "measure", "LO"}, {}, "astm-glucose"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 4; }, 90s),
                  sys.diagnostics());
  const auto inr_above = sys.expected_uid(kInr, "1", "inr");
  const auto inr_bad = sys.expected_uid(kInr, "2", "inr");
  const auto glu_hi = sys.expected_uid(kGlucose, "1", "glucose");
  const auto glu_lo = sys.expected_uid(kGlucose, "2", "glucose");

  std::map<std::string, json::object> stored;
  for (const auto& r : sys.get_json_array("/api/v1/readings")) {
    stored[std::string(r.at("reading_uid").as_string())] = r.as_object();
  }
  CHECK(stored[inr_above].at("values").at("comparator").as_string() == ">");
  CHECK(stored[inr_above].at("values").at("ratio").to_number<double>() == 8.0);
  CHECK(stored[glu_hi].at("values").at("comparator").as_string() == ">");
  CHECK(stored[glu_hi].at("values").at("mmol_per_l").to_number<double>() == 33.3);
  CHECK(stored[glu_lo].at("values").at("comparator").as_string() == "<");
  CHECK(stored[glu_lo].at("values").at("mmol_per_l").to_number<double>() == 1.1);
  CHECK(stored[inr_bad].at("quality").at("implausible").as_bool());
  CHECK_FALSE(stored[inr_above].at("quality").at("implausible").as_bool());

  // Alerts: rule/priority per first reading; nothing clinical ever names the implausible one.
  std::map<std::string, std::string> alerts;  // "<rule>/<priority>" -> first reading uid
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        alerts.clear();
                        for (const auto& a : sys.get_json_array("/api/v1/alerts?limit=100")) {
                          const auto& o = a.as_object();
                          CHECK_MESSAGE((o.at("rule_id").as_string() == "reading.implausible" ||
                                         o.at("last_reading_uid").as_string() != inr_bad),
                                        o.at("message").as_string());
                          alerts[std::string(o.at("rule_id").as_string()) + "/" +
                                 std::string(o.at("priority").as_string())] =
                              std::string(o.at("reading_uid").as_string());
                        }
                        return alerts.size() >= 4;
                      },
                      30s),
                  sys.diagnostics());
  CHECK(alerts["inr.far_out_of_range/high"] == inr_above);
  CHECK(alerts["glucose.hyper/high"] == glu_hi);
  CHECK(alerts["glucose.hypo_l2/high"] == glu_lo);
  CHECK(alerts["reading.implausible/medium"] == inr_bad);

  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::string range = "?start=" + utc_date(today - std::chrono::days{1}) +
                            "&end=" + utc_date(today + std::chrono::days{1});
  auto inr = fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything" + range);
  check_valid(sys, inr, "range-inr.json");
  auto inr_obs = observations(inr.body, "patient-1", kInr, sys.gateway_id());
  CHECK(inr_obs.at(inr_above).at("valueQuantity").at("comparator").as_string() == ">");
  bool flagged = false;
  for (const auto& e : inr_obs.at(inr_bad).at("extension").as_array()) {
    flagged |= e.at("url").as_string() == "urn:kotona:fhir:extension:quality-flag" &&
               e.at("valueCode").as_string() == "implausible";
  }
  CHECK(flagged);
  auto glu = fetch(sys, "/api/v1/fhir/Patient/patient-2/$everything" + range);
  check_valid(sys, glu, "range-glucose.json");
  auto glu_obs = observations(glu.body, "patient-2", kGlucose, sys.gateway_id());
  CHECK(glu_obs.at(glu_hi).at("valueQuantity").at("comparator").as_string() == ">");
  CHECK(glu_obs.at(glu_lo).at("valueQuantity").at("comparator").as_string() == "<");
}

TEST_CASE(
    "implant_relay e2e: Relay range indicators (issue 13 §2): RV impedance '> 3000', RA threshold "
    "'> 7.5' (value "
    "type 4) -> stored with comparators, lead alert names '> 3000', FHIR comparator") {
  SystemUnderTest sys;
  sys.start_broker();
  sys.start_server({kImplant});  // patient-1
  sys.start_device({kImplant, {"measure", "beyond-range"}, {}, "implant-relay"});
  sys.start_gateway();
  REQUIRE_MESSAGE(eventually([&] { return sys.server_reading_uids().size() == 1; }, 90s),
                  sys.diagnostics());
  const auto uid = sys.expected_uid(kImplant, "RLYSIM0001-1", "implant");
  const auto rows = sys.get_json_array("/api/v1/readings");
  REQUIRE(rows.size() == 1);
  const auto& values = rows.at(0).at("values");
  CHECK(values.at("right_ventricle").at("lead_impedance_ohm").to_number<double>() == 3000);
  CHECK(values.at("right_ventricle").at("lead_impedance_ohm_comparator").as_string() == ">");
  CHECK(values.at("right_atrium").at("capture_threshold_v").to_number<double>() == 7.5);
  CHECK(values.at("right_atrium").at("capture_threshold_v_comparator").as_string() == ">");
  CHECK_FALSE(values.at("right_atrium").as_object().contains("lead_impedance_ohm_comparator"));

  std::string lead_alert;
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        for (const auto& a : sys.get_json_array("/api/v1/alerts?limit=100")) {
                          if (a.at("rule_id").as_string() == "implant.lead_impedance") {
                            lead_alert = std::string(a.at("message").as_string());
                          }
                        }
                        return !lead_alert.empty();
                      },
                      30s),
                  sys.diagnostics());
  CHECK_MESSAGE(lead_alert.find("RV > 3000 ohm") != std::string::npos, lead_alert);

  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::string range = "?start=" + utc_date(today - std::chrono::days{1}) +
                            "&end=" + utc_date(today + std::chrono::days{1});
  auto f = fetch(sys, "/api/v1/fhir/Patient/patient-1/$everything" + range);
  check_valid(sys, f, "range-implant.json");
  auto obs = observations(f.body, "patient-1", kImplant, sys.gateway_id());
  std::map<std::string, json::value> parts;
  for (const auto& c : obs.at(uid).at("component").as_array()) {
    std::string mdc = code_of(c.at("code"), "urn:iso:std:iso:11073:10101");
    if (!mdc.empty()) parts[mdc] = c;
  }
  CHECK(parts.at("722433").at("valueQuantity").at("comparator").as_string() == ">");  // RV Ohm
  CHECK(parts.at("722433").at("valueQuantity").at("value").to_number<double>() == 3000);
  CHECK(parts.at("722176").at("valueQuantity").at("comparator").as_string() == ">");  // RA V
  CHECK_FALSE(parts.at("722432").at("valueQuantity").as_object().contains("comparator"));
}
