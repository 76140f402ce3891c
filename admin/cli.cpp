#include "admin/cli.h"

#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "admin/quarantine_command.h"
#include "admin/words.h"
#include "core/henkilotunnus.h"
#include "core/ids.h"

namespace kotona::admin {

namespace json = boost::json;

namespace {

constexpr std::string_view kUsage =
    R"(usage: kotona-admin [--url URL] [--user NAME] [--json] COMMAND [ARGS]

Manages Kotona's patient register, device enrolment and quarantine through the server's
HTTP API.

Commands:
  login                                print a bearer token (needs --user) for KOTONA_TOKEN
  patient list [--limit N]             the patient register
  patient show PATIENT_ID              one patient with its enrolment history
  patient add PATIENT_ID [--hetu CODE|-] [--name TEXT] [--team TEAM] [--language fi|sv|ru]
  patient set PATIENT_ID [--hetu CODE|-] [--name TEXT] [--team TEAM] [--language fi|sv|ru]
                         [--no-hetu] [--no-name] [--no-team] [--no-language]
  enrol GATEWAY_ID DEVICE_SERIAL PATIENT_ID [--from TIME]
                                       bind a device to a patient from TIME (default now);
                                       a device bound to someone else moves at TIME
  enrolment list [--patient ID] [--gateway ID] [--device SERIAL] [--limit N]
  enrolment show ENROLMENT_ID
  enrolment end ENROLMENT_ID [--at TIME]
  hub-code GATEWAY_ID PATIENT_ID [--ttl MINUTES]
                                       a one-time code a nurse types on a blank hub's setup
                                       page (default 15 min; single use; docs/enrolment.md)
  hub-certs [--gateway ID] [--limit N]
                                       the hub certificates enrolment issued (serial, hub,
                                       patient, validity, address), newest first
  quarantine list [--gateway ID] [--reason REASON] [--held] [--limit N]
                                       readings the server held back (not enrolled, identity
                                       mismatch, unreadable, uid conflict) and why
  quarantine release ITEM_ID           store a held reading whose device is now enrolled

Options:
  --url URL     the server's API (default $KOTONA_URL, else http://127.0.0.1:8080)
  --user NAME   log in as NAME (password: prompted, or one line on stdin) and log out after;
                without it the token in $KOTONA_TOKEN is used
  --json        print the server's JSON answer as it is
  -h, --help    this text
CODE is a henkilötunnus (DDMMYYCZZZQ), checked before it is sent; `--hetu -` reads it from
stdin so it stays out of process lists and shell history. TIME is 2026-11-23T10:00:00Z (or
+02:00) or a date 2026-11-23 (00:00 UTC). Writes need an admin user.

Exit: 0 done, 1 refused by the server (bad input, not found, conflict), 2 bad command line,
3 no credentials / login failed / not allowed, 4 server unreachable or failing.
)";

// The register fields of `patient add|set` as a JSON body.
Result<json::object> patient_fields(const Words& w, bool& hetu_from_stdin) {
  json::object body;
  auto both = [&](const char* set, const char* clear) {
    return w.flags.count(set) && w.flags.count(clear);
  };
  if (both("--hetu", "--no-hetu") || both("--name", "--no-name") || both("--team", "--no-team") ||
      both("--language", "--no-language")) {
    return usage_error("a field cannot be both set and cleared");
  }
  if (auto it = w.flags.find("--hetu"); it != w.flags.end()) {
    if (it->second == "-") {
      hetu_from_stdin = true;
    } else if (auto h = parse_henkilotunnus(it->second); !h) {
      return usage_error(h.error().detail);
    } else {
      body["henkilotunnus"] = h->text;
    }
  }
  if (auto it = w.flags.find("--name"); it != w.flags.end()) body["display_name"] = it->second;
  if (auto it = w.flags.find("--team"); it != w.flags.end()) body["team"] = it->second;
  if (auto it = w.flags.find("--language"); it != w.flags.end()) {  // the server checks it too
    if (it->second != "fi" && it->second != "sv" && it->second != "ru") {
      return usage_error("--language: fi, sv or ru, not '" + it->second + "'");
    }
    body["language"] = it->second;
  }
  if (w.flags.count("--no-hetu")) body["henkilotunnus"] = nullptr;
  if (w.flags.count("--no-name")) body["display_name"] = nullptr;
  if (w.flags.count("--no-team")) body["team"] = nullptr;
  if (w.flags.count("--no-language")) body["language"] = nullptr;
  return body;
}

Result<void> patient_command(const std::vector<std::string>& args, std::size_t at,
                             Invocation& inv) {
  auto w = split(args, at + 1, {"--hetu", "--name", "--team", "--language", "--limit"},
                 {"--no-hetu", "--no-name", "--no-team", "--no-language"});
  if (!w) return fail(w.error());
  const std::string verb = at < args.size() ? args[at] : "";
  const auto& pos = w->positional;
  const bool writes = verb == "add" || verb == "set";
  if (verb == "list" && pos.empty() && w->flags.size() == w->flags.count("--limit")) {
    auto q = limit_query(*w);
    if (!q) return fail(q.error());
    inv.call = {"GET", "/api/v1/patients" + (q->empty() ? "" : "?" + *q), "", Shape::kPatients};
    return {};
  }
  if ((verb != "show" && !writes) || pos.size() != 1 || (!writes && !w->flags.empty()) ||
      (writes && w->flags.count("--limit")) ||
      (verb == "add" && (w->flags.count("--no-hetu") || w->flags.count("--no-name") ||
                         w->flags.count("--no-team") || w->flags.count("--no-language")))) {
    return usage_error("patient: list | show ID | add ID [fields] | set ID [fields] (see --help)");
  }
  auto id = id_arg(pos[0], "PATIENT_ID");
  if (!id) return fail(id.error());
  if (verb == "show") {
    inv.call = {"GET", "/api/v1/patients/" + *id, "", Shape::kPatient};
    return {};
  }
  auto body = patient_fields(*w, inv.hetu_from_stdin);
  if (!body) return fail(body.error());
  if (verb == "set" && body->empty() && !inv.hetu_from_stdin) {
    return usage_error("patient set: nothing to change");
  }
  if (verb == "add") (*body)["patient_id"] = *id;
  inv.call = {verb == "add" ? "POST" : "PATCH",
              verb == "add" ? "/api/v1/patients" : "/api/v1/patients/" + *id,
              json::serialize(*body), Shape::kPatient};
  return {};
}

Result<void> enrol_command(const std::vector<std::string>& args, std::size_t at, Invocation& inv) {
  auto w = split(args, at, {"--from"}, {});
  if (!w) return fail(w.error());
  if (w->positional.size() != 3) {
    return usage_error("enrol GATEWAY_ID DEVICE_SERIAL PATIENT_ID [--from TIME]");
  }
  auto gateway = id_arg(w->positional[0], "GATEWAY_ID");
  auto device = gateway ? id_arg(w->positional[1], "DEVICE_SERIAL") : Result<std::string>(gateway);
  auto patient = device ? id_arg(w->positional[2], "PATIENT_ID") : Result<std::string>(device);
  if (!patient) return fail(patient.error());
  json::object body{{"gateway_id", *gateway}, {"device_serial", *device}, {"patient_id", *patient}};
  if (w->flags.count("--from")) body["valid_from"] = w->flags.at("--from");
  inv.call = {"POST", "/api/v1/enrolments", json::serialize(body), Shape::kEnrolWrite};
  return {};
}

// `text` as a whole number from `low` to `high`; nullopt otherwise.
std::optional<int> number_in(const std::string& text, int low, int high) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size() || n < low || n > high) {
    return std::nullopt;
  }
  return n;
}

