// Record epochs (issue 13): a device whose record counter restarts gets new reading_uids; a
// re-sent record keeps its uid; the state survives a gateway restart (it is in the outbox).
#include "gateway/record_epochs.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

using namespace kotona;
using namespace kotona::gateway;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kotona-epochs-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file() const { return (path / "outbox.db").string(); }
};

const GatewayId kGw{"gw-1"};
const HubTime kT0{std::chrono::milliseconds{1'790'000'000'000}};

Reading bp(int record, double systolic, int minute) {
  Reading r;
  r.device = DeviceIdentity{"Acme", "BP", DeviceSerial{"BP1"}, "1.0", "astm_bp"};
  r.record_id = std::to_string(record);
  r.device_time = std::chrono::floor<std::chrono::seconds>(kT0) + std::chrono::minutes(minute);
  r.hub_time = kT0 + std::chrono::minutes(minute);
  r.measurement = BloodPressure{systolic, 80, std::nullopt, 60.0};
  finalize_reading(kGw, r);
  return r;
}

struct Hub {
  std::unique_ptr<Outbox> outbox;
  RecordEpochs epochs;
  explicit Hub(const std::string& file)
      : outbox(std::move(Outbox::open(file).value())), epochs(*outbox, kGw) {}
  // Assigns and commits like Gateway::commit; returns the uids.
  std::vector<std::string> commit(std::vector<Reading> readings) {
    auto entries = epochs.assign(readings);
    REQUIRE(entries.has_value());
    REQUIRE(outbox->append(*entries, kT0).has_value());
    epochs.committed();
    std::vector<std::string> uids;
    for (const auto& e : *entries) uids.push_back(e.reading_uid);
    for (std::size_t i = 0; i < readings.size(); ++i) CHECK(readings[i].uid.value == uids[i]);
    return uids;
  }
};

}  // namespace

TEST_CASE("record epochs: counter restarts mid-life -> epoch 1, no uid reused") {
  TempDir dir;
  Hub hub(dir.file());
  CHECK(hub.commit({bp(1, 121, 0), bp(2, 122, 1), bp(3, 123, 2)}) ==
        std::vector<std::string>{"gw-1/BP1/r1/bp", "gw-1/BP1/r2/bp", "gw-1/BP1/r3/bp"});
  // Battery change: the meter numbers from 1 again, new measurements.
  CHECK(hub.commit({bp(1, 131, 10), bp(2, 132, 11)}) ==
        std::vector<std::string>{"gw-1/BP1/r1.e1/bp", "gw-1/BP1/r2.e1/bp"});
  // It passes the old highest number: 3 and 4 are the new epoch's too.
  CHECK(hub.commit({bp(3, 133, 12), bp(4, 134, 13)}) ==
        std::vector<std::string>{"gw-1/BP1/r3.e1/bp", "gw-1/BP1/r4.e1/bp"});
}

TEST_CASE("record epochs: a re-sent old record -> same epoch and uid, no new epoch") {
  TempDir dir;
  Hub hub(dir.file());
  hub.commit({bp(1, 121, 0), bp(2, 122, 1), bp(3, 123, 2)});
  // The meter dumps its memory again (same content): not a restart.
  CHECK(hub.commit({bp(1, 121, 0), bp(2, 122, 1), bp(3, 123, 2)}) ==
        std::vector<std::string>{"gw-1/BP1/r1/bp", "gw-1/BP1/r2/bp", "gw-1/BP1/r3/bp"});
  CHECK(hub.commit({bp(4, 124, 3)}) == std::vector<std::string>{"gw-1/BP1/r4/bp"});
  // After a restart, an old record re-sent still gets its old uid, a new one the new epoch's.
  CHECK(hub.commit({bp(1, 141, 20)}) == std::vector<std::string>{"gw-1/BP1/r1.e1/bp"});
  CHECK(hub.commit({bp(2, 122, 1), bp(1, 141, 20)}) ==
        std::vector<std::string>{"gw-1/BP1/r2/bp", "gw-1/BP1/r1.e1/bp"});
}

TEST_CASE("record epochs: newest first, or a gap filled later -> same epoch") {
  TempDir dir;
  Hub hub(dir.file());
  CHECK(hub.commit({bp(5, 125, 5), bp(4, 124, 4), bp(3, 123, 3)}) ==
        std::vector<std::string>{"gw-1/BP1/r5/bp", "gw-1/BP1/r4/bp", "gw-1/BP1/r3/bp"});
  CHECK(hub.commit({bp(1, 121, 1)}) == std::vector<std::string>{"gw-1/BP1/r1/bp"});
}

TEST_CASE("record epochs: gateway restart -> the stored numbers still detect a restart") {
  TempDir dir;
  {
    Hub hub(dir.file());
    hub.commit({bp(1, 121, 0), bp(2, 122, 1)});
    hub.commit({bp(1, 131, 10)});  // epoch 1
  }
  Hub again(dir.file());
  CHECK(again.commit({bp(2, 132, 11), bp(1, 131, 10), bp(1, 121, 0)}) ==
        std::vector<std::string>{"gw-1/BP1/r2.e1/bp", "gw-1/BP1/r1.e1/bp", "gw-1/BP1/r1/bp"});
  CHECK(again.commit({bp(1, 151, 30)}) == std::vector<std::string>{"gw-1/BP1/r1.e2/bp"});
}

