// The export Bundle: Patient, hub and measuring Devices, Observations; OperationOutcome.
#include "server/fhir/bundle.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>

#include "core/kinds.h"
#include "server/fhir/time_range.h"
#include "server/fhir/uuid.h"
#include "server/store/json_text.h"

namespace kotona::server::fhir {

namespace json = boost::json;

namespace {

constexpr std::string_view kPatientSystem = "urn:kotona:patient";
constexpr std::string_view kGatewaySystem = "urn:kotona:gateway";
constexpr std::string_view kSerialSystem = "urn:kotona:device-serial";

std::string urn_for(std::string_view name) { return std::string(kUrnUuid) + name_uuid(name); }
std::string id_of(const std::string& reference) { return reference.substr(kUrnUuid.size()); }

json::object entry(const std::string& reference, json::object resource) {
  return json::object{{"fullUrl", reference}, {"resource", std::move(resource)}};
}

json::array identifier(std::string_view system, std::string_view value) {
  return json::array{json::object{{"system", system}, {"value", value}}};
}

std::string_view device_kind_text(const std::string& kind) {
  const KindRow* row = find_kind(kind);
  return row != nullptr ? row->device_text : "Home measurement device";
}

json::object gateway_device(const GatewayId& gateway) {
  return json::object{{"resourceType", "Device"},
                      {"id", id_of(gateway_ref(gateway))},
                      {"identifier", identifier(kGatewaySystem, gateway.value)},
                      {"type", json::object{{"text", "Kotona home hub (gateway)"}}}};
}

json::object measuring_device(const GatewayId& gateway, const DeviceSerial& serial,
                              const std::set<std::string>& kinds) {
  std::string text;
  for (const auto& k : kinds) text += (text.empty() ? "" : ", ") + std::string(device_kind_text(k));
  json::object device{{"resourceType", "Device"},
                      {"id", id_of(device_ref(gateway, serial))},
                      {"identifier", identifier(kSerialSystem, serial.value)},
                      {"serialNumber", serial.value}};
  device["type"] = json::object{{"text", text}};
  device["parent"] =
      json::object{{"reference", gateway_ref(gateway)}, {"display", "home hub " + gateway.value}};
  return device;
}

bool is_control_result(const store::StoredReading& row) {
  boost::system::error_code ec;
  auto q = json::parse(row.quality_json, ec);
  if (ec || !q.is_object()) return false;  // make_observation() reports the bad JSON
  auto it = q.get_object().find("control_result");
  return it != q.get_object().end() && it->value().is_bool() && it->value().get_bool();
}

}  // namespace

std::string patient_ref(const PatientId& patient) { return urn_for("Patient/" + patient.value); }
std::string observation_ref(const ReadingUid& reading) {
  return urn_for("Observation/" + reading.value);
}
std::string gateway_ref(const GatewayId& gateway) { return urn_for("Gateway/" + gateway.value); }
std::string device_ref(const GatewayId& gateway, const DeviceSerial& serial) {
  // One Device per hub + serial: a device moved to another hub gets a second Device with the
  // same serial identifier, so Device.parent always names the hub that relayed the reading.
  return urn_for("Device/" + gateway.value + "/" + serial.value);
}

namespace {

using DeviceKinds = std::map<std::pair<std::string, std::string>, std::set<std::string>>;

// Checks every row and calls `each(row, observation)` for each exported one, in order.
// Errors as build_everything_bundle().
template <typename F>
Result<void> scan_rows(const ExportRequest& request, ExportStats& stats, DeviceKinds& devices,
                       F&& each) {
  for (const auto& row : request.readings) {
    if (row.patient != request.patient) {
      return fail(Errc::kIdentity, "reading " + row.uid.value + " belongs to another patient");
    }
    if (is_control_result(row)) {
      ++stats.control_results_excluded;
      continue;
    }
    auto obs = make_observation(row, request.language);
    if (!obs) return fail(obs.error());
    each(row, std::move(*obs));
    ++stats.observations;
    // A typed-in value has no measuring device, only the hub that relayed it (serial "").
    const bool typed = row.provenance.source == EntrySource::kManual;
    devices[{row.gateway.value, typed ? std::string() : row.device_serial.value}].insert(row.kind);
  }
  stats.devices = static_cast<std::size_t>(std::count_if(
      devices.begin(), devices.end(), [](const auto& d) { return !d.first.second.empty(); }));
  return {};
}

// The Bundle with its first entries: the Patient, the hubs and the measuring devices.
json::object bundle_head(const ExportRequest& request, const DeviceKinds& devices,
                         ExportStats& stats) {
  json::array entries;
  json::object patient{{"resourceType", "Patient"},
                       {"id", id_of(patient_ref(request.patient))},
                       {"identifier", identifier(kPatientSystem, request.patient.value)}};
  if (request.henkilotunnus) {
    patient["identifier"].as_array().push_back(json::object{
        {"use", "official"}, {"system", kHenkilotunnusSystem}, {"value", *request.henkilotunnus}});
  }
  if (request.display_name) {
    patient["name"] = json::array{json::object{{"text", *request.display_name}}};
  }
  entries.push_back(entry(patient_ref(request.patient), std::move(patient)));
  std::set<std::string> gateways;
  for (const auto& [key, kinds] : devices) gateways.insert(key.first);
  for (const auto& g : gateways) {
    entries.push_back(entry(gateway_ref(GatewayId{g}), gateway_device(GatewayId{g})));
  }
  for (const auto& [key, kinds] : devices) {
    if (key.second.empty()) continue;  // typed-in readings: the hub only
    GatewayId g{key.first};
    DeviceSerial s{key.second};
    entries.push_back(entry(device_ref(g, s), measuring_device(g, s, kinds)));
  }
  stats.gateways = gateways.size();
  json::object bundle{{"resourceType", "Bundle"}, {"type", "collection"}};
  if (request.generated_at) bundle["timestamp"] = fhir_instant(*request.generated_at);
  bundle["entry"] = std::move(entries);
  return bundle;
}

std::string observation_entry_text(const store::StoredReading& row, json::object obs) {
  return store::to_json_text(entry(observation_ref(row.uid), std::move(obs)));
}

}  // namespace

Result<Export> build_everything_bundle(const ExportRequest& request) {
  Export out;
  json::array observations;
  DeviceKinds devices;
  auto scanned = scan_rows(request, out.stats, devices, [&](const auto& row, json::object obs) {
    observations.push_back(entry(observation_ref(row.uid), std::move(obs)));
  });
  if (!scanned) return fail(scanned.error());
  out.bundle = bundle_head(request, devices, out.stats);
  auto& entries = out.bundle["entry"].as_array();
  for (auto& o : observations) entries.push_back(std::move(o));
  return out;
}

Result<BundleText> BundleText::make(ExportRequest request) {
  BundleText out;
  DeviceKinds devices;
  std::size_t observations_bytes = 0;
  // The first pass checks every row (an error must come before the 200 goes out) and counts
  // the bytes, for Content-Length; nothing of it is kept.
  auto scanned = scan_rows(request, out.stats_, devices, [&](const auto& row, json::object obs) {
    observations_bytes += 1 + observation_entry_text(row, std::move(obs)).size();  // ",{...}"
  });
  if (!scanned) return fail(scanned.error());
  out.head_ = store::to_json_text(bundle_head(request, devices, out.stats_));
  out.head_.resize(out.head_.size() - 2);  // "...,"entry":[P,D..." + observations + "]}"
  out.size_ = out.head_.size() + observations_bytes + 2;
  out.request_ = std::move(request);
  return out;
}

bool BundleText::next(std::string& out, std::size_t budget) {
  if (done_) return false;
  if (!head_.empty()) {
    out += head_;
    head_ = std::string();  // release it
  }
  const auto& rows = request_.readings;
  bool wrote = false;  // at least one observation per call, whatever the budget
  while (next_row_ < rows.size() && (!wrote || out.size() < budget)) {
    const auto& row = rows[next_row_++];
    if (is_control_result(row)) continue;
    auto obs = make_observation(row, request_.language);
    if (!obs) continue;  // cannot happen: make() checked every row
    out += ',';
    out += observation_entry_text(row, std::move(*obs));
    wrote = true;
  }
  if (next_row_ == rows.size()) {
    out += "]}";
    done_ = true;
  }
  return true;
}

json::object make_operation_outcome(std::string_view code, std::string_view diagnostics) {
  json::object issue{{"severity", "error"}, {"code", code}, {"diagnostics", diagnostics}};
  return json::object{{"resourceType", "OperationOutcome"}, {"issue", json::array{issue}}};
}

}  // namespace kotona::server::fhir
