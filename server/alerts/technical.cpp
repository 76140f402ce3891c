#include "server/alerts/technical.h"

#include <algorithm>
#include <ctime>

namespace kotona::server::alerts {

namespace {

std::int64_t unix_ms(HubTime t) { return t.time_since_epoch().count(); }

// "12 min", "3.5 h", "2 d": for messages only.
std::string duration_text(std::chrono::milliseconds d) {
  auto s = std::chrono::duration<double>(d).count();
  auto one = [](double v) {
    auto text = std::to_string(static_cast<long long>(v * 10 + 0.5));
    if (text.size() == 1) text = "0" + text;
    auto whole = text.substr(0, text.size() - 1);
    auto tenth = text.back();
    return tenth == '0' ? whole : whole + "." + tenth;
  };
  if (s < 120) return one(s) + " s";
  if (s < 7200) return one(s / 60) + " min";
  if (s < 172800) return one(s / 3600) + " h";
  return one(s / 86400) + " d";
}

// A duration in seconds, for the page's templates (which write it per locale).
template <class D>
double seconds(D d) {
  return std::chrono::duration<double>(d).count();
}

// One draft per patient, or one system draft when the gateway has none enrolled.
void per_patient(const GatewayView& g, TechnicalDraft draft, std::vector<TechnicalDraft>& out) {
  if (g.patients.empty()) {
    out.push_back(std::move(draft));
    return;
  }
  for (const auto& p : g.patients) {
    auto d = draft;
    d.patient = p;
    out.push_back(std::move(d));
  }
}

// gateway.disk_full / gateway.disk_low from the hub's heartbeat (issue 22). The episode of a
// full disk is the instant the hub saw it fill; a low disk has no such instant, so its
// episode is one per hub until it is resolved.
void evaluate_storage(const GatewayView& g, std::vector<TechnicalDraft>& out) {
  const std::string left = std::to_string(g.storage_available_bytes / 1024) + " KiB left";
  const auto kib = static_cast<double>(g.storage_available_bytes / 1024);
  if (g.storage_state == "full") {
    per_patient(g,
                {std::string(kGatewayDiskFullRule),
                 Priority::kHigh,
                 g.gateway.value,
                 {},
                 std::to_string(g.storage_full_since_unix_ms),
                 "Hub " + g.gateway.value + " disk full (" + left +
                     "): new readings cannot be stored; meters keep theirs and the hub still "
                     "delivers what it holds. Free space or replace the hub",
                 {},
                 {{"hub", g.gateway.value}, {"kib", kib}}},
                out);
  } else if (g.storage_state == "low") {
    per_patient(g,
                {std::string(kGatewayDiskLowRule),
                 Priority::kLow,
                 g.gateway.value,
                 {},
                 "low",
                 "Hub " + g.gateway.value + " disk low (" + left +
                     "): it will stop storing readings when the disk is full",
                 {},
                 {{"hub", g.gateway.value}, {"kib", kib}}},
                out);
  }
}

// device.record_refused (issue 13, invariant 13): the hub's driver refused records of this
// device that carried a measurement, and the device counts them as delivered: the values exist
// only on the meter's display or memory. One episode per latest refusal (a new one opens a new
// episode, grouped into the device's open alert: one alert per device, not one per record).
void evaluate_refused(const GatewayView& g, const GatewayView::Device& d,
                      std::vector<TechnicalDraft>& out) {
  const std::string device = d.serial.empty() ? "on port " + d.port : d.serial;
  for (const auto& r : d.refused) {
    if (r.count == 0) continue;
    per_patient(g,
                {std::string(kDeviceRecordRefusedRule),
                 Priority::kMedium,
                 g.gateway.value + "/" + (d.serial.empty() ? d.port : d.serial),
                 {},
                 r.reason + "-" + std::to_string(r.last_unix_ms),
                 "Device " + device + " on hub " + g.gateway.value + ": " +
                     std::to_string(r.count) + (r.count == 1 ? " record" : " records") +
                     " refused (" + r.reason + ") since the hub started; the measured " +
                     "values did not reach the service centre. Ask the patient for the values " +
                     "in the meter's memory; check or replace the meter",
                 {},
                 {{"form", std::string(d.serial.empty() ? "port" : "serial")},
                  {"device", d.serial.empty() ? d.port : d.serial},
                  {"hub", g.gateway.value},
                  {"count", static_cast<double>(r.count)},
                  {"reason", r.reason}}},
                out);
  }
}

// device.no_skin_contact (invariant 13): the device has given nothing but values without skin
// contact for `after` (hub clock, the run's first to its latest), so no heart rate is being
// measured though the strap is on and sending. One episode per run (its first value): a
// stored reading ends the run at the hub, a later run opens a new episode.
void evaluate_no_skin_contact(const GatewayView& g, const GatewayView::Device& d,
                              std::chrono::seconds after, std::vector<TechnicalDraft>& out) {
  for (const auto& r : d.skipped) {
    if (r.reason != "no_skin_contact" || r.count == 0) continue;
    std::chrono::milliseconds lasted{std::max<std::int64_t>(0, r.last_unix_ms - r.since_unix_ms)};
    if (lasted < after) continue;
    const std::string device = d.serial.empty() ? d.port : d.serial;
    per_patient(
        g,
        {std::string(kDeviceNoSkinContactRule),
         Priority::kMedium,
         g.gateway.value + "/" + device,
         {},
         std::to_string(r.since_unix_ms),
         "Device " + device + " on hub " + g.gateway.value + " has had no skin contact for " +
             duration_text(lasted) + " (" + std::to_string(r.count) +
             " values skipped): no heart rate is being measured. Ask the patient to "
             "moisten the strap's electrodes and wear it tight against the skin",
         {{"no_skin_contact_after_s", static_cast<double>(after.count())}},
         {{"device", device},
          {"hub", g.gateway.value},
          {"count", static_cast<double>(r.count)},
          {"lasted_s", seconds(lasted)},
          {"limit_s", seconds(after)}}},
        out);
  }
}

// device.unreadable (invariant 13): the hub sees the device (its node is there, or its session
// could not start) but cannot read it, e.g. the hub's user may not open the meter's port: the
// meter keeps its results and nobody receives them. Measured on the hub's clock from the
// state's start to the heartbeat; one episode per start.
void evaluate_unreadable(const GatewayView& g, const GatewayView::Device& d,
                         std::chrono::seconds after, std::vector<TechnicalDraft>& out) {
  if (d.state != "error" || d.error_since_unix_ms <= 0) return;
  std::chrono::milliseconds lasted{
      std::max<std::int64_t>(0, g.status_sent_unix_ms - d.error_since_unix_ms)};
  if (lasted < after) return;
  const bool by_serial = !d.serial.empty();
  const std::string device = by_serial ? d.serial : d.port;
  const std::string reason = d.error.empty() ? "open_failed" : d.error;
  per_patient(g,
              {std::string(kDeviceUnreadableRule),
               Priority::kMedium,
               g.gateway.value + "/" + device,
               {},
               std::to_string(d.error_since_unix_ms),
               "Device " + (by_serial ? device : "on port " + device) + " on hub " +
                   g.gateway.value + " is there but cannot be read (" + reason + ") for " +
                   duration_text(lasted) + ": its measurements reach no one. Check the " +
                   "meter's cable and the hub's set-up; ask the patient for the values in the " +
                   "meter's memory",
               {{"device_unreadable_after_s", static_cast<double>(after.count())}},
               {{"form", std::string(by_serial ? "serial" : "port")},
                {"device", device},
                {"hub", g.gateway.value},
                {"reason", reason},
                {"lasted_s", seconds(lasted)},
                {"limit_s", seconds(after)}}},
              out);
}

}  // namespace

std::string TechnicalDraft::alert_id() const {
  return "tech/" + rule_id + "/" + subject + "/" + episode + "/" + patient.value;
}

std::vector<TechnicalDraft> evaluate_gateway(const GatewayView& g, HubTime now,
                                             HubTime listening_since,
                                             const TechnicalConfig& config) {
  std::vector<TechnicalDraft> out;
  {
    // Never heard: counted from when the server could listen; episode "never" so a server
    // restart does not open a new alert for the same hub.
    auto from = g.last_heard ? std::max(*g.last_heard, listening_since) : listening_since;
    auto silent = now - from;
    if (silent >= config.gateway_silent_after) {
      per_patient(g,
                  {std::string(kGatewaySilentRule),
                   Priority::kHigh,
                   g.gateway.value,
                   {},
                   g.last_heard ? std::to_string(unix_ms(*g.last_heard)) : "never",
                   "Hub " + g.gateway.value + " silent for " + duration_text(silent) +
                       " (threshold " + duration_text(config.gateway_silent_after) +
                       "): its readings are not reaching the service centre",
                   {{"silent_after_s", static_cast<double>(config.gateway_silent_after.count())}},
                   {{"hub", g.gateway.value},
                    {"silent_s", seconds(silent)},
                    {"limit_s", seconds(config.gateway_silent_after)}}},
                  out);
    }
  }
  if (g.oldest_unacked_unix_ms > 0) {
    std::chrono::milliseconds age{
        std::max<std::int64_t>(0, g.status_sent_unix_ms - g.oldest_unacked_unix_ms)};
    if (g.outbox_depth >= config.outbox_backlog_rows || age >= config.outbox_backlog_age) {
      per_patient(g,
                  {std::string(kOutboxBacklogRule),
                   Priority::kMedium,
                   g.gateway.value,
                   {},
                   std::to_string(g.oldest_unacked_unix_ms),
                   "Hub " + g.gateway.value + " holds " + std::to_string(g.outbox_depth) +
                       " undelivered readings, oldest " + duration_text(age) + " (threshold " +
                       std::to_string(config.outbox_backlog_rows) + " readings or " +
                       duration_text(config.outbox_backlog_age) + ")",
                   {{"outbox_rows", static_cast<double>(config.outbox_backlog_rows)},
                    {"outbox_age_s", static_cast<double>(config.outbox_backlog_age.count())}},
                   {{"hub", g.gateway.value},
                    {"rows", static_cast<double>(g.outbox_depth)},
                    {"age_s", seconds(age)},
                    {"limit_rows", static_cast<double>(config.outbox_backlog_rows)},
                    {"limit_age_s", seconds(config.outbox_backlog_age)}}},
                  out);
    }
  }
  evaluate_storage(g, out);
  for (const auto& d : g.devices) {
    evaluate_refused(g, d, out);
    evaluate_no_skin_contact(g, d, config.no_skin_contact_after, out);
    evaluate_unreadable(g, d, config.device_unreadable_after, out);
    if (d.state != "needs_pairing") continue;
    per_patient(g,
                {std::string(kDeviceNeedsPairingRule),
                 Priority::kMedium,
                 g.gateway.value + "/" + d.serial,
                 {},
                 std::to_string(d.last_seen_unix_ms),
                 "Device " + d.serial + " on hub " + g.gateway.value +
                     " needs pairing again: its readings cannot be taken until it is re-paired",
                 {},
                 {{"device", d.serial}, {"hub", g.gateway.value}}},
                out);
  }
  return out;
}

std::optional<TechnicalDraft> evaluate_device(const ExpectedDevice& d, HubTime now) {
  if (d.cadence.count() <= 0) return std::nullopt;
  auto from = d.last_reading ? std::max(*d.last_reading, d.watched_since) : d.watched_since;
  auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(d.cadence * 3 / 2);
  auto silent = now - from;
  if (silent < limit) return std::nullopt;
  return TechnicalDraft{std::string(kDeviceSilentRule),
                        Priority::kMedium,
                        d.gateway.value + "/" + d.serial.value,
                        d.patient,
                        d.last_reading ? std::to_string(unix_ms(*d.last_reading)) : "never",
                        "No reading from device " + d.serial.value + " for " +
                            duration_text(silent) + " (expected every " + duration_text(d.cadence) +
                            ")",
                        {{"cadence_s", static_cast<double>(d.cadence.count())}},
                        {{"device", d.serial.value},
                         {"silent_s", seconds(silent)},
                         {"cadence_s", seconds(d.cadence)}}};
}

std::optional<TechnicalDraft> evaluate_due(const DueMeasurement& due, HubTime now) {
  if (due.every.count() <= 0) return std::nullopt;
  auto from =
      due.last_measured ? std::max(*due.last_measured, due.watched_since) : due.watched_since;
  if (now - from < due.every) return std::nullopt;
  std::string last =
      due.last_measured ? duration_text(now - *due.last_measured) + " ago" : "none received";
  return TechnicalDraft{std::string(kMeasurementMissedRule),
                        Priority::kMedium,
                        due.patient.value + "/" + due.kind,
                        due.patient,
                        due.last_measured ? std::to_string(unix_ms(*due.last_measured)) : "never",
                        "Missed measurement: no " + due.kind + " from " + due.patient.value +
                            " (due every " + duration_text(due.every) + "; last " + last + ")",
                        {{"due_every_s", static_cast<double>(due.every.count())}},
                        due.last_measured
                            ? AlertValues{{"kind", due.kind},
                                          {"every_s", seconds(due.every)},
                                          {"ago_s", seconds(now - *due.last_measured)}}
                            : AlertValues{{"form", std::string("never")},
                                          {"kind", due.kind},
                                          {"every_s", seconds(due.every)}}};
}

std::optional<TechnicalDraft> evaluate_broker_drops(std::optional<std::uint64_t> previous,
                                                    std::uint64_t current) {
  std::uint64_t dropped = 0;
  if (!previous || current < *previous) {
    dropped = current;  // first sight, or the broker restarted and its counter began again
  } else {
    dropped = current - *previous;
  }
  if (dropped == 0) return std::nullopt;
  auto from = previous && current >= *previous ? *previous : 0;
  return TechnicalDraft{
      std::string(kBrokerDroppedRule),
      Priority::kHigh,
      "broker",
      {},
      std::to_string(from) + "-" + std::to_string(current),
      "The MQTT broker dropped " + std::to_string(dropped) +
          " messages (queue or in-flight limit): hubs re-send unacknowledged readings, but "
          "check the broker's max_queued_messages and the ingest servers",
      {{"dropped", static_cast<double>(dropped)}},
      {{"dropped", static_cast<double>(dropped)}}};
}

TechnicalDraft evaluate_uid_conflict(const UidConflict& c) {
  auto at = [](const std::optional<std::int64_t>& device_s) {
    if (!device_s) return std::string(" (no device time)");
    auto secs = static_cast<std::time_t>(*device_s);
    std::tm tm{};
    char text[40] = "?";
    if (gmtime_r(&secs, &tm) != nullptr) std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(" (device time ") + text + ")";
  };
  TechnicalDraft d;
  d.rule_id = std::string(kReadingUidConflictRule);
  d.priority = Priority::kHigh;
  d.subject = c.gateway.value + "/" + c.serial.value;
  d.patient = c.patient;
  d.episode = c.derived_uid;
  d.message = "Two different readings of device " + c.serial.value + " on hub " + c.gateway.value +
              " share the reading id " + c.reading_uid + ": stored first " + c.stored_values +
              at(c.stored_device_s) + ", then " + c.new_values + at(c.new_device_s) + ", kept as " +
              c.derived_uid +
              " and evaluated by the rules. Both are in the record: the device's record "
              "counter was reset, or one of them did not come from the device. Check with "
              "the patient which is real.";
  d.values = {{"device", c.serial.value},  {"hub", c.gateway.value}, {"reading_uid", c.reading_uid},
              {"stored", c.stored_values}, {"new", c.new_values},    {"kept_as", c.derived_uid}};
  return d;
}

}  // namespace kotona::server::alerts
