// JSON text for the store's *_json columns (values, quality, thresholds) and for a whole
// reading kept in quarantine. Pure; thread-safe. Boost.JSON is compiled in json_impl.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/reading.h"
#include "server/alerts/rules.h"

namespace kotona::server::store {

// {"systolic_mmhg":182,"diastolic_mmhg":112,"pulse_per_min":71} etc.; optional fields absent.
std::string encode_values_json(const Measurement& measurement);
// {"clock_suspect":false,...,"implausible":false,"uid_conflict":false}. implausible and
// uid_conflict are the server's own flags (QualityFlags), never from the wire.
std::string encode_quality_json(const QualityFlags& quality);
// What the readings.quality_json column holds (issue 15): only the flags that are true (and the
// precision when coarser than seconds), same keys and order: {} for a clean reading. The eight
// "false" flags were ~170 of a row's bytes, written on every reading (SQLite database -44 %).
std::string encode_stored_quality_json(const QualityFlags& quality);
// A stored quality_json back in the full form encode_quality_json writes (what the API and the
// FHIR export read): rows in the compact form and rows written before it read the same. A text
// that is not a JSON object is returned unchanged.
std::string expand_quality_json(std::string_view stored);
// {"systolic_mmhg":180,...}
std::string encode_threshold_json(const std::vector<std::pair<std::string, double>>& threshold);
// {"systolic":185,"limit_systolic":180,"hub":"gw-1"}: what an alert's sentence names
// (alerts::AlertValue), for the page's per-language templates.
std::string encode_alert_values_json(const alerts::AlertValues& values);
// The value under component key `key` (core/kinds.h, e.g. weight's "kg") of a stored
// values_json; nullopt when absent or not a number.
std::optional<double> decode_component_value(const std::string& values_json, std::string_view key);
// The readings.provenance_json column (issue 20 part 5): nullopt (NULL) for a device reading,
// so device rows are unchanged; {"source":"manual","enterer":"relative","enterer_name":"..."}
// for a typed one ("enterer_name" only when given).
std::optional<std::string> encode_provenance_json(const Provenance& provenance);
// The column back. A column that is not NULL is a manual entry: an unreadable one (or an
// unknown enterer) stays kManual / kPatient rather than pass for a device reading.
Provenance decode_provenance_json(std::string_view text);
// Every field of the reading, for the quarantine's reading_json column.
std::string encode_reading_json(const Reading& reading);
// The same text around `values_json`, the reading's encode_values_json() already built (the
// ledger encodes a reading's values once, issue 16).
std::string encode_reading_json(const Reading& reading, std::string_view values_json);
// How many times a measurement was encoded to JSON in this process (encode_values_json,
// encode_reading_json without values_json): tests pin "once per reading" with it.
std::uint64_t measurement_encodes();
// The reading encode_reading_json wrote (reading_from_json.cpp; device firmware is not kept);
// nullopt when `text` is not such a reading. Never throws.
std::optional<Reading> decode_reading_json(std::string_view text);

}  // namespace kotona::server::store
