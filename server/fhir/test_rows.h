// Stored rows of every kind for the FHIR export tests (unit and schema tests), made with the
// store's own JSON encoders so they look exactly like database rows.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "server/store/reading_json.h"
#include "server/store/types.h"

namespace kotona::server::fhir::testing {

inline const HubTime kHubTime{std::chrono::milliseconds{1'790'000'000'123}};

inline store::StoredReading row(const std::string& serial, const std::string& record,
                                const Measurement& m, QualityFlags q = {}) {
  store::StoredReading r;
  r.patient = PatientId{"patient-1"};
  r.gateway = GatewayId{"gw-1"};
  r.device_serial = DeviceSerial{serial};
  r.kind = std::string(kind_name(m));
  r.uid = ReadingUid{"gw-1/" + serial + "/r" + record + "/" + r.kind};
  r.hub_time = kHubTime;
  r.device_time = std::chrono::floor<std::chrono::seconds>(kHubTime) - std::chrono::minutes{5};
  r.clock_offset = std::chrono::seconds{-60};  // device clock one minute slow
  r.values_json = store::encode_values_json(m);
  r.quality_json = store::encode_quality_json(q);
  return r;
}

inline CardiacImplantSummary implant_summary() {
  CardiacImplantSummary s;
  s.battery_status = BatteryStatus::kRrtEri;
  s.battery_voltage_v = 2.79;
  s.longevity_months = 3;
  s.right_atrium.lead_impedance_ohm = 480;
  s.right_ventricle = {560.0, 11.2, 1.0, 3.0};
  s.at_af_burden_percent = 0.4;
  s.at_af_episodes = 2;
  s.vt_vf_episodes = 1;
  s.atp_therapies = 2;
  s.shocks_delivered = 1;
  return s;
}

// One row of every kind, patient-1, gateway gw-1.
inline std::vector<store::StoredReading> every_kind() {
  QualityFlags suspect;
  suspect.clock_suspect = true;
  suspect.irregular_pulse = true;
  return {row("BP1", "1", BloodPressure{182, 112, 135.0, 71.0}, suspect),
          row("GLU1", "1", Glucose{5.4, MealMarker::kPreprandial}),
          row("INR1", "1", Inr{2.6, 31.2, std::string("LOT42")}),
          row("ICD1", "RLY-1", implant_summary()),
          row("SCALE1", "1", Weight{81.5}),
          row("OXI1", "1", Spo2{97, 64.0}),
          row("THERM1", "1", Temperature{36.8})};
}

// The Observation's measuring-device reference: Observation.device, or, where a Finnish PHR
// profile prohibits that element, the urn:kotona:fhir:extension:device extension.
inline std::string device_reference(const boost::json::object& obs) {
  if (obs.contains("device")) return std::string(obs.at("device").at("reference").as_string());
  for (const auto& e : obs.at("extension").as_array()) {
    if (e.at("url").as_string() == "urn:kotona:fhir:extension:device") {
      return std::string(e.at("valueReference").at("reference").as_string());
    }
  }
  return {};
}

// The valueQuantity of the additional-value extension whose code has MDC display `ref` (a value
// the PHR profile has no component for), or null.
inline boost::json::value additional_value(const boost::json::object& obs, std::string_view ref) {
  for (const auto& e : obs.at("extension").as_array()) {
    if (e.at("url").as_string() != "urn:kotona:fhir:extension:additional-value") continue;
    const auto& parts = e.at("extension").as_array();
    for (const auto& c : parts.at(0).at("valueCodeableConcept").at("coding").as_array()) {
      if (c.as_object().contains("display") && c.at("display").as_string() == ref) {
        return parts.at(1).at("valueQuantity");
      }
    }
  }
  return nullptr;
}

}  // namespace kotona::server::fhir::testing
