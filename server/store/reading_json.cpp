#include "server/store/reading_json.h"

#include <atomic>
#include <boost/json.hpp>

#include "core/kinds.h"
#include "core/overloaded.h"
#include "server/store/json_text.h"

namespace kotona::server::store {

namespace json = boost::json;

namespace {

void put(json::object& o, const char* key, const std::optional<double>& v) {
  if (v) o[key] = *v;
}
void put(json::object& o, const char* key, const std::optional<std::uint32_t>& v) {
  if (v) o[key] = *v;
}

// Only when the device gave a range indicator: old rows and exact values have no key, so
// their JSON (and the duplicate check that compares it) is unchanged.
void put_comparator(json::object& o, Comparator c) {
  if (c != Comparator::kNone) o["comparator"] = comparator_symbol(c);
}

// An implant value and, only when the relay gave one, its range indicator as "<key>_comparator"
// (invariant 14): exact values' JSON is unchanged.
void put(json::object& o, const char* key, const std::optional<double>& v, Comparator c) {
  put(o, key, v);
  if (v && c != Comparator::kNone) o[std::string(key) + "_comparator"] = comparator_symbol(c);
}

std::string_view meal_name(MealMarker m) {
  switch (m) {
    case MealMarker::kPreprandial:
      return "preprandial";
    case MealMarker::kPostprandial:
      return "postprandial";
    case MealMarker::kFasting:
      return "fasting";
    case MealMarker::kBedtime:
      return "bedtime";
    case MealMarker::kUnknown:
      break;
  }
  return "unknown";
}

json::object chamber(const ImplantChamber& c) {
  json::object o;
  put(o, "lead_impedance_ohm", c.lead_impedance_ohm, c.lead_impedance_comparator);
  put(o, "sensing_amplitude_mv", c.sensing_amplitude_mv, c.sensing_amplitude_comparator);
  put(o, "capture_threshold_v", c.capture_threshold_v, c.capture_threshold_comparator);
  put(o, "paced_percent", c.paced_percent, c.paced_percent_comparator);
  return o;
}

json::object implant(const CardiacImplantSummary& s) {
  json::object o;
  o["battery_status"] = battery_status_name(s.battery_status);
  put(o, "battery_voltage_v", s.battery_voltage_v, s.battery_voltage_comparator);
  put(o, "longevity_months", s.longevity_months, s.longevity_comparator);
  o["right_atrium"] = chamber(s.right_atrium);
  o["right_ventricle"] = chamber(s.right_ventricle);
  o["left_ventricle"] = chamber(s.left_ventricle);
  put(o, "at_af_burden_percent", s.at_af_burden_percent, s.at_af_burden_comparator);
  put(o, "at_af_episodes", s.at_af_episodes);
  put(o, "vt_vf_episodes", s.vt_vf_episodes);
  put(o, "atp_therapies", s.atp_therapies);
  put(o, "shocks_delivered", s.shocks_delivered);
  return o;
}

// A generic kind's values by table key; "comparator" qualifies the first (primary) value, as
// reading_from_json reads it for every kind.
json::object generic(const Measurement& m) {
  json::object o;
  for (const auto& v : component_values(m)) {
    o[v.key] = v.value;
    if (v.comparator != Comparator::kNone) put_comparator(o, v.comparator);
  }
  return o;
}

std::atomic<std::uint64_t> encodes{0};

json::object values(const Measurement& m) {
  encodes.fetch_add(1, std::memory_order_relaxed);
  return std::visit(Overloaded{
                        [](const BloodPressure& bp) {
                          json::object o{{"systolic_mmhg", bp.systolic_mmhg},
                                         {"diastolic_mmhg", bp.diastolic_mmhg}};
                          put(o, "mean_arterial_mmhg", bp.mean_arterial_mmhg);
                          put(o, "pulse_per_min", bp.pulse_per_min);
                          return o;
                        },
                        [](const Glucose& g) {
                          json::object o{{"mmol_per_l", g.mmol_per_l}, {"meal", meal_name(g.meal)}};
                          put_comparator(o, g.comparator);
                          return o;
                        },
                        [](const Inr& inr) {
                          json::object o{{"ratio", inr.ratio}};
                          put_comparator(o, inr.comparator);
                          put(o, "prothrombin_time_s", inr.prothrombin_time_s);
                          if (inr.strip_lot) o["strip_lot"] = *inr.strip_lot;
                          return o;
                        },
                        [](const CardiacImplantSummary& s) { return implant(s); },
                        [](const Weight& w) {
                          return json::object{{"kg", w.kg}};
                        },
                        [](const Spo2& s) {
                          json::object o{{"percent", s.percent}};
                          put(o, "pulse_per_min", s.pulse_per_min);
                          return o;
                        },
                        [](const Temperature& t) {
                          return json::object{{"celsius", t.celsius}};
                        },
                        [&m](const GenericMeasurement&) { return generic(m); },
                    },
                    m);
}

json::object quality(const QualityFlags& q) {
  json::object o{{"clock_suspect", q.clock_suspect},     {"clock_missing", q.clock_missing},
                 {"irregular_pulse", q.irregular_pulse}, {"body_movement", q.body_movement},
                 {"device_error", q.device_error},       {"control_result", q.control_result},
                 {"implausible", q.implausible}};
  // Only when coarser than seconds: rows stored before the field existed read the same.
  if (q.device_time_precision != TimePrecision::kSecond) {
    o["device_time_precision"] = time_precision_name(q.device_time_precision);
  }
  o["uid_conflict"] = q.uid_conflict;  // last, as rows have always had it
  return o;
}

}  // namespace

namespace {

// The kinds with only plain double values, written directly (issue 15: building the Boost.JSON
// object was ~5 % of the server's CPU per reading in a drain), byte for byte what values()
// printed: the same keys in the same order, each number through to_json_text.
struct FlatValues {
  std::string out = "{";
  FlatValues& put(std::string_view key, double value) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;  // a fixed identifier: no escaping
    out += "\":";
    out += to_json_text(json::value(value));
    return *this;
  }
  FlatValues& put(std::string_view key, const std::optional<double>& value) {
    return value ? put(key, *value) : *this;
  }
  std::string done() {
    out += '}';
    return std::move(out);
  }
};

std::optional<std::string> flat_values_json(const Measurement& m) {
  if (const auto* bp = std::get_if<BloodPressure>(&m)) {
    return FlatValues{}
        .put("systolic_mmhg", bp->systolic_mmhg)
        .put("diastolic_mmhg", bp->diastolic_mmhg)
        .put("mean_arterial_mmhg", bp->mean_arterial_mmhg)
        .put("pulse_per_min", bp->pulse_per_min)
        .done();
  }
  if (const auto* w = std::get_if<Weight>(&m)) return FlatValues{}.put("kg", w->kg).done();
  if (const auto* s = std::get_if<Spo2>(&m)) {
    return FlatValues{}.put("percent", s->percent).put("pulse_per_min", s->pulse_per_min).done();
  }
  if (const auto* t = std::get_if<Temperature>(&m)) {
    return FlatValues{}.put("celsius", t->celsius).done();
  }
  return std::nullopt;
}

}  // namespace

