// Issue 13, BLE: a glucose meter whose record counter restarts (battery change, factory reset)
// numbers its new records from 1 again. With only "records after the cursor N" the hub never
// fetched the new records 1..N; the session now checks the record at the cursor first.
#include <doctest/doctest.h>

#include "drivers/ble_glucose/session.h"
#include "drivers/ble_glucose/session_test_support.h"

namespace kotona::drivers::ble_glucose {
namespace {

using namespace test;

// The cursor a first full sync of `meter` leaves.
RecordCursor synced(const FakeMeter& meter) {
  Outbox box;
  REQUIRE(sync(meter, box, 1000));
  REQUIRE(box.cursor.has_value());
  return *box.cursor;
}

TEST_CASE(
    "ble_glucose reset: cursor with its record's fingerprint -> record N asked first, the "
    "same record -> on to the last record as before") {
  const Bytes r41 = record(41, false, 41);
  RecordCursor c = at(41);
  c.fingerprint = cursor_fingerprint(r41);
  Session s = make(c);
  (void)s.start();
  CHECK(commands(identify(s, kHub, kSerial, kDeviceNow)).back() ==
        "write 2A52 01 04 01 29 00 29 00");
  const Step probe = glucose(s, r41);
  CHECK(probe.readings.empty());
  CHECK_FALSE(probe.cursor.has_value());
  const Step same = racp(s, response(0x01, 0x01));
  CHECK(same.rejected.empty());
  CHECK(commands(same) == Strings{"write 2A52 01 06"});
}

TEST_CASE(
    "ble_glucose reset: counter restarted with more records than the cursor -> every new "
    "record fetched once, distinct uids, cursor on the new numbering") {
  FakeMeter before;
  before.stored = {1, 2, 3};
  const RecordCursor cursor = synced(before);
  CHECK(cursor.sequence == 3);
  FakeMeter after;  // reset, then five measurements at other times
  after.stored = {1, 2, 3, 4, 5};
  after.with_context = {2};
  after.base_minutes = 600;
  // Interrupted anywhere and resumed: the five new records once each, none of the old uids.
  check_resumable(after, cursor, 5);
  Outbox box;
  box.cursor = cursor;
  REQUIRE(sync(after, box, 1000));
  CHECK(box.uids.size() == 5);
  CHECK(box.uids.count("gw/GLU0001/r1-1795341660/glucose") == 1);  // 11:01, not 00:01
  CHECK(seq(box.cursor) == 5);
  // The next connection finds its own record 5 at the cursor: nothing fetched again.
  Outbox again;
  again.cursor = box.cursor;
  REQUIRE(sync(after, again, 1000));
  CHECK(again.uids.empty());
}

TEST_CASE(
    "ble_glucose reset: the same number of records as before (last == cursor) and fewer "
    "(record N gone) -> all fetched, the restart said once") {
  FakeMeter before;
  before.stored = {1, 2, 3};
  const RecordCursor cursor = synced(before);
  for (const std::vector<std::uint16_t>& stored :
       {std::vector<std::uint16_t>{1, 2, 3}, std::vector<std::uint16_t>{1, 2}}) {
    FakeMeter after;
    after.stored = stored;
    after.base_minutes = 900;
    CAPTURE(stored.size());
    Session s = make(cursor);
    (void)s.start();
    (void)identify(s, kHub, kSerial, kDeviceNow);
    if (stored.size() == 3) (void)glucose(s, record(3, false, 903));
    const Step restart = racp(s, response(0x01, stored.size() == 3 ? 0x01 : 0x06));
    REQUIRE(restart.rejected.size() == 1);
    CHECK(restart.rejected[0].detail.find("record counter restarted") != std::string::npos);
    CHECK(commands(restart) == Strings{"write 2A52 04 01"});
    check_resumable(after, cursor, stored.size());
  }
}

TEST_CASE(
    "ble_glucose reset: 'within range' refused or answered without the record -> the last "
    "record decides, as without a fingerprint") {
  RecordCursor c = at(41);
  c.fingerprint = cursor_fingerprint(record(41));
  for (const std::uint8_t code : {std::uint8_t{0x04}, std::uint8_t{0x01}}) {
    Session s = make(c);
    (void)s.start();
    (void)identify(s, kHub, kSerial, kDeviceNow);
    const Step next = racp(s, response(0x01, code));
    CHECK(commands(next) == Strings{"write 2A52 01 06"});
    CHECK(next.rejected.size() == 1);  // said once, and the sync goes on
  }
  FakeMeter meter;
  meter.stored = {40, 41, 42, 43};
  meter.range_refused = true;
  check_resumable(meter, c, 2);
}

}  // namespace
}  // namespace kotona::drivers::ble_glucose
