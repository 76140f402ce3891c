// TechnicalAlerts: which technical alert a fact about the delivery chain raises (issue 16),
// next to the AlertBook that raises it. Callers report facts (time passed while listening,
// the broker's drop counter, a store outage that ended, a login attack); the rule, priority,
// grouping subject, episode and text are decided here (the pure evaluations in
// server/alerts/technical.h). Borrows the store's Database, AlertBook and TechnicalStore;
// not thread-safe: io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/alerts/technical.h"
#include "server/store/alert_book.h"
#include "server/store/database.h"
#include "server/store/technical_store.h"

namespace kotona::server::store {

// What the care plan and the config expect of the chain (config `expect`, `due`, thresholds).
struct DeliveryWatch {
  alerts::TechnicalConfig thresholds;
  struct Expected {  // a reading from this device at least every `every`
    GatewayId gateway;
    DeviceSerial serial;
    std::chrono::seconds every{0};
  };
  std::vector<Expected> expected;
  struct Due {  // a measurement of `kind` from the patient at least every `every`
    PatientId patient;
    std::string kind;
    std::chrono::seconds every{0};
  };
  std::vector<Due> due;
};

// One periodic check of the chain.
struct ChainCheck {
  std::vector<StoredAlert> raised;  // new or grouped, ascending event_id
  // Set when the hubs could not be read: nothing was checked or raised.
  std::optional<Error> unreadable;
  std::uint64_t skipped = 0;  // expectations / due lines whose last reading could not be read
};

// A store outage (writes refused) that ended: from `since` until `ended` (wall clock),
// `failures` refused writes, the first one's error.
struct StoreOutage {
  HubTime since{};
  HubTime ended{};
  std::uint64_t failures = 0;
  std::string first_error;
};

class TechnicalAlerts {
 public:
  TechnicalAlerts(Database& db, AlertBook& book, TechnicalStore& technical)
      : db_(db), book_(book), technical_(technical) {}
  TechnicalAlerts(const TechnicalAlerts&) = delete;
  TechnicalAlerts& operator=(const TechnicalAlerts&) = delete;

  // Used by every check after the call.
  void set_watch(DeliveryWatch watch) { watch_ = std::move(watch); }

  // Time passed while the server has listened to the broker since `listening_since` (a server
  // that cannot hear cannot tell a silent hub from its own deafness): gateway.silent,
  // outbox_backlog, disk, needs_pairing, record_refused per hub; device.silent per expected
  // device; measurement.missed per due line; gateway.update_rolled_back / rollback_failed per
  // rise of a hub's updater tally (update_rollbacks.h), the totals kept with them. Raised in
  // ONE transaction. Errors: kIo (nothing raised).
  [[nodiscard]] Result<ChainCheck> check_chain(HubTime listening_since, HubTime now);
  // The broker reports `dropped` messages dropped in total ($SYS): broker.dropped_messages
  // (high) when it rose (or the broker restarted), and the value kept for the next report,
  // in ONE transaction. `alerted`: a rise was seen. Errors: kIo (nothing kept: the next
  // report raises it again).
  struct BrokerDrops {
    bool alerted = false;
    std::vector<StoredAlert> raised;
  };
  [[nodiscard]] Result<BrokerDrops> broker_dropped(std::uint64_t dropped, HubTime now);
  // The store accepts writes again after `outage`: store.unwritable (high, admins), one per
  // outage. Errors: kIo.
  [[nodiscard]] Result<std::vector<StoredAlert>> store_was_unwritable(const StoreOutage& outage,
                                                                      HubTime now);
  // Sign-ins failing in bulk since `started` (wall clock), `failures` so far:
  // security.login_attack (medium, admins), one per episode. Errors: kIo.
  [[nodiscard]] Result<std::vector<StoredAlert>> login_attack(int failures, HubTime started);

 private:
  [[nodiscard]] Result<std::vector<alerts::TechnicalDraft>> device_drafts(HubTime listening_since,
                                                                          HubTime now,
                                                                          std::uint64_t& skipped);

  Database& db_;
  AlertBook& book_;
  TechnicalStore& technical_;
  DeliveryWatch watch_;
};

}  // namespace kotona::server::store