std::string encode_values_json(const Measurement& measurement) {
  if (auto flat = flat_values_json(measurement)) {
    encodes.fetch_add(1, std::memory_order_relaxed);
    return std::move(*flat);
  }
  return to_json_text(values(measurement));
}

namespace {

// The flags in the column's key order; uid_conflict last, after the precision.
struct QualityKey {
  std::string_view key;
  bool QualityFlags::*flag;
};
constexpr QualityKey kQualityKeys[] = {
    {"clock_suspect", &QualityFlags::clock_suspect},
    {"clock_missing", &QualityFlags::clock_missing},
    {"irregular_pulse", &QualityFlags::irregular_pulse},
    {"body_movement", &QualityFlags::body_movement},
    {"device_error", &QualityFlags::device_error},
    {"control_result", &QualityFlags::control_result},
    {"implausible", &QualityFlags::implausible},
};

}  // namespace

// Written directly, byte for byte what a Boost.JSON object of the flags plus uid_conflict
// printed (issue 15: building that object for every stored reading was ~9 % of the ingest's
// CPU). Keys in the same order; reading_json_test pins the text.
std::string encode_quality_json(const QualityFlags& q) {
  std::string out = "{";
  out.reserve(200);
  auto flag = [&out](std::string_view key, bool value) {
    if (out.size() > 1) out += ',';
    out.append("\"").append(key).append("\":").append(value ? "true" : "false");
  };
  for (const auto& k : kQualityKeys) flag(k.key, q.*k.flag);
  // Only when coarser than seconds: rows stored before the field existed read the same.
  if (q.device_time_precision != TimePrecision::kSecond) {
    out += ",\"device_time_precision\":\"";
    out += time_precision_name(q.device_time_precision);  // a fixed identifier: no escaping
    out += '"';
  }
  flag("uid_conflict", q.uid_conflict);
  out += '}';
  return out;
}

