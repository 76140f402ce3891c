// Store::Txn: the state of one ingest transaction (store_batch, release_quarantined), shared by
// store.cpp and quarantine_store.cpp. Private to server/store.
#pragma once

#include <string>

#include "server/store/store.h"

namespace kotona::server::store {

struct Store::Txn {
  HubTime received;
  GatewayId topic_gateway;
  GatewayId batch_gateway;
  std::string topic;
  BatchOutcome outcome;
};

}  // namespace kotona::server::store
