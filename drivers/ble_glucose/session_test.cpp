#include "drivers/ble_glucose/session.h"

#include <doctest/doctest.h>

#include "drivers/ble_glucose/session_test_support.h"

namespace kotona::drivers::ble_glucose {
namespace {

using namespace std::chrono;
using namespace test;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;

TEST_CASE("ble_glucose session: first sync -> subscribe, count all, report all, one reading each") {
  Session s = make();
  (void)s.start();
  const Step ready = identify(s, kHub, kSerial, kDeviceNow);
  CHECK(commands(ready) == Strings{"subscribe 2A18", "subscribe 2A34", "subscribe 2A52",
                                   "write 2A52 04 01"});
  CHECK(ready.timer == kRacpTimeout);
  CHECK(commands(racp(s, count(2))) == Strings{"write 2A52 01 01"});
  const Step first = glucose(s, record(7, false, 60));
  REQUIRE(first.readings.size() == 1);
  const Reading& r = first.readings[0];
  CHECK(r.record_id == "7-1795309200");  // 2026-11-22 01:00
  CHECK(r.device.serial.value == kSerial);
  CHECK(std::get<Glucose>(r.measurement).mmol_per_l == 5.4);
  CHECK(seq(first.cursor) == 7);
  CHECK(first.cursor->fingerprint == cursor_fingerprint(record(7, false, 60)));
  CHECK(seq(glucose(s, record(8)).cursor) == 8);
  const Step done = racp(s, response(0x01, 0x01));
  CHECK(done.rejected.empty());
  CHECK_FALSE(done.timer.has_value());
}

TEST_CASE("ble_glucose session: cursor 41, device last 45 -> count and report from 42") {
  Session s = make(at(41));
  (void)s.start();
  CHECK(commands(identify(s, kHub, kSerial, kDeviceNow)).back() == "write 2A52 01 06");
  const Step last = glucose(s, record(45));
  CHECK(last.readings.empty());  // the probe is not a reading: it comes again in order
  CHECK_FALSE(last.cursor.has_value());
  CHECK(commands(racp(s, response(0x01, 0x01))) == Strings{"write 2A52 04 03 01 2A 00"});
  CHECK(commands(racp(s, count(4))) == Strings{"write 2A52 01 03 01 2A 00"});
  for (std::uint16_t q = 42; q <= 45; ++q) CHECK(seq(glucose(s, record(q)).cursor) == q);
  CHECK(racp(s, response(0x01, 0x01)).rejected.empty());
}

TEST_CASE("ble_glucose session: cursor equals the last record -> nothing requested, done") {
  Session s = make(at(45));
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)glucose(s, record(45));
  const Step done = racp(s, response(0x01, 0x01));
  CHECK(done.commands.empty());
  CHECK(done.rejected.empty());
  CHECK_FALSE(done.timer.has_value());
}

TEST_CASE("ble_glucose session: no records stored -> done without error") {
  Session s = make(at(3));
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  const Step done = racp(s, response(0x01, 0x06));
  CHECK(done.commands.empty());
  CHECK(done.rejected.empty());
}

TEST_CASE("ble_glucose session: interrupted at every point -> every record once, none lost") {
  FakeMeter meter;
  meter.stored = {1, 2, 3, 4, 5, 6, 7, 8};
  meter.with_context = {3, 4, 8};
  check_resumable(meter, std::nullopt, 8);
  // Resuming from a stored cursor: only the newer records.
  check_resumable(meter, at(5), 3);
}

TEST_CASE("ble_glucose session: numbering wraps after 65535 -> new records fetched, cursor moves") {
  FakeMeter meter;
  meter.stored = {65533, 65534, 65535, 0, 1, 2};
  // Stored cursor 65534: last record 2 < cursor -> report all; 65535, 0, 1, 2 are new.
  Outbox box;
  box.cursor = at(65534);
  REQUIRE(sync(meter, box, 1000));
  CHECK(seq(box.cursor) == 2);
  CHECK(box.uids.size() == 6);  // 65533 and 65534 again: same uids as before, kept once
  // Next connection: nothing new, nothing re-sent.
  Outbox again;
  again.cursor = box.cursor;
  REQUIRE(sync(meter, again, 1000));
  CHECK(again.uids.empty());
  CHECK(seq(again.cursor) == 2);
}

TEST_CASE("ble_glucose session: cursor 65535 -> report all (N+1 would wrap to 0)") {
  Session s = make(at(65535));
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)glucose(s, record(65535));
  // Last == cursor: nothing new. With a newer record the request is "all".
  Session t = make(at(65535));
  (void)t.start();
  (void)identify(t, kHub, kSerial, kDeviceNow);
  (void)glucose(t, record(0));
  const Step next = racp(t, response(0x01, 0x01));
  CHECK(commands(next) == Strings{"write 2A52 04 01"});
  REQUIRE(next.rejected.size() == 1);  // says the numbering wrapped
  CHECK(commands(racp(t, count(1))) == Strings{"write 2A52 01 01"});
  CHECK(glucose(t, record(0)).cursor == std::nullopt);  // 0 < 65535: no step back
  CHECK(seq(racp(t, response(0x01, 0x01)).cursor) == 0);
}

