#include "admin/quarantine_command.h"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

#include "admin/words.h"

namespace kotona::admin {

namespace json = boost::json;

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Unix milliseconds -> "2026-12-06T04:33:07Z"; "-" for anything else.
std::string utc_text(const json::value* v) {
  if (!v || !v->is_int64()) return "-";
  std::time_t t = static_cast<std::time_t>(v->as_int64() / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? text_or_dash(*v) : "-";
}

// held / releasable / released BY
std::string state(const json::object& o) {
  if (o.contains("released_unix_ms")) return "released by " + field(o, "released_by");
  const auto* r = o.if_contains("releasable");
  return r && r->is_bool() && r->as_bool() ? "held, releasable" : "held";
}

}  // namespace

Result<void> quarantine_command(const std::vector<std::string>& args, std::size_t at,
                                Invocation& inv) {
  auto w = split(args, at + 1, {"--gateway", "--reason", "--limit"}, {"--held"});
  if (!w) return fail(w.error());
  const std::string verb = at < args.size() ? args[at] : "";
  if (verb == "list" && w->positional.empty()) {
    std::string query;
    for (const auto& [flag, key] : {std::pair{"--gateway", "gateway"}, {"--reason", "reason"}}) {
      if (!w->flags.count(flag)) continue;
      auto v = id_arg(w->flags.at(flag), flag);
      if (!v) return fail(v.error());
      query += std::string(query.empty() ? "?" : "&") + key + "=" + *v;
    }
    if (w->flags.count("--held")) query += std::string(query.empty() ? "?" : "&") + "held=1";
    auto q = limit_query(*w);
    if (!q) return fail(q.error());
    if (!q->empty()) query += (query.empty() ? "?" : "&") + *q;
    inv.call = {"GET", "/api/v1/quarantine" + query, "", Shape::kQuarantine};
    return {};
  }
  if (verb != "release" || w->positional.size() != 1 || !w->flags.empty() ||
      !all_digits(w->positional[0])) {
    return usage_error(
        "quarantine: list [--gateway ID] [--reason R] [--held] [--limit N] | "
        "release ITEM_ID (see --help)");
  }
  inv.call = {"POST", "/api/v1/quarantine/" + w->positional[0] + "/release", "{}",
              Shape::kQuarantineRelease};
  return {};
}

std::string quarantine_table(const json::value& answer) {
  std::string out = "ID\tRECEIVED\tREASON\tGATEWAY\tDEVICE\tREADING_UID\tSTATE\n";
  const auto* items = answer.is_object() ? answer.as_object().if_contains("items") : nullptr;
  if (!items || !items->is_array()) return out;
  for (const auto& item : items->as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    out += field(o, "id") + "\t" + utc_text(o.if_contains("received_unix_ms")) + "\t" +
           field(o, "reason") + "\t" + field(o, "gateway_id") + "\t" + field(o, "device_serial") +
           "\t" + field(o, "reading_uid") + "\t" + state(o) + "\n";
  }
  return out;
}

std::string release_text(const json::value& answer) {
  if (!answer.is_object()) return json::serialize(answer) + "\n";
  const auto& o = answer.as_object();
  const auto* item = o.if_contains("item");
  std::string out = "released";
  if (item && item->is_object()) {
    out += " item " + field(item->as_object(), "id") + " (" +
           field(item->as_object(), "reading_uid") +
           "): " + field(item->as_object(), "release_outcome");
  }
  const auto* alerts = o.if_contains("alerts");
  const std::size_t n = alerts && alerts->is_array() ? alerts->as_array().size() : 0;
  return out + "; " + std::to_string(n) + " alert(s) raised\n";
}

}  // namespace kotona::admin
