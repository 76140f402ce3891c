// Group commit in the ingest (issue 15): the reading batches of one inbox turn are stored in ONE
// transaction and each is acked only after that commit (invariant 3); a batch the database
// refuses, or an undecodable message, costs the others in the turn nothing. Messages go through
// Ingest::handle_turn_for_test (one inbox turn); the store is real (SQLite, or PostgreSQL in the
// "[postgresql]" run). No broker: every ack is attempted and counted (acks_sent or
// mqtt_ack_publish_failed), which is what the ordering checks read.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "proto/codec/wire.h"
#include "server/ingest/ingest.h"
#include "tests/support/process.h"
#include "tests/support/refuse_trigger.h"
#include "tests/support/store_fixture.h"

using namespace kotona;
using namespace kotona::server;
namespace asio = boost::asio;
using Turn = std::vector<std::pair<std::string, std::string>>;

namespace {

const GatewayId kGw{"gw-gc"};
const std::string kTopic = "kotona/v1/gw/gw-gc/readings";

HubTime now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Reading bp(const std::string& serial, int record, double systolic = 120) {
  Reading r;
  r.device.serial = DeviceSerial{serial};
  r.record_id = std::to_string(record);
  r.hub_time = now_ms() - std::chrono::minutes(100 - record);
  r.measurement = BloodPressure{systolic, 80, std::nullopt, 60.0};
  finalize_reading(kGw, r);
  return r;
}

struct Rig : test::StoreFixture {
  asio::io_context io;
  Counters counters;
  std::vector<store::StoredAlert> alerts;
  std::unique_ptr<ingest::Ingest> ingest;
  // Acks attempted when the store reported each write result: the first report is the group's
  // commit, so at that instant no ack of the group may have gone out.
  std::vector<std::uint64_t> acks_at_result;
  std::uint64_t next_batch = 1;
  Rig() {
    for (const char* serial : {"BP1", "REFUSED"}) {
      REQUIRE(store->patients().add_enrolment(
          {kGw, DeviceSerial{serial}, PatientId{"P1"}, HubTime{}, {}}));
    }
    REQUIRE(test::refuse_readings_of(location, "REFUSED"));
    ingest = std::make_unique<ingest::Ingest>(
        io, ingest::IngestOptions{"tcp://127.0.0.1:1"}, *store, counters,
        [this](const std::vector<store::StoredAlert>& a) {
          alerts.insert(alerts.end(), a.begin(), a.end());
        });
    ingest->set_store_result_sink(
        [this](std::string_view, const Error*) { acks_at_result.push_back(acks()); });
  }
  std::uint64_t acks() const {
    return counters.get("acks_sent") + counters.get("mqtt_ack_publish_failed");
  }
  std::pair<std::string, std::string> message(std::vector<Reading> readings) {
    return {kTopic, wire::encode_batch(kGw, next_batch++, HubTime{}, readings)};
  }
  std::int64_t readings() { return store->count_rows("readings").value_or(-1); }
};

}  // namespace

TEST_CASE("group commit: 5 waiting batches -> one commit, each acked after it") {
  Rig rig;
  Turn turn;
  for (int i = 1; i <= 5; ++i) turn.push_back(rig.message({bp("BP1", i)}));
  rig.ingest->handle_turn_for_test(turn);
  CHECK(rig.counters.get("ingest_commits") == 1);
  CHECK(rig.counters.get("batches_stored") == 5);
  CHECK(rig.readings() == 5);
  CHECK(rig.acks() == 5);
  REQUIRE_FALSE(rig.acks_at_result.empty());
  CHECK_MESSAGE(rig.acks_at_result.front() == 0, "acks sent before the group's commit");
  // Each batch's time from its handling to its ack (the commit between): measured, summed.
  CHECK(rig.counters.get("ingest_handled_to_ack_us") > 0);
  // A turn of one message: a commit of its own, as before group commit.
  rig.ingest->handle_turn_for_test({rig.message({bp("BP1", 6)})});
  CHECK(rig.counters.get("ingest_commits") == 2);
  CHECK(rig.acks() == 6);
}

TEST_CASE("group commit: a refused and an undecodable message -> the rest stored and acked") {
  Rig rig;
  Turn turn{rig.message({bp("BP1", 1)}), {kTopic, "\x01not a batch"},
            rig.message({bp("BP1", 2), bp("REFUSED", 1)}), rig.message({bp("BP1", 3, 190)})};
  rig.ingest->handle_turn_for_test(turn);
  CHECK(rig.counters.get("ingest_commits") == 1);
  CHECK(rig.counters.get("batches_stored") == 2);
  CHECK(rig.counters.get("mqtt_bad_payload") == 1);
  CHECK(rig.counters.get("store_error") == 1);  // the refused batch: not stored, not acked
  CHECK(rig.readings() == 2);                   // BP1 1 and 3; BP1 2 went with its batch
  CHECK(rig.store->count_rows("quarantine").value_or(-1) == 1);  // the undecodable payload
  CHECK(rig.acks() == 2);
  int crisis = 0;
  for (const auto& a : rig.alerts) crisis += a.rule_id == "bp.crisis" ? 1 : 0;
  CHECK(crisis == 1);
}

TEST_CASE("group commit: the same reading in two batches of a turn -> stored once, alerted once") {
  Rig rig;
  auto crisis = bp("BP1", 1, 190);
  rig.ingest->handle_turn_for_test({rig.message({crisis}), rig.message({crisis})});
  CHECK(rig.counters.get("ingest_commits") == 1);
  CHECK(rig.counters.get("readings_stored") == 1);
  CHECK(rig.counters.get("readings_duplicate") == 1);
  CHECK(rig.readings() == 1);
  CHECK(rig.acks() == 2);  // the duplicate is acked too: its hub may delete it
  CHECK(rig.alerts.size() == 1);
}