TEST_CASE("ble_glucose session: every RACP response code to a filtered report") {
  struct Case {
    std::uint8_t code;
    std::optional<std::string> next;  // the command that follows, if any
    std::size_t rejected;
  };
  const Case cases[] = {
      {0x01, std::nullopt, 0},            {0x02, "write 2A52 01 01", 1},
      {0x03, "write 2A52 01 01", 1},      {0x04, "write 2A52 01 01", 1},
      {0x05, "write 2A52 01 01", 1},      {0x06, std::nullopt, 0},
      {0x07, std::nullopt, 1},            {0x08, std::nullopt, 1},
      {0x09, "write 2A52 01 01", 1},      {0x0A, std::nullopt, 2},
  };
  for (const Case& c : cases) {
    CAPTURE(int(c.code));
    Session s = make(at(41));
    (void)s.start();
    (void)identify(s, kHub, kSerial, kDeviceNow);
    (void)glucose(s, record(43));
    (void)racp(s, response(0x01, 0x01));
    (void)racp(s, count(1));
    CHECK(seq(glucose(s, record(42)).cursor) == 42);
    const Step step = racp(s, response(0x01, c.code));
    CHECK(step.rejected.size() == c.rejected);
    if (c.next) {
      CHECK(commands(step) == Strings{*c.next});
      // A refused report falls back once; a second refusal ends it.
      CHECK(racp(s, response(0x01, c.code)).rejected.size() == 1);
    } else {
      CHECK(step.commands.empty());
      CHECK_FALSE(step.timer.has_value());
    }
    CHECK_FALSE(step.cursor.has_value());  // the cursor never moves without a record
  }
}

TEST_CASE("ble_glucose session: count or last-record refused -> the report goes on") {
  Session s = make(at(41));
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  CHECK(commands(racp(s, response(0x01, 0x04))) == Strings{"write 2A52 04 03 01 2A 00"});
  const Step report = racp(s, response(0x04, 0x02));
  CHECK(commands(report) == Strings{"write 2A52 01 03 01 2A 00"});
  CHECK(report.rejected.size() == 1);
}

TEST_CASE("ble_glucose session: stalled transfer -> abort after 30 s, abort answered -> done") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow + 2h);
  (void)racp(s, count(5));
  CHECK(glucose(s, record(1)).timer == kRacpTimeout);
  const Step timeout = s.on_timer();
  CHECK(commands(timeout) == Strings{"write 2A52 03 00"});
  CHECK(timeout.rejected.size() == 1);
  const Step aborted = racp(s, response(0x03, 0x01));
  CHECK(aborted.rejected.size() == 0);
  // Transfer over: the 2 h wrong clock is set now, not before the records were read.
  REQUIRE(commands(aborted).size() == 1);
  CHECK(commands(aborted)[0].rfind("write 2A2B EA 07 0B 16 0A 10 00", 0) == 0);
  Session t = make();
  (void)t.start();
  (void)identify(t, kHub, kSerial, kDeviceNow);
  (void)racp(t, count(5));
  (void)t.on_timer();
  CHECK(racp(t, response(0x03, 0x07)).rejected.size() == 1);  // abort unsuccessful
}

