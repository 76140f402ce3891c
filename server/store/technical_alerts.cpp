// TechnicalAlerts (technical_alerts.h): the facts callers report, turned into technical
// alerts. Each alert id is deterministic per episode, so whichever instance or retry raises
// it first, there is one alert per episode.
#include "server/store/technical_alerts.h"

#include "server/store/update_rollbacks.h"

namespace kotona::server::store {

namespace {

// Not shared between instances: each watches the broker's drop counter; the alert id makes
// the alert one per rise whichever instance sees it first.
constexpr std::string_view kBrokerDroppedCounter = "broker.publish.messages.dropped";

std::int64_t ms(HubTime t) { return t.time_since_epoch().count(); }

}  // namespace

Result<std::vector<alerts::TechnicalDraft>> TechnicalAlerts::device_drafts(HubTime listening_since,
                                                                           HubTime now,
                                                                           std::uint64_t& skipped) {
  std::vector<alerts::TechnicalDraft> drafts;
  for (const auto& e : watch_.expected) {
    auto last = technical_.last_reading_received(e.gateway, e.serial);
    auto patient = technical_.patient_now(e.gateway, e.serial, now);
    if (!last || !patient) {
      ++skipped;
      continue;
    }
    alerts::ExpectedDevice device{e.gateway, e.serial,        patient->value_or(PatientId{""}),
                                  e.every,   listening_since, *last};
    if (auto d = alerts::evaluate_device(device, now)) drafts.push_back(std::move(*d));
  }
  for (const auto& due : watch_.due) {
    auto last = technical_.last_measured(due.patient, due.kind);
    if (!last) {
      ++skipped;
      continue;
    }
    alerts::DueMeasurement d{due.patient, due.kind, due.every, listening_since, *last};
    if (auto draft = alerts::evaluate_due(d, now)) drafts.push_back(std::move(*draft));
  }
  return drafts;
}

Result<ChainCheck> TechnicalAlerts::check_chain(HubTime listening_since, HubTime now) {
  ChainCheck out;
  auto views = technical_.gateway_views(now);
  if (!views) {
    out.unreadable = views.error();
    return out;
  }
  std::vector<alerts::TechnicalDraft> drafts;
  for (const auto& g : *views) {
    auto found = alerts::evaluate_gateway(g, now, listening_since, watch_.thresholds);
    drafts.insert(drafts.end(), found.begin(), found.end());
  }
  auto more = device_drafts(listening_since, now, out.skipped);
  if (!more) return fail(more.error());
  drafts.insert(drafts.end(), more->begin(), more->end());
  auto tallies = update_tally_changes(db_, *views);
  if (!tallies) return fail(tallies.error());
  for (const auto& t : *tallies) drafts.insert(drafts.end(), t.drafts.begin(), t.drafts.end());
  if (drafts.empty() && tallies->empty()) return out;
  // A rollback's alerts and the total they were raised for commit together: a failure leaves
  // both for the next check, a repeated heartbeat or a restarted server raises nothing again.
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  for (const auto& d : drafts) {
    if (auto r = book_.raise_technical(d, now, ReadingUid{""}, out.raised); !r) {
      return fail(r.error());
    }
  }
  for (const auto& t : *tallies) {
    if (auto r = technical_.set_seen_counter(t.seen_name, t.total); !r) return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

Result<TechnicalAlerts::BrokerDrops> TechnicalAlerts::broker_dropped(std::uint64_t dropped,
                                                                     HubTime now) {
  BrokerDrops out;
  auto previous = technical_.seen_counter(kBrokerDroppedCounter);
  if (!previous) return fail(previous.error());
  if (*previous == dropped) return out;
  // The alert and the value it was raised for commit together: a failure leaves both for the
  // next report.
  Transaction transaction(db_);
  if (auto r = transaction.begin(); !r) return fail(r.error());
  if (auto draft = alerts::evaluate_broker_drops(*previous, dropped)) {
    out.alerted = true;
    if (auto r = book_.raise_technical(*draft, now, ReadingUid{""}, out.raised); !r) {
      return fail(r.error());
    }
  }
  if (auto r = technical_.set_seen_counter(kBrokerDroppedCounter, dropped); !r) {
    return fail(r.error());
  }
  if (auto r = transaction.commit(); !r) return fail(r.error());
  return out;
}

Result<std::vector<StoredAlert>> TechnicalAlerts::store_was_unwritable(const StoreOutage& outage,
                                                                       HubTime now) {
  const auto seconds = (ms(outage.ended) - ms(outage.since)) / 1000;
  alerts::TechnicalDraft draft{
      std::string(alerts::kStoreUnwritableRule),
      alerts::Priority::kHigh,
      "store",
      {},
      std::to_string(ms(outage.since)),
      "The server store refused writes for " + std::to_string(seconds) + " s (" +
          std::to_string(outage.failures) + " failed writes, first: " + outage.first_error +
          "). Readings were not acknowledged and the hubs re-send them; check the database's "
          "disk and service",
      {{"seconds", static_cast<double>(seconds)}},
      {{"seconds_s", static_cast<double>(seconds)},
       {"failures", static_cast<double>(outage.failures)},
       {"error", outage.first_error}}};
  return book_.insert_technical_alerts({draft}, now);
}

// The throttle is delaying everyone's sign-ins and someone should look (invariant 10 in
// spirit: a failing link is an alert, not only a counter).
Result<std::vector<StoredAlert>> TechnicalAlerts::login_attack(int failures, HubTime started) {
  alerts::TechnicalDraft draft{std::string(alerts::kLoginAttackRule),
                               alerts::Priority::kMedium,
                               "http",
                               PatientId{""},
                               std::to_string(ms(started)),
                               std::to_string(failures) +
                                   " failed sign-ins in a short time: the API is under a "
                                   "password-guessing attack; sign-ins are being delayed "
                                   "(see the log's 'login failed' lines for the sources)",
                               {{"failures", static_cast<double>(failures)}},
                               {{"failures", static_cast<double>(failures)}}};
  return book_.insert_technical_alerts({draft}, started);
}

}  // namespace kotona::server::store
