// Hand-written JSON for kotona-decode and the conformance kit: string escaping, ISO 8601 times
// and one normalised Reading as one JSON object (values with UCUM units and MDC / LOINC codes
// from core/codes.h). No JSON library on purpose: drivers/ stays std-only. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/reading.h"

namespace kotona::drivers::decode {

// `text` as a JSON string literal with quotes; control characters and bytes >= 0x80 are
// written as \u00XX (device text is ASCII; anything else is shown, never passed raw).
std::string json_string(std::string_view text);

// Shortest decimal that reads back as `value` ("2.6", "182"); "null" when not finite.
std::string json_number(double value);

// "2026-11-22T10:15:00Z" and, with milliseconds, "2026-11-22T10:16:00.000Z".
std::string iso_time(DeviceTime time);
std::string iso_time(HubTime time);

// One reading on one line: {"kind", "uid", "record_id", "device"{vendor, model, serial,
// firmware, driver}, "device_time", "hub_time", "clock_offset_s", "values"{name: {value, unit,
// mdc, mdc_ref, loinc}}, "attributes"{...}, "quality"{flags}}. Absent optionals are null.
std::string reading_json(const Reading& reading);

}  // namespace kotona::drivers::decode