TEST_CASE("ble_glucose session: fewer records than announced -> reported, cursor kept") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)racp(s, count(3));
  (void)glucose(s, record(1));
  const Step done = racp(s, response(0x01, 0x01));
  REQUIRE(done.rejected.size() == 1);
  CHECK(done.rejected[0].detail.find("announced 3 records, sent 1") != std::string::npos);
}

TEST_CASE("ble_glucose session: context -> meal on the reading, missing or foreign -> still one") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)racp(s, count(3));
  CHECK(glucose(s, record(1, true)).readings.empty());  // waits for its context
  const Step ctx = feed(s, kHub, gu::kGlucoseMeasurementContext, meal_context(1, 1));
  REQUIRE(ctx.readings.size() == 1);
  CHECK(std::get<Glucose>(ctx.readings[0].measurement).meal == MealMarker::kPreprandial);
  CHECK(seq(ctx.cursor) == 1);
  (void)glucose(s, record(2, true));
  const Step next = glucose(s, record(3, true));  // 2's context never came
  REQUIRE(next.readings.size() == 1);
  CHECK(seq(next.cursor) == 2);
  const Step foreign = feed(s, kHub, gu::kGlucoseMeasurementContext, meal_context(9, 1));
  CHECK(foreign.readings.size() == 1);
  CHECK(foreign.rejected.size() == 1);
  CHECK(seq(foreign.cursor) == 3);
}

TEST_CASE("ble_glucose session: malformed record -> rejected, counted as transferred") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)racp(s, count(2));
  Bytes nan = record(1);
  nan[12] = 0xFF;
  nan[13] = 0x07;  // concentration NaN
  const Step bad = glucose(s, nan);
  CHECK(bad.readings.empty());
  REQUIRE(bad.rejected.size() == 1);
  CHECK(bad.rejected[0].code == Errc::kOutOfRange);
  CHECK(bad.refused_records == bad.rejected);  // the hub reports it (issue 13)
  CHECK(seq(bad.cursor) == 1);
  CHECK(glucose(s, record(2)).readings.size() == 1);
  CHECK(racp(s, response(0x01, 0x01)).rejected.empty());
}

TEST_CASE("ble_glucose session: cursor of another device -> ignored, all records fetched") {
  Session s = make(RecordCursor{DeviceSerial{"OTHER"}, 41});
  (void)s.start();
  const Step ready = identify(s, kHub, kSerial, kDeviceNow);
  CHECK(commands(ready).back() == "write 2A52 04 01");
  CHECK(ready.rejected.size() == 1);
}

TEST_CASE("ble_glucose session: RACP write fails -> rejected, no transfer, session usable") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  const Step failed = gatt::test::feed_failed(s, kHub, gu::kRecordAccessControlPoint);
  CHECK(failed.rejected.size() == 1);
  CHECK_FALSE(failed.timer.has_value());
  CHECK(glucose(s, record(5)).readings.size() == 1);  // a live record still counts
}

TEST_CASE("ble_glucose session: records outside its own report (a crashed hub's transfer still "
          "running) -> delivered, cursor not moved past the gap") {
  Session s = make(at(25));
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);  // asks for the last record
  (void)gatt::test::feed_failed(s, kHub, gu::kRecordAccessControlPoint);  // 0xFE in progress
  const Step stale = glucose(s, record(40));  // 26..39 went out before this hub subscribed
  CHECK(stale.readings.size() == 1);
  CHECK_FALSE(stale.cursor.has_value());
}

TEST_CASE("ble_glucose session: disconnect while a record waits for its context -> not delivered") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)racp(s, count(1));
  (void)glucose(s, record(1, true));
  const auto step = s.on_input(Input{kHub, Disconnected{}});
  REQUIRE(step.has_value());
  CHECK(step->readings.empty());
  CHECK_FALSE(step->cursor.has_value());
}

}  // namespace
}  // namespace kotona::drivers::ble_glucose
