#include "drivers/decode/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/codes.h"
#include "core/kinds.h"
#include "core/overloaded.h"

namespace kotona::drivers::decode {

namespace {

struct Value {
  std::string name;
  double value;
  codes::Code code;
  Comparator comparator = Comparator::kNone;  // printed only when the device gave one
};

struct Attribute {
  std::string name;
  std::string json;  // already rendered
};

std::string_view meal_name(MealMarker meal) {
  switch (meal) {
    case MealMarker::kUnknown:
      return "unknown";
    case MealMarker::kPreprandial:
      return "before_meal";
    case MealMarker::kPostprandial:
      return "after_meal";
    case MealMarker::kFasting:
      return "fasting";
    case MealMarker::kBedtime:
      return "bedtime";
  }
  return "unknown";
}

void add(std::vector<Value>& out, std::string name, const std::optional<double>& v,
         const codes::Code& code) {
  if (v) out.push_back(Value{std::move(name), *v, code});
}

void add_count(std::vector<Attribute>& out, std::string name,
               const std::optional<std::uint32_t>& v) {
  if (v) out.push_back(Attribute{std::move(name), std::to_string(*v)});
}

void add_chamber(std::vector<Value>& out, const std::string& prefix, const ImplantChamber& c,
                 codes::Code codes::ChamberCodes::*which) {
  add(out, prefix + "_lead_impedance", c.lead_impedance_ohm, codes::kLeadImpedanceByChamber.*which);
  add(out, prefix + "_sensing_amplitude", c.sensing_amplitude_mv,
      codes::kSensingAmplitudeByChamber.*which);
  add(out, prefix + "_capture_threshold", c.capture_threshold_v,
      codes::kCaptureThresholdByChamber.*which);
  add(out, prefix + "_paced_percent", c.paced_percent, codes::kPacedPercentByChamber.*which);
}

void describe_implant(const CardiacImplantSummary& s, std::vector<Value>& values,
                      std::vector<Attribute>& attributes) {
  attributes.push_back({"battery_status", json_string(battery_status_name(s.battery_status))});
  add(values, "battery_voltage", s.battery_voltage_v, codes::kImplantBatteryVoltage);
  add(values, "longevity", s.longevity_months, codes::kImplantLongevity);
  add_chamber(values, "ra", s.right_atrium, &codes::ChamberCodes::ra);
  add_chamber(values, "rv", s.right_ventricle, &codes::ChamberCodes::rv);
  add_chamber(values, "lv", s.left_ventricle, &codes::ChamberCodes::lv);
  add(values, "at_af_burden", s.at_af_burden_percent, codes::kAtAfBurden);
  add_count(attributes, "at_af_episodes", s.at_af_episodes);
  add_count(attributes, "vt_vf_episodes", s.vt_vf_episodes);
  add_count(attributes, "atp_therapies", s.atp_therapies);
  add_count(attributes, "shocks_delivered", s.shocks_delivered);
}

// Values from the kind table (name, code, unit); the implant summary's nested values and the
// text attributes (meal, strip lot) from the value types themselves.
void describe(const Measurement& m, std::vector<Value>& values,
              std::vector<Attribute>& attributes) {
  const KindRow& row = kind_of(m);
  for (const auto& v : component_values(m)) {
    const KindComponent* c = find_component(row, v.key);
    if (c != nullptr) values.push_back({std::string(c->name), v.value, c->code, v.comparator});
  }
  std::visit(Overloaded{
                 [&](const Glucose& g) {
                   attributes.push_back({"meal", json_string(meal_name(g.meal))});
                 },
                 [&](const Inr& inr) {
                   if (inr.strip_lot) {
                     attributes.push_back({"strip_lot", json_string(*inr.strip_lot)});
                   }
                 },
                 [&](const CardiacImplantSummary& s) { describe_implant(s, values, attributes); },
                 [](const auto&) {},
             },
             m);
}

std::string value_json(const Value& v) {
  const std::string comparator =
      v.comparator == Comparator::kNone
          ? ""
          : ",\"comparator\":" + json_string(comparator_symbol(v.comparator));
  return "{\"value\":" + json_number(v.value) + comparator +
         ",\"unit\":" + json_string(v.code.ucum) + ",\"mdc\":" + std::to_string(v.code.mdc) +
         ",\"mdc_ref\":" + json_string(v.code.mdc_ref) + ",\"loinc\":" + json_string(v.code.loinc) +
         "}";
}

std::string quality_json(const QualityFlags& q) {
  auto flag = [](const char* name, bool on) {
    return std::string("\"") + name + "\":" + (on ? "true" : "false");
  };
  // Only when coarser than seconds, so captures of second-precision devices read as before.
  const std::string precision =
      q.device_time_precision == TimePrecision::kSecond
          ? ""
          : ",\"device_time_precision\":\"" +
                std::string(time_precision_name(q.device_time_precision)) + "\"";
  return "{" + flag("clock_suspect", q.clock_suspect) + "," +
         flag("clock_missing", q.clock_missing) + "," + flag("irregular_pulse", q.irregular_pulse) +
         "," + flag("body_movement", q.body_movement) + "," + flag("device_error", q.device_error) +
         "," + flag("control_result", q.control_result) + precision + "}";
}

std::string device_json(const DeviceIdentity& d) {
  return "{\"vendor\":" + json_string(d.vendor) + ",\"model\":" + json_string(d.model) +
         ",\"serial\":" + json_string(d.serial.value) + ",\"firmware\":" + json_string(d.firmware) +
         ",\"driver\":" + json_string(d.driver) + "}";
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "null";
  return std::string(buf, end);
}

std::string iso_time(DeviceTime time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day ymd{day};
  const hh_mm_ss hms{time - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string iso_time(HubTime time) {
  using namespace std::chrono;
  const auto seconds_part = floor<seconds>(time);
  const auto ms = (time - seconds_part).count();
  std::string text = iso_time(DeviceTime{seconds_part});
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(ms));
  return text.insert(text.size() - 1, buf);
}

std::string reading_json(const Reading& r) {
  std::vector<Value> values;
  std::vector<Attribute> attributes;
  describe(r.measurement, values, attributes);
  std::string out =
      "{\"kind\":" + json_string(kind_name(r.measurement)) +
      ",\"uid\":" + json_string(r.uid.value) + ",\"record_id\":" + json_string(r.record_id) +
      ",\"device\":" + device_json(r.device) +
      ",\"device_time\":" + (r.device_time ? json_string(iso_time(*r.device_time)) : "null") +
      ",\"hub_time\":" + json_string(iso_time(r.hub_time)) +
      ",\"clock_offset_s\":" + (r.clock_offset ? std::to_string(r.clock_offset->count()) : "null") +
      ",\"values\":{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? "," : "") + json_string(values[i].name) + ":" + value_json(values[i]);
  }
  out += "},\"attributes\":{";
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    out += (i ? "," : "") + json_string(attributes[i].name) + ":" + attributes[i].json;
  }
  return out + "},\"quality\":" + quality_json(r.quality) + "}";
}

}  // namespace kotona::drivers::decode
