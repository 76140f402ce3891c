// decode_reading_json: the inverse of encode_reading_json (reading_json.cpp), so a reading held
// in quarantine (not_enrolled) can be released and stored like any other (issue 13). Every
// field encode_reading_json writes is read back; reading_json_test checks the round trip per
// kind, so a field added to one side only fails there.
#include <boost/json.hpp>

#include "core/kinds.h"
#include "server/store/reading_json.h"

namespace kotona::server::store {

namespace json = boost::json;

namespace {

std::optional<double> number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

std::optional<std::uint32_t> count(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !(v->is_int64() || v->is_uint64())) return std::nullopt;
  auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
  if (n < 0 || n > static_cast<std::int64_t>(UINT32_MAX)) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object& object(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : kEmpty;
}

// "<" / ">" as encode_values_json stores a device range indicator; absent: exact.
Comparator comparator(const json::object& v, std::string_view key = "comparator") {
  const std::string c = text(v, key);
  if (c == "<") return Comparator::kBelowRange;
  if (c == ">") return Comparator::kAboveRange;
  return Comparator::kNone;
}

MealMarker meal(const std::string& name) {
  if (name == "preprandial") return MealMarker::kPreprandial;
  if (name == "postprandial") return MealMarker::kPostprandial;
  if (name == "fasting") return MealMarker::kFasting;
  if (name == "bedtime") return MealMarker::kBedtime;
  return MealMarker::kUnknown;
}

ImplantChamber chamber(const json::object& o) {
  return {number(o, "lead_impedance_ohm"),
          number(o, "sensing_amplitude_mv"),
          number(o, "capture_threshold_v"),
          number(o, "paced_percent"),
          comparator(o, "lead_impedance_ohm_comparator"),
          comparator(o, "sensing_amplitude_mv_comparator"),
          comparator(o, "capture_threshold_v_comparator"),
          comparator(o, "paced_percent_comparator")};
}

CardiacImplantSummary implant(const json::object& o) {
  CardiacImplantSummary s;
  s.battery_status = battery_status_from_name(text(o, "battery_status"));
  s.battery_voltage_v = number(o, "battery_voltage_v");
  s.longevity_months = number(o, "longevity_months");
  s.right_atrium = chamber(object(o, "right_atrium"));
  s.right_ventricle = chamber(object(o, "right_ventricle"));
  s.left_ventricle = chamber(object(o, "left_ventricle"));
  s.at_af_burden_percent = number(o, "at_af_burden_percent");
  s.at_af_episodes = count(o, "at_af_episodes");
  s.vt_vf_episodes = count(o, "vt_vf_episodes");
  s.atp_therapies = count(o, "atp_therapies");
  s.shocks_delivered = count(o, "shocks_delivered");
  s.battery_voltage_comparator = comparator(o, "battery_voltage_v_comparator");
  s.longevity_comparator = comparator(o, "longevity_months_comparator");
  s.at_af_burden_comparator = comparator(o, "at_af_burden_percent_comparator");
  return s;
}

// The measurement of `kind` from its values object, by the kind table's component keys;
// nullopt for an unknown kind or a missing required value.
std::optional<Measurement> measurement(const std::string& kind, const json::object& v) {
  const KindRow* row = find_kind(kind);
  if (row == nullptr) return std::nullopt;
  if (row->fhir_shape == FhirShape::kImplant) return implant(v);
  std::vector<ComponentValue> values;
  for (const auto& c : row->components) {  // "comparator" qualifies the first (primary) value
    const Comparator which = (&c == row->components.data()) ? comparator(v) : Comparator::kNone;
    if (auto x = number(v, c.key)) values.push_back({c.key, *x, which});
  }
  auto m = make_measurement(*row, values);
  if (!m) return std::nullopt;
  if (auto* g = std::get_if<Glucose>(&*m)) g->meal = meal(text(v, "meal"));
  if (auto* inr = std::get_if<Inr>(&*m)) {
    if (const auto* lot = v.if_contains("strip_lot"); lot && lot->is_string()) {
      inr->strip_lot = std::string(lot->as_string());
    }
  }
  return *m;
}

QualityFlags quality(const json::object& q) {
  auto flag = [&](std::string_view key) {
    const auto* v = q.if_contains(key);
    return v != nullptr && v->is_bool() && v->as_bool();
  };
  QualityFlags f;
  f.clock_suspect = flag("clock_suspect");
  f.clock_missing = flag("clock_missing");
  f.irregular_pulse = flag("irregular_pulse");
  f.body_movement = flag("body_movement");
  f.device_error = flag("device_error");
  f.control_result = flag("control_result");
  // Absent (seconds) in rows written before the field existed, and whenever it is seconds.
  if (auto p = parse_time_precision(text(q, "device_time_precision"))) {
    f.device_time_precision = *p;
  }
  return f;
}

}  // namespace

Provenance decode_provenance_json(std::string_view text_in) {
  Provenance p{EntrySource::kManual, Enterer::kPatient, {}};
  boost::system::error_code ec;
  auto parsed = json::parse(text_in, ec);
  if (ec || !parsed.is_object()) return p;
  const auto& o = parsed.as_object();
  if (text(o, "source") == entry_source_name(EntrySource::kDevice)) return Provenance{};
  p.enterer = parse_enterer(text(o, "enterer")).value_or(Enterer::kPatient);
  p.enterer_name = text(o, "enterer_name");
  return p;
}

std::optional<Reading> decode_reading_json(std::string_view text_in) {
  boost::system::error_code ec;
  auto parsed = json::parse(text_in, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& o = parsed.as_object();
  auto m = measurement(text(o, "kind"), object(o, "values"));
  const auto* hub = o.if_contains("hub_time_unix_ms");
  if (!m || hub == nullptr || !hub->is_int64()) return std::nullopt;
  Reading r;
  r.uid = ReadingUid{text(o, "reading_uid")};
  r.gateway = GatewayId{text(o, "gateway_id")};
  r.device.serial = DeviceSerial{text(o, "device_serial")};
  r.device.vendor = text(o, "vendor");
  r.device.model = text(o, "model");
  r.device.driver = text(o, "driver");
  r.record_id = text(o, "record_id");
  r.hub_time = HubTime{std::chrono::milliseconds{hub->as_int64()}};
  if (const auto* d = o.if_contains("device_time_unix_s"); d && d->is_int64()) {
    r.device_time = DeviceTime{std::chrono::seconds{d->as_int64()}};
  }
  if (const auto* c = o.if_contains("clock_offset_s"); c && c->is_int64()) {
    r.clock_offset = std::chrono::seconds{c->as_int64()};
  }
  r.measurement = std::move(*m);
  r.quality = quality(object(o, "quality"));
  if (const auto* p = o.if_contains("provenance"); p && p->is_object()) {
    r.provenance = decode_provenance_json(json::serialize(*p));
  }
  if (r.uid.value.empty() || r.gateway.value.empty() || r.device.serial.value.empty()) {
    return std::nullopt;
  }
  return r;
}

}  // namespace kotona::server::store
