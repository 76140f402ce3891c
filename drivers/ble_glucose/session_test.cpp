#include "drivers/ble_glucose/session.h"

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <set>

#include "drivers/gatt/test_support.h"

namespace kotona::drivers::ble_glucose {
namespace {

using namespace std::chrono;
using gatt::test::commands;
using gatt::test::feed;
using gatt::test::identify;
namespace gu = gatt::uuid;
using Strings = std::vector<std::string>;

const HubTime kHub{sys_days{2026y / 11 / 22} + 10h + 16min};
const DeviceTime kDeviceNow = floor<seconds>(kHub);
const std::string kSerial = "GLU0001";

// Test-side encoder from the GSS layout: time offset 0, 97 mg/dL, capillary blood / finger,
// base time 2026-11-22 00:00 + `base_minutes`; `context` sets flag bit 4.
Bytes record(std::uint16_t seq, bool context = false, std::uint16_t base_minutes = 0) {
  const auto h = static_cast<std::uint8_t>(base_minutes / 60 % 24);
  const auto m = static_cast<std::uint8_t>(base_minutes % 60);
  return Bytes{static_cast<std::uint8_t>(context ? 0x13 : 0x03),
               static_cast<std::uint8_t>(seq & 0xFF), static_cast<std::uint8_t>(seq >> 8),
               0xEA, 0x07, 11, 22, h, m, 0, 0x00, 0x00, 0x61, 0xB0, 0x11};
}
Bytes meal_context(std::uint16_t seq, std::uint8_t meal) {
  return Bytes{0x02, static_cast<std::uint8_t>(seq & 0xFF), static_cast<std::uint8_t>(seq >> 8),
               meal};
}
Bytes response(std::uint8_t op, std::uint8_t code) { return Bytes{0x06, 0x00, op, code}; }
Bytes count(std::uint16_t n) {
  return Bytes{0x05, 0x00, static_cast<std::uint8_t>(n & 0xFF), static_cast<std::uint8_t>(n >> 8)};
}

Session make(std::optional<RecordCursor> cursor = std::nullopt) {
  SessionContext c{"AA:BB:CC:DD:EE:02"};
  c.cursor = std::move(cursor);
  return Session(c);
}
RecordCursor at(std::uint16_t seq) { return RecordCursor{DeviceSerial{kSerial}, seq}; }

Step racp(Session& s, const Bytes& b) { return feed(s, kHub, gu::kRecordAccessControlPoint, b); }
Step glucose(Session& s, const Bytes& b) { return feed(s, kHub, gu::kGlucoseMeasurement, b); }

// A simulated Glucose Service server: stored records in storage order, answering RACP writes
// (GLS §3.4) with the values it would notify / indicate.
struct FakeMeter {
  std::vector<std::uint16_t> stored;
  std::set<std::uint16_t> with_context;
  std::deque<GattValue> answer(const Bytes& w) const {
    std::deque<GattValue> out;
    auto select = [&](bool all, std::uint16_t from) {
      std::vector<std::uint16_t> s;
      for (auto q : stored) if (all || q >= from) s.push_back(q);
      return s;
    };
    const bool all = w.size() == 2 && w[1] == 0x01;
    const std::uint16_t from = w.size() == 5 ? static_cast<std::uint16_t>(w[3] | w[4] << 8) : 0;
    if (w[0] == 0x04) {
      out.push_back({gu::kRecordAccessControlPoint,
                     count(static_cast<std::uint16_t>(select(all, from).size()))});
    } else if (w[0] == 0x01) {
      std::vector<std::uint16_t> s = select(all, from);
      if (w[1] == 0x06 && !stored.empty()) s = {stored.back()};
      for (auto q : s) {
        const bool ctx = with_context.count(q) != 0;
        out.push_back({gu::kGlucoseMeasurement, record(q, ctx, q)});
        if (ctx) out.push_back({gu::kGlucoseMeasurementContext, meal_context(q, 2)});
      }
      out.push_back({gu::kRecordAccessControlPoint, response(0x01, s.empty() ? 0x06 : 0x01)});
    } else if (w[0] == 0x03) {
      out.push_back({gu::kRecordAccessControlPoint, response(0x03, 0x01)});
    }
    return out;
  }
};

// The gateway's side: a Step's readings and cursor commit together (one transaction), then its
// commands run. Stops (link lost) after `budget` device values. Returns true when it finished.
struct Outbox {
  std::map<std::string, int> uids;  // uid -> times committed
  std::optional<RecordCursor> cursor;
  void commit(Step& step) {
    for (Reading& r : step.readings) {
      finalize_reading(GatewayId{"gw"}, r);
      ++uids[r.uid.value];
    }
    if (step.cursor) cursor = step.cursor;
  }
};

bool sync(const FakeMeter& meter, Outbox& box, std::size_t budget) {
  Session s = make(box.cursor);
  Step step = s.start();
  step = identify(s, kHub, kSerial, kDeviceNow);
  std::deque<GattValue> queue;
  for (;;) {
    box.commit(step);
    for (const Command& c : step.commands) {
      if (const auto* w = std::get_if<GattWrite>(&c)) {
        if (w->characteristic_uuid16 == gu::kRecordAccessControlPoint) {
          for (auto& v : meter.answer(w->bytes)) queue.push_back(v);
        }
      }
    }
    if (queue.empty()) return true;
    if (budget-- == 0) {
      auto lost = s.on_input(Input{kHub, Disconnected{}});
      REQUIRE(lost.has_value());
      box.commit(*lost);
      return false;
    }
    step = feed(s, kHub, queue.front().characteristic_uuid16, queue.front().bytes);
    queue.pop_front();
  }
}

// Every record delivered exactly once when the link drops after every possible number of
// values, then the device reconnects (repeatedly) until a sync completes.
void check_resumable(const FakeMeter& meter, std::optional<RecordCursor> start = std::nullopt,
                     std::size_t expected_new = 0) {
  for (std::size_t cut = 0; cut < 40; ++cut) {
    Outbox box;
    box.cursor = start;
    std::size_t budget = cut, attempts = 0;
    while (!sync(meter, box, budget) && ++attempts < 50) budget = cut + attempts;
    CAPTURE(cut);
    CHECK(box.uids.size() == expected_new);
    for (const auto& [uid, n] : box.uids) CHECK_MESSAGE(n == 1, uid);
    REQUIRE(box.cursor.has_value());
    CHECK(box.cursor->sequence == meter.stored.back());
  }
}

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
  CHECK(first.cursor == at(7));
  CHECK(glucose(s, record(8)).cursor == at(8));
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
  for (std::uint16_t q = 42; q <= 45; ++q) CHECK(glucose(s, record(q)).cursor == at(q));
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
  CHECK(box.cursor == at(2));
  CHECK(box.uids.size() == 6);  // 65533 and 65534 again: same uids as before, kept once
  // Next connection: nothing new, nothing re-sent.
  Outbox again;
  again.cursor = box.cursor;
  REQUIRE(sync(meter, again, 1000));
  CHECK(again.uids.empty());
  CHECK(again.cursor == at(2));
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
  CHECK(racp(t, response(0x01, 0x01)).cursor == at(0));
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
    CHECK(glucose(s, record(42)).cursor == at(42));
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

TEST_CASE("ble_glucose session: stalled transfer -> abort after 30 s; abort answered -> done") {
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

TEST_CASE("ble_glucose session: context -> meal on the reading; missing or foreign -> still one") {
  Session s = make();
  (void)s.start();
  (void)identify(s, kHub, kSerial, kDeviceNow);
  (void)racp(s, count(3));
  CHECK(glucose(s, record(1, true)).readings.empty());  // waits for its context
  const Step ctx = feed(s, kHub, gu::kGlucoseMeasurementContext, meal_context(1, 1));
  REQUIRE(ctx.readings.size() == 1);
  CHECK(std::get<Glucose>(ctx.readings[0].measurement).meal == MealMarker::kPreprandial);
  CHECK(ctx.cursor == at(1));
  (void)glucose(s, record(2, true));
  const Step next = glucose(s, record(3, true));  // 2's context never came
  REQUIRE(next.readings.size() == 1);
  CHECK(next.cursor == at(2));
  const Step foreign = feed(s, kHub, gu::kGlucoseMeasurementContext, meal_context(9, 1));
  CHECK(foreign.readings.size() == 1);
  CHECK(foreign.rejected.size() == 1);
  CHECK(foreign.cursor == at(3));
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
  CHECK(bad.cursor == at(1));
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