// hub-code GATEWAY_ID PATIENT_ID [--ttl MINUTES]: a one-time code for a blank hub (issue 20).
Result<void> hub_code_command(const std::vector<std::string>& args, std::size_t at,
                              Invocation& inv) {
  auto w = split(args, at, {"--ttl"}, {});
  if (!w) return fail(w.error());
  if (w->positional.size() != 2)
    return usage_error("hub-code GATEWAY_ID PATIENT_ID [--ttl MINUTES]");
  auto gateway = id_arg(w->positional[0], "GATEWAY_ID");
  auto patient = gateway ? id_arg(w->positional[1], "PATIENT_ID") : Result<std::string>(gateway);
  if (!patient) return fail(patient.error());
  json::object body{{"gateway_id", *gateway}, {"patient_id", *patient}};
  if (w->flags.count("--ttl")) {
    auto minutes = number_in(w->flags.at("--ttl"), 1, 1440);
    if (!minutes) return usage_error("--ttl must be 1-1440 minutes");
    body["ttl_s"] = *minutes * 60;
  }
  inv.call = {"POST", "/api/v1/enrolment-codes", json::serialize(body), Shape::kHubCode};
  return {};
}

// hub-certs [--gateway ID] [--limit N]: the certificates enrolment issued (issue 20), e.g. the
// serial to revoke when a hub is stolen.
Result<void> hub_certs_command(const std::vector<std::string>& args, std::size_t at,
                               Invocation& inv) {
  auto w = split(args, at, {"--gateway", "--limit"}, {});
  if (!w) return fail(w.error());
  if (!w->positional.empty()) return usage_error("hub-certs [--gateway ID] [--limit N]");
  std::string query;
  if (w->flags.count("--gateway")) {
    auto gateway = id_arg(w->flags.at("--gateway"), "--gateway");
    if (!gateway) return fail(gateway.error());
    query += "gateway=" + *gateway;
  }
  if (w->flags.count("--limit")) {
    auto n = number_in(w->flags.at("--limit"), 1, 1000);
    if (!n) return usage_error("--limit must be 1-1000");
    query += (query.empty() ? "limit=" : "&limit=") + std::to_string(*n);
  }
  inv.call = {"GET", "/api/v1/hub-certificates" + (query.empty() ? "" : "?" + query), "",
              Shape::kHubCertificates};
  return {};
}

