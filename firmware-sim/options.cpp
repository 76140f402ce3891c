#include "firmware-sim/options.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "core/ids.h"
#include "firmware-sim/relay_encoder.h"

namespace kotona::firmware_sim {

namespace {

Result<std::int64_t> to_int(const std::string& text, std::int64_t min, std::int64_t max,
                            const std::string& what) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min ||
      v > max) {
    return fail(Errc::kConfig, what + ": '" + text + "' is not a number in " +
                                   std::to_string(min) + ".." + std::to_string(max));
  }
  return v;
}

Result<ScriptStep> parse_measure(const std::string& text) {
  ScriptStep step{ScriptStep::Kind::kMeasure};
  const auto a = text.find('/');
  const auto b = text.find('/', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) {
    return fail(Errc::kConfig, "measure: expected SYS/DIA/PULSE, got '" + text + "'");
  }
  auto sys = to_int(text.substr(0, a), 1, 400, "measure SYS");
  auto dia = to_int(text.substr(a + 1, b - a - 1), 1, 400, "measure DIA");
  auto pulse = to_int(text.substr(b + 1), 1, 400, "measure PULSE");
  if (!sys) return fail(sys.error());
  if (!dia) return fail(dia.error());
  if (!pulse) return fail(pulse.error());
  step.systolic = static_cast<int>(*sys);
  step.diastolic = static_cast<int>(*dia);
  step.pulse = static_cast<int>(*pulse);
  return step;
}

// YYYYMMDDHHMMSS as UTC; nullopt when not a valid date and time.
std::optional<std::chrono::sys_seconds> parse_compact_time(const std::string& s) {
  if (s.size() != 14 || s.find_first_not_of("0123456789") != std::string::npos) return {};
  auto num = [&](std::size_t pos, std::size_t len) { return std::stoi(s.substr(pos, len)); };
  using namespace std::chrono;
  const year_month_day date{year{num(0, 4)}, month{static_cast<unsigned>(num(4, 2))},
                            day{static_cast<unsigned>(num(6, 2))}};
  if (!date.ok() || num(8, 2) > 23 || num(10, 2) > 59 || num(12, 2) > 59) return {};
  return sys_days{date} + hours{num(8, 2)} + minutes{num(10, 2)} + seconds{num(12, 2)};
}

// "2.6" / "5.4": a decimal in [min, max]; false otherwise.
bool to_decimal(const std::string& text, double min, double max, double& out) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

// astm-inr `measure RATIO` (0.1..20, so implausible values can be sent on purpose);
// astm-glucose `measure MMOL` (0.1..60) or `measure NNmgdl` (1..2000).
// `measure HI`, `LO`, `>8.0`, `<0.8` (either meter): the result beyond the meter's range as it
// prints it; value = the limit (INR 0.8..8.0, glucose 1.1..33.3 mmol/L for HI / LO).
bool parse_range_indicator(const std::string& device, const std::string& text, ScriptStep& step) {
  const bool inr = device == "astm-inr";
  if (text == "HI" || text == "LO") {
    step.value = text == "HI" ? (inr ? 8.0 : 33.3) : (inr ? 0.8 : 1.1);
  } else if (text.size() < 2 || (text[0] != '>' && text[0] != '<') ||
             !to_decimal(text.substr(1), 0.1, 60, step.value)) {
    return false;
  }
  step.shown = text;
  return true;
}

Result<ScriptStep> parse_meter_measure(const std::string& device, const std::string& text) {
  ScriptStep step{ScriptStep::Kind::kMeasure};
  if (parse_range_indicator(device, text, step)) return step;
  if (text == "garbled") {  // a firmware fault: R.4 the hub cannot read (issue 13)
    const bool inr = device == "astm-inr";
    step.value = inr ? 2.6 : 5.4;
    step.shown = inr ? "2..6" : "5..4";
    return step;
  }
  if (device == "astm-inr") {
    if (!to_decimal(text, 0.1, 20, step.value)) {
      return fail(Errc::kConfig, "measure: expected an INR ratio 0.1..20, got '" + text + "'");
    }
    return step;
  }
  const std::string suffix = "mgdl";
  if (text.size() > suffix.size() && text.ends_with(suffix)) {
    auto mg = to_int(text.substr(0, text.size() - suffix.size()), 1, 2000, "measure mg/dL");
    if (!mg) return fail(mg.error());
    step.value = static_cast<double>(*mg);
    step.is_mg_per_dl = true;
    return step;
  }
  if (!to_decimal(text, 0.1, 60, step.value)) {
    return fail(Errc::kConfig, "measure: expected mmol/L 0.1..60 or NNmgdl, got '" + text + "'");
  }
  return step;
}