namespace {

bool has_true(std::string_view text, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 8);
  pattern.append("\"").append(key).append("\":true");
  return text.find(pattern) != std::string_view::npos;
}

}  // namespace

std::string encode_stored_quality_json(const QualityFlags& q) {
  std::string out = "{";
  auto add = [&out](std::string_view key, std::string_view value) {
    if (out.size() > 1) out += ',';
    out.append("\"").append(key).append("\":").append(value);
  };
  for (const auto& k : kQualityKeys) {
    if (q.*k.flag) add(k.key, "true");
  }
  if (q.device_time_precision != TimePrecision::kSecond) {
    std::string name = "\"";
    name.append(time_precision_name(q.device_time_precision)).append("\"");
    add("device_time_precision", name);
  }
  if (q.uid_conflict) add("uid_conflict", "true");
  out += '}';
  return out;
}

// Both stored forms are the server's own text (no spaces, keys as written above), so a flag
// is true exactly when `"key":true` occurs; the full form's "false" flags read as absent.
std::string expand_quality_json(std::string_view stored) {
  if (stored.empty() || stored.front() != '{' || stored.back() != '}') return std::string(stored);
  QualityFlags q;
  for (const auto& k : kQualityKeys) q.*k.flag = has_true(stored, k.key);
  q.uid_conflict = has_true(stored, "uid_conflict");
  constexpr std::string_view kPrecision = "\"device_time_precision\":\"";
  if (auto at = stored.find(kPrecision); at != std::string_view::npos) {
    const auto from = at + kPrecision.size();
    const auto to = stored.find('"', from);
    if (to != std::string_view::npos) {
      if (auto p = parse_time_precision(stored.substr(from, to - from))) {
        q.device_time_precision = *p;
      }
    }
  }
  return encode_quality_json(q);
}

std::optional<std::string> encode_provenance_json(const Provenance& p) {
  if (p.source == EntrySource::kDevice) return std::nullopt;
  json::object o{{"source", entry_source_name(p.source)}, {"enterer", enterer_name(p.enterer)}};
  if (!p.enterer_name.empty()) o["enterer_name"] = p.enterer_name;
  return to_json_text(o);
}

std::string encode_threshold_json(const std::vector<std::pair<std::string, double>>& threshold) {
  json::object o;
  for (const auto& [key, value] : threshold) o[key] = value;
  return to_json_text(o);
}

std::string encode_alert_values_json(const alerts::AlertValues& values) {
  json::object o;
  for (const auto& v : values) {
    std::visit([&](const auto& x) { o[v.key] = x; }, v.value);
  }
  return to_json_text(o);
}

std::string encode_reading_json(const Reading& r) {
  return encode_reading_json(r, encode_values_json(r.measurement));
}

// Keys in the order the reading's one Boost.JSON object had them, "values" spliced in as the
// text it is: the text is byte for byte what that object printed (reading_json_test pins it),
// so items held before read the same and a re-sent reading is still found held.
std::string encode_reading_json(const Reading& r, std::string_view values_json) {
  const json::object head{{"reading_uid", r.uid.value},
                          {"gateway_id", r.gateway.value},
                          {"device_serial", r.device.serial.value},
                          {"vendor", r.device.vendor},
                          {"model", r.device.model},
                          {"driver", r.device.driver},
                          {"record_id", r.record_id},
                          {"kind", kind_name(r.measurement)},
                          {"hub_time_unix_ms", r.hub_time.time_since_epoch().count()}};
  json::object tail{{"quality", quality(r.quality)}};
  if (r.device_time) tail["device_time_unix_s"] = r.device_time->time_since_epoch().count();
  if (r.clock_offset) tail["clock_offset_s"] = r.clock_offset->count();
  // Only for a typed reading: a device reading's text is unchanged (items held before match).
  if (auto provenance = encode_provenance_json(r.provenance)) {
    tail["provenance"] = json::parse(*provenance);
  }
  std::string text = to_json_text(head);
  text.pop_back();  // '}'
  text += ",\"values\":";
  text += values_json;
  const std::string rest = to_json_text(tail);
  text += ',';
  text.append(rest, 1);  // after '{'
  return text;
}

std::uint64_t measurement_encodes() { return encodes.load(std::memory_order_relaxed); }

std::optional<double> decode_component_value(const std::string& values_json, std::string_view key) {
  boost::system::error_code ec;
  auto v = json::parse(values_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* value = v.as_object().if_contains(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->to_number<double>();
}

}  // namespace kotona::server::store