Result<void> enrolment_command(const std::vector<std::string>& args, std::size_t at,
                               Invocation& inv) {
  auto w = split(args, at + 1, {"--patient", "--gateway", "--device", "--limit", "--at"}, {});
  if (!w) return fail(w.error());
  const std::string verb = at < args.size() ? args[at] : "";
  const auto& pos = w->positional;
  if (verb == "list" && pos.empty() && !w->flags.count("--at")) {
    std::string query;
    for (const auto& [flag, key] :
         {std::pair{"--patient", "patient"}, {"--gateway", "gateway"}, {"--device", "device"}}) {
      if (!w->flags.count(flag)) continue;
      auto v = id_arg(w->flags.at(flag), flag);
      if (!v) return fail(v.error());
      query += std::string(query.empty() ? "?" : "&") + key + "=" + *v;
    }
    auto q = limit_query(*w);
    if (!q) return fail(q.error());
    if (!q->empty()) query += (query.empty() ? "?" : "&") + *q;
    inv.call = {"GET", "/api/v1/enrolments" + query, "", Shape::kEnrolments};
    return {};
  }
  bool ok_flags = verb == "end" ? w->flags.size() == w->flags.count("--at") : w->flags.empty();
  bool numeric =
      pos.size() == 1 && !pos[0].empty() && pos[0].size() <= 18 &&
      std::all_of(pos[0].begin(), pos[0].end(), [](char c) { return c >= '0' && c <= '9'; });
  if ((verb != "show" && verb != "end") || !numeric || !ok_flags) {
    return usage_error("enrolment: list [filters] | show ID | end ID [--at TIME] (see --help)");
  }
  if (verb == "show") {
    inv.call = {"GET", "/api/v1/enrolments/" + pos[0], "", Shape::kEnrolment};
    return {};
  }
  json::object body;
  if (w->flags.count("--at")) body["valid_to"] = w->flags.at("--at");
  inv.call = {"POST", "/api/v1/enrolments/" + pos[0] + "/end", json::serialize(body),
              Shape::kEnrolWrite};
  return {};
}

// One line of `keys`' values of the object `e`, tab-separated ("-" for a missing or null one).
std::string tab_row(const json::value& e, std::initializer_list<const char*> keys) {
  std::string row;
  for (const char* key : keys) {
    const auto* v = e.is_object() ? e.as_object().if_contains(key) : nullptr;
    row += (row.empty() ? "" : "\t") + (v ? text_or_dash(*v) : std::string("-"));
  }
  return row + "\n";
}

std::string enrolment_row(const json::value& e) {
  return tab_row(
      e, {"id", "gateway_id", "device_serial", "patient_id", "valid_from", "valid_to", "source"});
}

constexpr const char* kEnrolmentHeader =
    "ID\tGATEWAY\tDEVICE\tPATIENT\tVALID_FROM\tVALID_TO\tSOURCE\n";

std::string patient_text(const json::object& p) {
  std::string out;
  for (const char* key : {"patient_id", "henkilotunnus", "display_name", "team", "language",
                          "created_at", "updated_at"}) {
    if (const auto* v = p.if_contains(key))
      out += std::string(key) + ": " + text_or_dash(*v) + "\n";
  }
  if (const auto* e = p.if_contains("enrolments"); e && e->is_array()) {
    out += "enrolments:\n" + std::string(kEnrolmentHeader);
    for (const auto& row : e->as_array()) out += enrolment_row(row);
  }
  return out;
}

}  // namespace

std::string_view usage() { return kUsage; }