// One script command starting at args[i]; advances i past its argument.
Result<ScriptStep> parse_step(const std::string& device, const std::vector<std::string>& args,
                              std::size_t& i) {
  using Kind = ScriptStep::Kind;
  const std::string& cmd = args[i];
  const bool has_arg = cmd == "measure" || cmd == "wait" || cmd == "garbage" || cmd == "loop" ||
                       cmd == "nak-storm" || cmd == "bad-report";
  if (has_arg && i + 1 >= args.size()) return fail(Errc::kConfig, cmd + ": missing argument");
  const std::string arg = has_arg ? args[++i] : "";
  if (cmd == "measure" && device == "implant-relay") {
    if (!is_relay_preset(arg)) {
      return fail(Errc::kConfig,
                  "measure: expected ok, rrt, eos, shock, af, lead or beyond-range, got '" + arg +
                      "'");
    }
    ScriptStep step{Kind::kMeasure};
    step.preset = arg;
    return step;
  }
  if (cmd == "measure" && device != "astm-bp") return parse_meter_measure(device, arg);
  if (cmd == "measure") return parse_measure(arg);
  if (cmd == "control" && device != "astm-bp" && device != "implant-relay") {
    ScriptStep step{Kind::kMeasure};
    step.is_control = true;
    return step;
  }
  if (cmd == "wait" || cmd == "loop") {
    auto ms = to_int(arg, cmd == "loop" ? 1 : 0, 86'400'000, cmd);
    if (!ms) return fail(ms.error());
    return ScriptStep{cmd == "wait" ? Kind::kWait : Kind::kLoop, 0, 0, 0,
                      std::chrono::milliseconds(*ms)};
  }
  if (cmd == "garbage" || cmd == "nak-storm" || cmd == "bad-report") {
    auto n = to_int(arg, cmd == "garbage" ? 0 : 1, 1'000'000, cmd);
    if (!n) return fail(n.error());
    const Kind kind = cmd == "garbage"     ? Kind::kGarbage
                      : cmd == "nak-storm" ? Kind::kNakStorm
                                           : Kind::kBadReport;
    return ScriptStep{kind, 0, 0, 0, {}, static_cast<std::size_t>(*n)};
  }
  if (cmd == "unplug-mid-frame") return ScriptStep{Kind::kUnplugMidFrame};
  if (cmd == "bad-checksum") return ScriptStep{Kind::kBadChecksum};
  if (cmd == "resend-all") return ScriptStep{Kind::kResendAll};
  if (cmd == "reset-counter") return ScriptStep{Kind::kResetCounter};
  if (cmd == "unplug") return ScriptStep{Kind::kUnplug};
  if (cmd == "replug") return ScriptStep{Kind::kReplug};
  if (cmd == "hold") return ScriptStep{Kind::kHold};
  return fail(Errc::kConfig, "unknown script command '" + cmd + "'");
}

// --transport serial|hid, --hid-sysfs DIR, --usb-id VVVV:PPPP (astm-glucose only).
Result<void> apply_hid_option(SimOptions& o, const std::string& key, const std::string& value) {
  if (o.device != "astm-glucose") {
    return fail(Errc::kConfig, key + " is an option of astm-glucose only");
  }
  if (key == "--transport") {
    if (value != "serial" && value != "hid") return fail(Errc::kConfig, key + ": serial or hid");
    o.hid = value == "hid";
    return {};
  }
  if (key == "--hid-sysfs") {
    o.hid_sysfs = value;
    return {};
  }
  unsigned vendor = 0, product = 0;
  char end = 0;
  if (value.size() != 9 || std::sscanf(value.c_str(), "%4x:%4x%c", &vendor, &product, &end) != 2) {
    return fail(Errc::kConfig, "--usb-id: expected VVVV:PPPP in hex, got '" + value + "'");
  }
  o.usb_vendor = static_cast<std::uint16_t>(vendor);
  o.usb_product = static_cast<std::uint16_t>(product);
  return {};
}

