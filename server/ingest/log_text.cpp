#include "server/ingest/log_text.h"

#include <boost/json.hpp>
#include <map>

#include "core/log.h"
#include "server/store/json_text.h"

namespace kotona::server::ingest {

namespace {

std::int64_t unix_ms(const std::optional<HubTime>& t) {
  return t ? t->time_since_epoch().count() : 0;
}

}  // namespace

std::string status_json(const wire::GatewayStatus& s) {
  boost::json::object o{{"software_version", s.software_version},
                        {"sent_unix_ms", s.sent.time_since_epoch().count()},
                        {"outbox_depth", s.outbox_depth},
                        {"oldest_unacked_unix_ms", unix_ms(s.oldest_unacked)},
                        {"uptime_s", s.uptime.count()}};
  boost::json::array devices;
  for (const auto& d : s.devices) {
    boost::json::object device{{"serial", d.serial},
                               {"driver", d.driver},
                               {"port", d.port},
                               {"state", d.state},
                               {"last_seen_unix_ms", unix_ms(d.last_seen)}};
    if (!d.refused.empty()) {  // issue 13: records the hub refused
      boost::json::array refused;
      for (const auto& r : d.refused) {
        refused.push_back({{"reason", r.reason},
                           {"count", r.count},
                           {"last_unix_ms", r.last.time_since_epoch().count()}});
      }
      device["refused"] = std::move(refused);
    }
    if (!d.skipped.empty()) {  // the current run of skipped values (no skin contact)
      boost::json::array skipped;
      for (const auto& r : d.skipped) {
        skipped.push_back({{"reason", r.reason},
                           {"count", r.count},
                           {"since_unix_ms", r.since.time_since_epoch().count()},
                           {"last_unix_ms", r.last.time_since_epoch().count()}});
      }
      device["skipped"] = std::move(skipped);
    }
    if (!d.error.empty() || d.error_since) {  // state "error": why and since when
      device["error"] = d.error;
      device["error_since_unix_ms"] = unix_ms(d.error_since);
    }
    devices.push_back(std::move(device));
  }
  o["devices"] = std::move(devices);
  boost::json::object counters;
  for (const auto& [name, value] : s.counters) counters[name] = value;
  o["counters"] = std::move(counters);
  if (s.storage) {
    o["storage"] = {{"state", s.storage->state},
                    {"full_since_unix_ms", unix_ms(s.storage->full_since)},
                    {"available_bytes", s.storage->available_bytes},
                    {"reserve_in_place", s.storage->reserve_in_place}};
  }
  return store::to_json_text(o);
}

// One log line per batch that quarantined anything (issue 13): each reason with its devices
// and how many readings, e.g. "quarantined: batch 7 of gateway 'gw-1': not_enrolled device
// 'BP9' x2". Empty when nothing was quarantined. Every external string is quoted.
std::string quarantine_summary(const GatewayId& gateway, const store::Batch& batch,
                               const store::BatchOutcome& outcome) {
  std::map<std::string, std::string> device_of;               // filled at the first held reading
  std::map<std::pair<std::string, std::string>, int> groups;  // (reason, device) -> count
  for (const auto& r : outcome.readings) {
    if (r.disposition != store::Disposition::kQuarantined &&
        r.disposition != store::Disposition::kRejected) {
      continue;
    }
    if (device_of.empty()) {  // issue 15: not for every batch, most hold nothing
      for (const auto& b : batch.readings) device_of[b.uid.value] = b.device.serial.value;
    }
    auto device = device_of.find(r.reading_uid);
    auto reason = r.reason.empty() ? std::string(store::to_string(r.disposition)) : r.reason;
    ++groups[{reason, device == device_of.end() ? "" : device->second}];
  }
  for (const auto& r : batch.rejected) {
    if (r.reading_uid.empty()) ++groups[{"invalid", ""}];  // no uid: not in the outcome
  }
  if (groups.empty()) return {};
  std::string line = "quarantined: batch " + std::to_string(batch.batch_id) + " of gateway " +
                     log_quote(gateway.value) + ":";
  for (const auto& [key, count] : groups) {
    line += " " + key.first + " device " +
            (key.second.empty() ? std::string("unknown") : log_quote(key.second)) + " x" +
            std::to_string(count) + ";";
  }
  line.pop_back();
  return line;
}

}  // namespace kotona::server::ingest
