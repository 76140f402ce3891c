#include "drivers/decode/conformance.h"

#include "drivers/decode/json.h"

namespace kotona::drivers::decode {

std::string expectation_json(std::string_view driver, const Decoded& decoded) {
  std::string out = "{\n  \"driver\": " + json_string(driver) +
                    ",\n  \"hub_time\": " + json_string(iso_time(kConformanceHubTime)) +
                    ",\n  \"readings\": [";
  for (std::size_t i = 0; i < decoded.readings.size(); ++i) {
    out += (i ? ",\n    " : "\n    ") + reading_json(decoded.readings[i]);
  }
  out += decoded.readings.empty() ? "],\n" : "\n  ],\n";
  out += "  \"rejections\": [";
  for (std::size_t i = 0; i < decoded.rejections.size(); ++i) {
    const Rejection& r = decoded.rejections[i];
    out += (i ? ",\n    " : "\n    ");
    out += "{\"byte\": " + std::to_string(r.byte) +
           (r.line != 0 ? ", \"line\": " + std::to_string(r.line) : std::string()) +
           ", \"code\": " +
           json_string(to_string(r.error.code)) + ", \"detail\": " + json_string(r.error.detail) +
           "}";
  }
  out += decoded.rejections.empty() ? "]" : "\n  ]";
  if (!decoded.commands.empty()) {  // GATT drivers: what the hub asked of the device
    out += ",\n  \"commands\": [";
    for (std::size_t i = 0; i < decoded.commands.size(); ++i) {
      out += (i ? ",\n    " : "\n    ") + json_string(decoded.commands[i]);
    }
    out += "\n  ],\n  \"cursor\": ";
    out += decoded.cursor ? "{\"serial\": " + json_string(decoded.cursor->serial.value) +
                                ", \"sequence\": " + std::to_string(decoded.cursor->sequence) + "}"
                          : std::string("null");
  }
  out += "\n}\n";
  return out;
}

std::string canonical_json(std::string_view json) {
  std::string out;
  bool in_string = false;
  bool escaped = false;
  for (char c : json) {
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

}  // namespace kotona::drivers::decode