Result<Invocation> parse_command_line(const std::vector<std::string>& args,
                                      std::string_view default_url) {
  Invocation inv;
  inv.url = std::string(default_url);
  std::size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    const auto& a = args[i];
    if (a == "-h" || a == "--help") {
      inv.help = true;
      return inv;
    }
    if (a == "--json") {
      inv.json = true;
    } else if ((a == "--url" || a == "--user") && i + 1 < args.size()) {
      (a == "--url" ? inv.url : inv.user.emplace()) = args[++i];
    } else {
      return usage_error(a == "--url" || a == "--user" ? a + " needs a value"
                                                       : "unknown option " + a);
    }
  }
  if (inv.user && !is_valid_id_text(*inv.user)) return usage_error("--user: bad user name");
  if (std::find(args.begin() + static_cast<std::ptrdiff_t>(i), args.end(), "--help") !=
      args.end()) {
    inv.help = true;
    return inv;
  }
  if (i >= args.size()) return usage_error("no command (see --help)");
  const std::string& command = args[i];
  Result<void> r{};
  if (command == "login") {
    if (!inv.user) return usage_error("login needs --user NAME");
    if (i + 1 != args.size()) return usage_error("login takes no arguments");
    inv.login_only = true;
    inv.call.shape = Shape::kToken;
  } else if (command == "patient") {
    r = patient_command(args, i + 1, inv);
  } else if (command == "enrol") {
    r = enrol_command(args, i + 1, inv);
  } else if (command == "enrolment") {
    r = enrolment_command(args, i + 1, inv);
  } else if (command == "hub-code") {
    r = hub_code_command(args, i + 1, inv);
  } else if (command == "hub-certs") {
    r = hub_certs_command(args, i + 1, inv);
  } else if (command == "quarantine") {
    r = quarantine_command(args, i + 1, inv);
  } else {
    return usage_error("unknown command '" + command + "' (see --help)");
  }
  if (!r) return fail(r.error());
  return inv;
}

Result<std::string> body_with_hetu(const ApiCall& call, std::string_view hetu) {
  auto h = parse_henkilotunnus(hetu);
  if (!h) return usage_error(h.error().detail);
  auto body = json::parse(call.body).as_object();
  body["henkilotunnus"] = h->text;
  return json::serialize(body);
}

std::string format_reply(Shape shape, const std::string& body, bool as_json) {
  if (as_json) return body + "\n";
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return body + "\n";
  switch (shape) {
    case Shape::kToken:
      return v.is_object() && v.as_object().contains("token") ? text_or_dash(v.at("token")) + "\n"
                                                              : body + "\n";
    case Shape::kPatient:
      return v.is_object() ? patient_text(v.as_object()) : body + "\n";
    case Shape::kPatients: {
      std::string out = "PATIENT\tTEAM\tHENKILOTUNNUS\tNAME\n";
      for (const auto& p : v.is_array() ? v.as_array() : json::array{}) {
        if (!p.is_object()) continue;
        const auto& o = p.as_object();
        auto field = [&](const char* k) { return o.contains(k) ? text_or_dash(o.at(k)) : "-"; };
        out += field("patient_id") + "\t" + field("team") + "\t" + field("henkilotunnus") + "\t" +
               field("display_name") + "\n";
      }
      return out;
    }
    case Shape::kEnrolment:
      return kEnrolmentHeader + enrolment_row(v);
    case Shape::kEnrolments: {
      std::string out = kEnrolmentHeader;
      for (const auto& e : v.is_array() ? v.as_array() : json::array{}) out += enrolment_row(e);
      return out;
    }
    case Shape::kQuarantine:
      return quarantine_table(v);
    case Shape::kQuarantineRelease:
      return release_text(v);
    case Shape::kHubCode: {
      if (!v.is_object()) return body + "\n";
      const auto& o = v.as_object();
      auto field = [&](const char* k) { return o.contains(k) ? text_or_dash(o.at(k)) : "-"; };
      return "CODE\tGATEWAY\tPATIENT\tEXPIRES\n" + field("code") + "\t" + field("gateway_id") +
             "\t" + field("patient_id") + "\t" + field("expires") + "\n";
    }
    case Shape::kHubCertificates: {
      std::string out = "SERIAL\tGATEWAY\tPATIENT\tISSUED\tNOT_AFTER\tISSUED_TO\tREVOKED\n";
      for (const auto& c : v.is_array() ? v.as_array() : json::array{}) {
        out += tab_row(c, {"serial", "gateway_id", "patient_id", "issued", "not_after", "issued_to",
                           "revoked"});
      }
      return out;
    }
    case Shape::kEnrolWrite: {
      if (!v.is_object()) return body + "\n";
      std::string out = kEnrolmentHeader;
      if (const auto* e = v.as_object().if_contains("enrolment")) out += enrolment_row(*e);
      if (const auto* c = v.as_object().if_contains("closed"); c && c->is_object()) {
        out += enrolment_row(*c);
      }
      return out;
    }
  }
  return body + "\n";
}

int exit_code_for(int status) {
  if (status >= 200 && status < 300) return kExitOk;
  if (status == 401 || status == 403) return kExitAuth;
  if (status >= 400 && status < 500) return kExitRefused;
  return kExitUnavailable;
}

}  // namespace kotona::admin
