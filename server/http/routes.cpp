#include "server/http/routes.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <limits>

#include "core/log.h"
#include "server/http/request_guard.h"
#include "server/http/respond.h"
#include "server/http/route_table.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_digit(s[i + 1]);
      int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

// A refused request: counted and logged with no health data (no patient id, no query).
Response deny(const Request& req, std::string_view path, http::status status,
              const std::optional<Principal>& who, Counters& counters) {
  auto code = static_cast<int>(status);
  counters.add("http_denied_" + std::to_string(code));
  log_warn("http", "denied " + std::to_string(code) + " " + std::string(req.method_string()) + " " +
                       route_prefix(path) +
                       (who ? " user=" + who->user + " role=" + std::string(to_string(who->role))
                            : std::string(" (no valid token)")));
  auto res =
      json_error(req, status, code == 401 ? "authentication required" : "forbidden", counters);
  if (code == 401) res.set(http::field::www_authenticate, "Bearer realm=\"kotona\"");
  return res;
}

// 401 for a token that is not live here. A token sent from another address than its login's
// is a stolen or leaked token: counted apart and logged with the user it belongs to.
Response refuse_token(const Request& req, std::string_view path, const Auth::Checked& checked,
                      RouteContext& ctx) {
  if (checked.refusal == Auth::Refusal::kIdle) ctx.counters.add("http_token_idle");
  if (checked.refusal == Auth::Refusal::kOtherAddress) {
    ctx.counters.add("http_token_other_address");
    log_warn("http", "token of user=" + checked.user +
                         " sent from another address than its sign-in's: from=" + ctx.client);
  }
  return deny(req, path, http::status::unauthorized, std::nullopt, ctx.counters);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return fail(Errc::kMalformed, "bad percent escape in query");
    if (!out.emplace(*key, *value).second) {
      return fail(Errc::kMalformed, "query parameter '" + *key + "' repeated");
    }
  }
  return out;
}

std::optional<StreamRequest> as_stream_request(const Request& req) {
  std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != kStreamPath || req.method() != http::verb::get) {
    return std::nullopt;
  }
  auto q = query_params(target, {"last_event_id"});
  if (!q) return std::nullopt;
  StreamRequest out;
  // The header wins: a browser's EventSource reconnects to the same URL (with its first
  // ?last_event_id) but sends the newest id it saw in Last-Event-ID.
  auto header = req.find("Last-Event-ID");
  std::optional<std::string> text;
  if (q->count("last_event_id")) text = q->at("last_event_id");
  if (header != req.end()) text = std::string(header->value());
  if (text) {
    out.last_event_id = parse_int(*text, 0, std::numeric_limits<std::int64_t>::max());
    if (!out.last_event_id) return std::nullopt;
  }
  return out;
}

std::string bearer_token(const Request& req) {
  auto header = req.find(http::field::authorization);
  if (header == req.end()) return {};
  std::string_view value(header->value().data(), header->value().size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) return {};
  return std::string(value.substr(kBearer.size()));
}

namespace {

// No row for the method (405) or the path (404), for a caller the table allowed to learn it.
Response no_row(const Request& req, const Match& match, Counters& counters) {
  if (!match.path_known) {
    return json_error(req, http::status::not_found, "no such resource", counters);
  }
  return method_not_allowed(req, match.allow, counters);
}

// A care team sees its config `team` line's patients and the register's patients of that team.
bool add_register_patients(Principal& who, RouteContext& ctx) {
  if (who.role == Role::kAdmin) return true;
  auto registered = ctx.store.patients().team_patients(who.team);
  if (!registered) return false;
  who.patients.merge(*registered);
  return true;
}

}  // namespace

Routed dispatch(const Request& req, RouteContext& ctx) {
  ctx.counters.add("http_requests");
  static const std::vector<std::string> kDefaultNames = default_public_names();
  if (auto refused =
          guard_request(req, ctx.public_names ? *ctx.public_names : kDefaultNames, ctx.counters)) {
    return std::move(*refused);
  }
  std::string_view target(req.target().data(), req.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  auto match = match_route(req.method(), path);
  if (match.need == Access::kPublic) {
    static const Principal kNobody{};
    if (!match.row) return no_row(req, match, ctx.counters);
    return match.row->handler(Call{req, path, match.args, kNobody, "", ctx});
  }
  // Default deny: everything else needs a live token, whatever the route (even unknown ones,
  // so probing tells nothing about which routes exist), then the row's requirement.
  auto token = bearer_token(req);
  auto checked = ctx.auth.authenticate(token, ctx.client);
  if (!checked.principal) return refuse_token(req, path, checked, ctx);
  auto& who = checked.principal;
  if (!allows(match.need, who->role)) {
    return deny(req, path, http::status::forbidden, who, ctx.counters);
  }
  if (!match.row) return no_row(req, match, ctx.counters);
  if (!add_register_patients(*who, ctx)) {
    ctx.counters.add("store_error");
    return json_error(req, http::status::internal_server_error, "store error", ctx.counters);
  }
  return match.row->handler(Call{req, path, match.args, *who, token, ctx});
}

}  // namespace kotona::server::http
