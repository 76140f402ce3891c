// ReadingLedger::Txn: the state of one ingest transaction (store_batch, release_quarantined),
// shared by the ledger's files; ReadingLedger::Row. Private to server/store.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "server/store/reading_ledger.h"

namespace kotona::server::store {

struct ReadingLedger::Txn {
  HubTime received;
  GatewayId topic_gateway;
  GatewayId batch_gateway;
  std::string topic;
  BatchOutcome outcome;
  // Enrolment history by device serial (of topic_gateway), read once per device and
  // transaction (issue 15: it was one query per reading). It cannot go stale: enrolment
  // changes only in write transactions of their own, and this one holds the write lock.
  std::map<std::string, std::vector<EnrolmentRecord>> bindings{};
  // The values_json of each reading held in quarantine, by uid, for its quarantine alert.
  std::map<std::string, std::string> held_values{};
};

// A reading admitted for its row: as stored (quality.implausible / uid_conflict set), its
// patient, and its values as JSON, encoded once in admit() (issue 16): the row's values_json,
// the duplicate / conflict comparison and a quarantined item's reading_json all use it.
struct ReadingLedger::Row {
  Reading reading;
  PatientId patient;
  std::string values_json;
};

}  // namespace kotona::server::store
