// Reading: one normalised measurement from one home device, passed along driver -> outbox ->
// uplink -> server. Regular value type: copyable, comparable, no pointers. Thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/ids.h"

namespace kotona {

using HubTime = std::chrono::sys_time<std::chrono::milliseconds>;
// The device's own clock as it reported it, read as if it were UTC and never corrected.
using DeviceTime = std::chrono::sys_seconds;

struct BloodPressure {
  double systolic_mmhg = 0;
  double diastolic_mmhg = 0;
  std::optional<double> mean_arterial_mmhg;
  std::optional<double> pulse_per_min;
  friend bool operator==(const BloodPressure&, const BloodPressure&) = default;
};

// A device's own range indicator on a value (invariant 14): the device measured beyond what it
// can quantify and said so ("<1.1", ">8.0", LO, HI). The value field then holds the range limit
// the device reported, so "> 8.0" reads as: the true value is above 8.0. Maps to FHIR
// Quantity.comparator '<' / '>'.
enum class Comparator { kNone, kBelowRange, kAboveRange };

// "<", ">" or "" for kNone: the FHIR / display form.
std::string_view comparator_symbol(Comparator c);

enum class MealMarker { kUnknown, kPreprandial, kPostprandial, kFasting, kBedtime };

struct Glucose {
  double mmol_per_l = 0;
  MealMarker meal = MealMarker::kUnknown;
  Comparator comparator = Comparator::kNone;  // qualifies mmol_per_l (glucose HI / LO)
  friend bool operator==(const Glucose&, const Glucose&) = default;
};

struct Inr {
  double ratio = 0;
  std::optional<double> prothrombin_time_s;
  std::optional<std::string> strip_lot;
  Comparator comparator = Comparator::kNone;  // qualifies ratio (INR "> 8.0")
  friend bool operator==(const Inr&, const Inr&) = default;
};

enum class BatteryStatus { kUnknown, kOk, kRrtEri, kEos };
// "ok", "rrt_eri", "eos", "unknown": the one spelling of stored JSON, the API and kotona-decode.
std::string_view battery_status_name(BatteryStatus s);
// The name back; any other text is kUnknown.
BatteryStatus battery_status_from_name(std::string_view name);

// One implant chamber's lead and pacing figures (IEEE 11073-10103 IDC "LEADCHNL" terms).
struct ImplantChamber {
  std::optional<double> lead_impedance_ohm;
  std::optional<double> sensing_amplitude_mv;
  std::optional<double> capture_threshold_v;
  std::optional<double> paced_percent;
  // The relay's range indicator on each value above (invariant 14; implant-relay-protocol.md
  // value type 4): kNone = exact, else the value is the relay's measuring limit.
  Comparator lead_impedance_comparator = Comparator::kNone;
  Comparator sensing_amplitude_comparator = Comparator::kNone;
  Comparator capture_threshold_comparator = Comparator::kNone;
  Comparator paced_percent_comparator = Comparator::kNone;
  friend bool operator==(const ImplantChamber&, const ImplantChamber&) = default;
};

struct CardiacImplantSummary {
  BatteryStatus battery_status = BatteryStatus::kUnknown;
  std::optional<double> battery_voltage_v;
  std::optional<double> longevity_months;
  ImplantChamber right_atrium;
  ImplantChamber right_ventricle;
  ImplantChamber left_ventricle;
  std::optional<double> at_af_burden_percent;
  std::optional<std::uint32_t> at_af_episodes;
  std::optional<std::uint32_t> vt_vf_episodes;
  std::optional<std::uint32_t> atp_therapies;
  std::optional<std::uint32_t> shocks_delivered;
  // Range indicators on the summary's own decimal values, as in ImplantChamber.
  Comparator battery_voltage_comparator = Comparator::kNone;
  Comparator longevity_comparator = Comparator::kNone;
  Comparator at_af_burden_comparator = Comparator::kNone;
  friend bool operator==(const CardiacImplantSummary&, const CardiacImplantSummary&) = default;
};

struct Weight {
  double kg = 0;
  friend bool operator==(const Weight&, const Weight&) = default;
};

struct Spo2 {
  double percent = 0;
  std::optional<double> pulse_per_min;
  friend bool operator==(const Spo2&, const Spo2&) = default;
};

struct Temperature {
  double celsius = 0;
  friend bool operator==(const Temperature&, const Temperature&) = default;
};

// A kind added as a kind-table row only (core/kinds.h), e.g. heart rate: the row's name and its
// values by component key, in table order. Built by make_measurement, which checks both.
struct GenericValue {
  std::string key;  // the row's component key, e.g. "beats_per_min"
  double value = 0;
  Comparator comparator = Comparator::kNone;
  friend bool operator==(const GenericValue&, const GenericValue&) = default;
};
struct GenericMeasurement {
  std::string kind;
  std::vector<GenericValue> values;
  friend bool operator==(const GenericMeasurement&, const GenericMeasurement&) = default;
};

// The typed kinds in kind-table order; GenericMeasurement (last) serves every later row.
using Measurement = std::variant<BloodPressure, Glucose, Inr, CardiacImplantSummary, Weight, Spo2,
                                 Temperature, GenericMeasurement>;

// The kind table's name of m's kind, part of reading_uid: "bp", "glucose", ..., "heart_rate".
std::string_view kind_name(const Measurement& m);

// How much of its clock the device gave for device_time (ASTM E1394 / LIS2-A2 date-times
// carry YYYYMMDD[HH[MM[SS]]]: as many digits as the sender knows). The parts it did not give
// are zero in device_time; shown and exported (FHIR) at this precision, never finer.
enum class TimePrecision { kSecond, kMinute, kHour, kDay };

// "second", "minute", "hour", "day": the name in stored JSON and exports.
std::string_view time_precision_name(TimePrecision p);
// The inverse of time_precision_name(); nullopt for any other text.
std::optional<TimePrecision> parse_time_precision(std::string_view name);

// The comparator on a kind's primary value (glucose concentration, INR ratio); kNone for kinds
// whose devices have no range indicator.
Comparator primary_comparator(const Measurement& m);

// What the device or hub noticed about the reading. Flags never drop a reading.
struct QualityFlags {
  bool clock_suspect = false;    // device clock off from hub time beyond tolerance, or the
                                 // device flagged its own time (e.g. GLS time fault)
  bool clock_missing = false;    // device sent no time; hub receive time used
  bool irregular_pulse = false;  // device says so
  bool body_movement = false;    // device says so
  bool device_error = false;     // device reported a measurement problem
  bool control_result = false;   // a control solution / QC run, not patient data
  TimePrecision device_time_precision = TimePrecision::kSecond;  // of device_time
  bool implausible = false;   // set by the server only: a value outside physiological
                              // limits (server/alerts/plausibility.h); never from the wire
  bool uid_conflict = false;  // set by the server only: another reading had this one's
                              // uid first; stored under a derived uid (store/uid_conflict.cpp)
  friend bool operator==(const QualityFlags&, const QualityFlags&) = default;
};

struct DeviceIdentity {
  std::string vendor;
  std::string model;
  DeviceSerial serial;
  std::string firmware;
  std::string driver;  // driver name, e.g. "astm_bp"
  friend bool operator==(const DeviceIdentity&, const DeviceIdentity&) = default;
};

// Who put a reading into the hub (issue 20 part 5): a device the hub read (the default, and
// every reading from before this field), or a person who typed a meter's result in on the
// hub's local page because the meter cannot connect (infrared-only INR meter, a cuff without
// Bluetooth). A manual reading is carried as self-reported (FHIR) and alerts like any other.
enum class EntrySource { kDevice, kManual };
// Who typed a manual reading in.
enum class Enterer { kPatient, kRelative, kNurse };

// "device" / "manual": the one spelling of the wire-side JSON, the store and the API.
std::string_view entry_source_name(EntrySource s);
// "patient" / "relative" / "nurse".
std::string_view enterer_name(Enterer e);
// The inverses; nullopt for any other text (untrusted input: form, JSON).
std::optional<EntrySource> parse_entry_source(std::string_view name);
std::optional<Enterer> parse_enterer(std::string_view name);

struct Provenance {
  EntrySource source = EntrySource::kDevice;
  Enterer enterer = Enterer::kPatient;  // meaningful only for kManual
  // kManual: the relative's or nurse's name or staff id as they gave it, so a clinician can
  // call back; empty for the patient. Personal data: stored and shown to the care team,
  // exported as the performer's display, NEVER written to a log line.
  std::string enterer_name;
  friend bool operator==(const Provenance&, const Provenance&) = default;
};

// The longest enterer_name the hub sends and the server stores, in bytes of UTF-8.
inline constexpr std::size_t kMaxEntererName = 80;
// True when `name` may be an enterer_name: at most kMaxEntererName bytes of valid UTF-8
// without control characters (C0, DEL, C1) or line/paragraph separators.
bool is_valid_enterer_name(std::string_view name);

struct Reading {
  ReadingUid uid;     // set by finalize_reading(), never by a driver
  GatewayId gateway;  // set by finalize_reading()
  DeviceIdentity device;
  std::string record_id;  // device-native record identity (sequence / record number); may be
                          // empty, then the raw device time identifies the record
  std::optional<DeviceTime> device_time;             // raw, uncorrected
  HubTime hub_time{};                                // when the hub received the bytes
  std::optional<std::chrono::seconds> clock_offset;  // device_time - hub_time at transfer
  Measurement measurement;
  QualityFlags quality;
  Provenance provenance;  // device (default) or typed in by a person
  friend bool operator==(const Reading&, const Reading&) = default;
};

// Device clocks further than this from hub time are flagged clock_suspect (invariant 6).
inline constexpr std::chrono::minutes kClockTolerance{10};

// reading_uid from device-native fields only (invariant 2): gateway id, device serial, record
// id (or, when empty, the raw device time), kind. Never from corrected time.
// REQUIRES: gateway and device.serial non-empty; record_id or device_time present.
ReadingUid make_reading_uid(const GatewayId& gateway, const Reading& reading);

// Stamps gateway, uid and clock flags onto a reading a driver emitted. A clock_offset the driver
// set (from the device's "clock now" at transfer) is kept; otherwise it is device_time - hub_time,
// which assumes the record was just measured. Readings with neither record id nor device time
// get the hub time as their identity, and every reading without device time gets clock_missing.
void finalize_reading(const GatewayId& gateway, Reading& reading);

}  // namespace kotona