Result<void> apply_option(SimOptions& o, const std::string& key, const std::string& value) {
  if (key == "--link") { o.link = value; return {}; }
  if (key == "--clock-fixed") {
    auto t = parse_compact_time(value);
    if (!t) return fail(Errc::kConfig, "--clock-fixed: expected YYYYMMDDHHMMSS");
    o.clock_fixed = *t;
    return {};
  }
  if (key == "--resend-on-connect") {
    if (value != "on" && value != "off") return fail(Errc::kConfig, key + ": on or off");
    o.resend_on_connect = value == "on";
    return {};
  }
  if (key == "--relay-serial") {
    if (o.device != "implant-relay") {
      return fail(Errc::kConfig, "--relay-serial is an option of implant-relay only");
    }
    if (!is_valid_id_text(value) || value.size() > 40) {
      return fail(Errc::kConfig, "--relay-serial must be 1..40 of [A-Za-z0-9._-]");
    }
    o.relay_serial = value;
    return {};
  }
  if (key == "--strip-lot" || key == "--meal" || key == "--units" || key == "--dialect") {
    const char* owner = key == "--strip-lot"                      ? "astm-inr"
                        : key == "--meal" || key == "--dialect" ? "astm-glucose"
                                                                  : "astm-bp";
    if (o.device != owner) return fail(Errc::kConfig, key + " is an option of " + owner + " only");
  }
  if (key == "--strip-lot") {
    const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
    });
    if (value.empty() || value.size() > 64 || !printable) {
      return fail(Errc::kConfig, "--strip-lot: 1..64 printable characters");
    }
    o.extras.strip_lot = value;
    return {};
  }
  if (key == "--framing") {
    if (o.device != "astm-inr" && o.device != "astm-glucose") {
      return fail(Errc::kConfig, "--framing is an option of astm-inr and astm-glucose only");
    }
    if (value != "record" && value != "etb-per-record" && value != "one-frame") {
      return fail(Errc::kConfig, "--framing: record, etb-per-record or one-frame");
    }
    o.extras.framing = value;
    return {};
  }
  if (key == "--dialect") {
    if (value != "reference" && value != "contour") {
      return fail(Errc::kConfig, "--dialect: reference or contour");
    }
    o.extras.contour = value == "contour";
    // The hub tells the Contour family by its product code (Bayer7390, ...) in H.5.
    if (o.extras.contour && o.info.model == "SIM-GLU1") o.info.model = "Bayer7390";
    return {};
  }
  if (key == "--meal") {
    if (value != "BEFORE" && value != "AFTER" && value != "FASTING" && value != "BEDTIME") {
      return fail(Errc::kConfig, "--meal: BEFORE, AFTER, FASTING or BEDTIME");
    }
    o.extras.meal = value;
    return {};
  }
  if (key == "--transport" || key == "--hid-sysfs" || key == "--usb-id") {
    return apply_hid_option(o, key, value);
  }
  if (key == "--serial") { o.info.serial = value; return {}; }
  if (key == "--vendor") { o.info.vendor = value; return {}; }
  if (key == "--model") { o.info.model = value; return {}; }
  if (key == "--ledger") { o.ledger = value; return {}; }
  if (key == "--units") {
    if (value != "mmHg" && value != "kPa") return fail(Errc::kConfig, "--units: mmHg or kPa");
    o.info.kpa = value == "kPa";
    return {};
  }
  const std::int64_t year_s = 366LL * 24 * 3600 * 100;
  auto n = key == "--clock-offset-s" ? to_int(value, -year_s, year_s, key)
           : key == "--first-record" ? to_int(value, 0, 4'000'000'000LL, key)
                                     : to_int(value, 1, 3'600'000, key);
  if (!n) return fail(n.error());
  if (key == "--clock-offset-s") o.clock_offset = std::chrono::seconds(*n);
  else if (key == "--first-record") o.first_record = static_cast<std::uint32_t>(*n);
  else if (key == "--reply-timeout-ms") o.reply_timeout = std::chrono::milliseconds(*n);
  else if (key == "--retry-ms") o.retry = std::chrono::milliseconds(*n);
  else return fail(Errc::kConfig, "unknown option " + key);
  return {};
}

}  // namespace

Result<SimOptions> parse_options(const std::vector<std::string>& args) {
  if (args.empty()) {
    return fail(Errc::kConfig,
                "missing DEVICE (astm-bp, astm-inr, astm-glucose or implant-relay)");
  }
  SimOptions o;
  o.device = args[0];
  if (o.device == "astm-inr") {
    o.info.model = "SIM-INR1";
    o.info.serial = "INRSIM0001";
  } else if (o.device == "astm-glucose") {
    o.info.model = "SIM-GLU1";
    o.info.serial = "GLUSIM0001";
  } else if (o.device == "implant-relay") {
    o.info.model = "SIM-ICD1";
    o.info.serial = "ICDSIM0001";
    o.reply_timeout = std::chrono::milliseconds(2000);  // protocol doc: ACK within 2 s
    o.retry = std::chrono::milliseconds(5000);
  } else if (o.device != "astm-bp") {
    return fail(Errc::kConfig, "unknown device '" + o.device + "'");
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) return fail(Errc::kConfig, args[i] + ": missing value");
      auto ok = apply_option(o, args[i], args[i + 1]);
      if (!ok) return fail(ok.error());
      ++i;
      continue;
    }
    auto step = parse_step(o.device, args, i);
    if (!step) return fail(step.error());
    o.script.push_back(*step);
  }
  for (const std::string* text : {&o.info.vendor, &o.info.model}) {
    for (char c : *text) {
      if (static_cast<unsigned char>(c) < 0x20) {
        return fail(Errc::kConfig, "--vendor/--model: control characters not allowed");
      }
    }
  }
  const bool bad_report = std::any_of(o.script.begin(), o.script.end(), [](const ScriptStep& s) {
    return s.kind == ScriptStep::Kind::kBadReport;
  });
  if (bad_report && !o.hid) return fail(Errc::kConfig, "bad-report needs --transport hid");
  if (o.hid && o.link.empty()) return fail(Errc::kConfig, "--transport hid needs --link NODE");
  if (!is_valid_id_text(o.info.serial)) {
    return fail(Errc::kConfig, "--serial must be 1..64 of [A-Za-z0-9._-]");
  }
  return o;
}

}  // namespace kotona::firmware_sim
