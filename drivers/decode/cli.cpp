#include "drivers/decode/cli.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/decode/conformance.h"
#include "drivers/decode/decode.h"
#include "drivers/decode/json.h"
#include "drivers/registry/registry.h"

namespace kotona::drivers::decode {

namespace {

constexpr const char* kDecodeUsage =
    "usage: kotona-decode DRIVER [--hub-time YYYY-MM-DDTHH:MM:SS[.mmm]Z] [--gateway-id ID] "
    "[--characteristic XXXX] (HEX... | --file FRAMES.hex)";
constexpr const char* kConformanceUsage = "usage: kotona-conformance DRIVER DIR [--write]";

const DriverDescriptor* driver_or_list(const std::string& name, std::ostream& err) {
  if (const DriverDescriptor* d = find_driver(name)) return d;
  err << "unknown driver '" << name << "'; known drivers:";
  for (const DriverDescriptor* d : all_drivers()) err << ' ' << d->name;
  err << '\n';
  return nullptr;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct DecodeArgs {
  std::string driver;
  std::optional<HubTime> hub_time;
  GatewayId gateway{"gw-decode"};
  std::string hex;  // all HEX arguments, or the file's text
  std::optional<std::uint16_t> characteristic;  // GATT: the input is one value of this
};

std::optional<std::uint16_t> parse_uuid16(const std::string& text) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (text.size() != 4 || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}

// GATT drivers: the capture the input holds (a capture text, or with --characteristic one
// value). nullopt after a line on `err`.
std::optional<gatt::Capture> gatt_input(const DecodeArgs& a, std::ostream& err) {
  if (a.characteristic) {
    const auto bytes = parse_hex(a.hex);
    if (!bytes) {
      err << "input is not hex digit pairs (\"1E B6 00 ...\")\n";
      return std::nullopt;
    }
    return single_value_capture(*a.characteristic, *bytes);
  }
  auto capture = gatt::parse_capture(a.hex);
  if (!capture) {
    err << "capture: " << capture.error().detail
        << " (BLE drivers take --characteristic XXXX HEX, or a capture file: "
           "drivers/gatt/capture.h)\n";
    return std::nullopt;
  }
  return std::move(capture).value();
}

// Fills `a` from the command line; false (after one line on `err`) on a usage error.
bool parse_decode_args(const std::vector<std::string>& args, DecodeArgs& a, std::ostream& err) {
  bool has_file = false, has_hex = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool takes_value = arg == "--hub-time" || arg == "--gateway-id" || arg == "--file" ||
                             arg == "--characteristic";
    if (takes_value && i + 1 >= args.size()) {
      err << arg << ": missing value\n";
      return false;
    }
    if (arg == "--hub-time") {
      a.hub_time = parse_iso_time(args[++i]);
      if (!a.hub_time) {
        err << "--hub-time: '" << args[i] << "' is not YYYY-MM-DDTHH:MM:SS[.mmm]Z\n";
        return false;
      }
    } else if (arg == "--gateway-id") {
      a.gateway = GatewayId{args[++i]};
      if (!is_valid_id_text(a.gateway.value)) {
        err << "--gateway-id: 1..64 of [A-Za-z0-9._-]\n";
        return false;
      }
    } else if (arg == "--characteristic") {
      a.characteristic = parse_uuid16(args[++i]);
      if (!a.characteristic) {
        err << "--characteristic: 4 hex digits, e.g. 2A35\n";
        return false;
      }
    } else if (arg == "--file") {
      auto text = read_file(args[++i]);
      if (!text) {
        err << "--file: cannot read '" << args[i] << "'\n";
        return false;
      }
      a.hex += *text + "\n";
      has_file = true;
    } else if (arg.rfind("--", 0) == 0) {
      err << "unknown option " << arg << '\n';
      return false;
    } else {
      a.hex += arg + " ";
      has_hex = true;
    }
  }
  if (has_file == has_hex) {
    err << (has_file ? "give HEX arguments or --file, not both\n" : "no input bytes\n");
    return false;
  }
  return true;
}

// One conformance case: X.hex against X.json (or, with `write`, X.json rewritten). False on a
// mismatch or an unreadable file; prints one line (or the two documents) to `out`.
bool check_case(const DriverDescriptor& driver, const std::filesystem::path& hex_path, bool write,
                std::ostream& out) {
  const std::string name = hex_path.filename().string();
  const auto text = read_file(hex_path);
  Decoded decoded;
  if (text && is_gatt_driver(driver)) {
    const auto capture = gatt::parse_capture(*text);
    if (!capture) {
      out << "FAIL " << name << ": not a capture: " << capture.error().detail << '\n';
      return false;
    }
    decoded = decode_gatt(driver, *capture, kConformanceHubTime, kConformanceGateway);
  } else {
    const auto bytes = text ? parse_hex(*text) : std::nullopt;
    if (!bytes) {
      out << "FAIL " << name << ": not readable as hex\n";
      return false;
    }
    decoded = decode_serial(driver, *bytes, kConformanceHubTime, kConformanceGateway);
  }
  const std::string got = expectation_json(driver.name, decoded);
  auto json_path = hex_path;
  json_path.replace_extension(".json");
  if (write) {
    std::ofstream(json_path, std::ios::binary) << got;
    out << "wrote " << json_path.filename().string() << '\n';
    return true;
  }
  const auto expected = read_file(json_path);
  if (!expected) {
    out << "FAIL " << name << ": no " << json_path.filename().string()
        << " (write it with --write, then review it)\n";
    return false;
  }
  if (canonical_json(*expected) != canonical_json(got)) {
    out << "FAIL " << name << ": expected\n" << *expected << "got\n" << got;
    return false;
  }
  out << "ok " << name << '\n';
  return true;
}

}  // namespace

int run_decode(const std::vector<std::string>& args, HubTime now, std::ostream& out,
               std::ostream& err) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    err << kDecodeUsage << '\n';
    return 2;
  }
  const DriverDescriptor* driver = driver_or_list(args[0], err);
  if (driver == nullptr) return 2;
  DecodeArgs a;
  if (!parse_decode_args(args, a, err)) {
    err << kDecodeUsage << '\n';
    return 2;
  }
  Decoded decoded;
  if (is_gatt_driver(*driver)) {
    const auto capture = gatt_input(a, err);
    if (!capture) return 2;
    decoded = decode_gatt(*driver, *capture, a.hub_time.value_or(now), a.gateway);
  } else {
    const auto bytes = parse_hex(a.hex);
    if (!bytes || a.characteristic) {
      err << (a.characteristic ? "--characteristic is for BLE drivers\n"
                               : "input is not hex digit pairs (\"05 02 31 ...\")\n");
      return 2;
    }
    decoded = decode_serial(*driver, *bytes, a.hub_time.value_or(now), a.gateway);
  }
  for (const Reading& r : decoded.readings) out << reading_json(r) << '\n';
  for (const Rejection& r : decoded.rejections) {
    err << "error: " << to_string(r.error.code);
    if (r.line != 0) err << " on line " << r.line;
    err << " at byte " << r.byte << ": " << r.error.detail << '\n';
  }
  return decoded.rejections.empty() ? 0 : 1;
}

int run_conformance(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const bool write = args.size() == 3 && args[2] == "--write";
  if (args.size() != 2 && !write) {
    err << kConformanceUsage << '\n';
    return 2;
  }
  const DriverDescriptor* driver = driver_or_list(args[0], err);
  if (driver == nullptr) return 2;
  std::vector<std::filesystem::path> cases;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(args[1], ec)) {
    if (entry.path().extension() == ".hex") cases.push_back(entry.path());
  }
  if (ec || cases.empty()) {
    err << "no *.hex files in '" << args[1] << "'\n";
    return 1;
  }
  std::sort(cases.begin(), cases.end());
  int failures = 0;
  for (const auto& hex_path : cases) {
    if (!check_case(*driver, hex_path, write, out)) ++failures;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace kotona::drivers::decode