TEST_CASE("record epochs: append failed (not committed) -> the next assign starts over") {
  TempDir dir;
  Hub hub(dir.file());
  hub.commit({bp(1, 121, 0)});
  std::vector<Reading> restart{bp(1, 131, 10)};
  REQUIRE(hub.epochs.assign(restart).has_value());  // the outbox refused it: no committed()
  CHECK(restart[0].uid.value == "gw-1/BP1/r1.e1/bp");
  CHECK(hub.commit({bp(1, 131, 10)}) == std::vector<std::string>{"gw-1/BP1/r1.e1/bp"});
  CHECK(hub.commit({bp(2, 132, 11)}) == std::vector<std::string>{"gw-1/BP1/r2.e1/bp"});
}

TEST_CASE("record_number_of: per driver form, fingerprint ignores hub-side fields") {
  Reading r = bp(42, 120, 0);
  CHECK(record_number_of(r)->number == 42);
  r.record_id = "A-42";
  CHECK_FALSE(record_number_of(r).has_value());
  r.record_id = "";
  CHECK_FALSE(record_number_of(r).has_value());
  r.device.driver = "ble_glucose";
  r.record_id = "65535-1790000000";
  CHECK(record_number_of(r)->number == 65535);
  r.device.driver = "implant_relay";
  r.record_id = "RLY-7-12";
  CHECK(record_number_of(r)->counter == "RLY-7");
  CHECK(record_number_of(r)->number == 12);
  CHECK(record_fingerprint(bp(1, 120, 0)) == record_fingerprint(bp(1, 120, 0)));
  CHECK(record_fingerprint(bp(1, 120, 0)) != record_fingerprint(bp(1, 121, 0)));
  auto moved = bp(1, 120, 0);
  moved.hub_time += std::chrono::hours(1);
  moved.device.firmware = "2.0";
  CHECK(record_fingerprint(moved) == record_fingerprint(bp(1, 120, 0)));
}

TEST_CASE(
    "record epochs: record_seen pruned to the newest rows and epoch heads -> stays bounded, a "
    "re-sent record within the device's memory keeps its uid, a counter restart is still seen, "
    "also after a hub restart") {
  TempDir dir;
  const RecordSeenBounds bounds{8, 2};  // a device memory of at most 8 records
  const std::string key = "astm_bp|BP1||bp";
  auto outbox = std::move(Outbox::open(dir.file()).value());
  std::size_t most_rows = 0;
  {
    RecordEpochs epochs(*outbox, kGw, bounds);
    auto commit = [&](std::vector<Reading> readings) {
      auto entries = epochs.assign(readings);
      REQUIRE(entries.has_value());
      REQUIRE(outbox->append(*entries, kT0).has_value());
      epochs.committed();
      most_rows = std::max(most_rows, outbox->load_seen(key).value().size());
      std::vector<std::string> uids;
      for (const auto& e : *entries) uids.push_back(e.reading_uid);
      return uids;
    };
    for (int n = 1; n <= 200; ++n) commit({bp(n, 100 + n % 50, n)});
    CHECK(most_rows <= 8 + 2 + 2 + 2);  // keep_newest + a quarter + one epoch's head
    CHECK(outbox->load_seen(key).value().size() <= 12);
    // The meter dumps its memory (its last 8 records) again: same uids, nothing new.
    for (int n = 193; n <= 200; ++n) {
      CHECK(commit({bp(n, 100 + n % 50, n)}) ==
            std::vector<std::string>{"gw-1/BP1/r" + std::to_string(n) + "/bp"});
    }
    // Battery change: numbers from 1 again with new content -> epoch 1 (the head kept r1).
    CHECK(commit({bp(1, 171, 300)}) == std::vector<std::string>{"gw-1/BP1/r1.e1/bp"});
    CHECK(commit({bp(2, 172, 301)}) == std::vector<std::string>{"gw-1/BP1/r2.e1/bp"});
    // Then it re-sends old records still in its memory: their epoch-0 uids, not new ones.
    CHECK(commit({bp(200, 100, 200), bp(199, 149, 199)}) ==
          std::vector<std::string>{"gw-1/BP1/r200/bp", "gw-1/BP1/r199/bp"});
    for (int n = 3; n <= 60; ++n) commit({bp(n, 170 + n % 20, 300 + n)});
    CHECK(most_rows <= 8 + 2 + 2 * 2 + 2);
  }
  // The hub restarts: the pruned state on disk gives the same answers.
  RecordEpochs again(*outbox, kGw, bounds);
  std::vector<Reading> resent{bp(60, 170, 360), bp(61, 171, 361)};
  auto entries = again.assign(resent);
  REQUIRE(entries.has_value());
  CHECK((*entries)[0].reading_uid == "gw-1/BP1/r60.e1/bp");  // re-sent: same uid
  CHECK((*entries)[1].reading_uid == "gw-1/BP1/r61.e1/bp");  // new
  std::vector<Reading> reset{bp(1, 181, 400)};  // a second restart, seen by the epoch-1 head
  auto second = again.assign(reset);
  REQUIRE(second.has_value());
  CHECK((*second)[0].reading_uid == "gw-1/BP1/r1.e2/bp");
}
