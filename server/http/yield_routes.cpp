#include "server/http/yield_routes.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <map>

#include "core/log.h"
#include "server/http/respond.h"

namespace kotona::server::http {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr int kMaxFacts = 200000;
constexpr std::array<int, 2> kWindowsDays{30, 90};

struct Tally {
  std::int64_t raised = 0, answered = 0, actionable = 0;
  std::vector<double> ack_s;  // one per acknowledged alert; raised - size() were not
};

void count(Tally& t, const store::YieldFact& f) {
  ++t.raised;
  if (!f.actionable.empty()) ++t.answered;
  if (f.actionable == "yes") ++t.actionable;
  if (f.acked) {
    t.ack_s.push_back(std::chrono::duration<double>(*f.acked - f.created).count());
  }
}

json::value median(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json::array rows(const std::map<std::string, Tally>& by, const char* id_key) {
  std::vector<std::pair<std::string, const Tally*>> order;
  for (const auto& [id, t] : by) order.emplace_back(id, &t);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->raised > b.second->raised;
  });
  json::array out;
  for (const auto& [id, t] : order) {
    out.push_back(
        json::object{{id_key, id},
                     {"raised", t->raised},
                     {"answered", t->answered},
                     {"actionable", t->actionable},
                     {"share", t->answered == 0 ? json::value(nullptr)
                                                : json::value(static_cast<double>(t->actionable) /
                                                              static_cast<double>(t->answered))},
                     {"median_ack_s", median(t->ack_s)},
                     {"not_acked", t->raised - static_cast<std::int64_t>(t->ack_s.size())}});
  }
  return out;
}

}  // namespace

json::object yield_json(const std::vector<store::YieldFact>& facts, HubTime now) {
  json::array windows;
  for (int days : kWindowsDays) {
    const auto since = now - std::chrono::hours(24 * days);
    std::map<std::string, Tally> by_rule, by_patient;
    for (const auto& f : facts) {
      if (f.created < since) continue;
      count(by_rule[f.rule_id], f);
      if (!f.patient.value.empty()) count(by_patient[f.patient.value], f);
    }
    windows.push_back(json::object{{"days", days},
                                   {"rules", rows(by_rule, "rule_id")},
                                   {"patients", rows(by_patient, "patient_id")}});
  }
  return json::object{{"windows", std::move(windows)}};
}

Routed show_yield(const Call& call) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto facts = call.ctx.store.alert_book().yield_facts(
      now - std::chrono::hours(24 * kWindowsDays.back()), kMaxFacts);
  if (!facts) {
    call.ctx.counters.add("store_error");
    log_error("http",
              "yield (backend detail withheld): " + std::string(to_string(facts.error().code)));
    return json_error(call.req, http::status::internal_server_error, "store error",
                      call.ctx.counters);
  }
  // At the cap the oldest alerts of the 90 days are the ones left out: said, never silent.
  const bool truncated = facts->size() >= static_cast<std::size_t>(kMaxFacts);
  std::vector<store::YieldFact> mine;
  for (auto& f : *facts) {
    if (call.who.may_see(f.patient.value)) mine.push_back(std::move(f));
  }
  auto out = yield_json(mine, now);
  out["truncated"] = truncated;
  return json_reply(call.req, http::status::ok, out, call.ctx.counters);
}

}  // namespace kotona::server::http
