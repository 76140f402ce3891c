// Manual entry on the hub (issue 20 part 5): plausibility questions, refusals, and the typed
// reading in the outbox with provenance `manual` and the entering person.
#include "gateway/manual_entry/manual_entry.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gateway/outbox/outbox.h"
#include "proto/codec/wire.h"
#include "tests/support/process.h"

namespace kotona::gateway {
namespace {

using namespace std::chrono_literals;

const GatewayId kGw{"gw-home-1"};
const HubTime kNow{std::chrono::milliseconds{1'796'000'000'000}};  // Dec 2026

// A ManualEntry whose commits are kept in `committed`.
struct Bench {
  Counters counters;
  std::vector<Reading> committed;
  ManualEntry entry{kGw,
                    [this](std::span<const Reading> r) -> Result<void> {
                      committed.insert(committed.end(), r.begin(), r.end());
                      return {};
                    },
                    counters};
};

ManualForm inr_form(double ratio) {
  ManualForm f;
  f.kind = "inr";
  f.values = {{"ratio", ratio}};
  f.measured = std::chrono::floor<std::chrono::seconds>(kNow - 20min);
  f.enterer = Enterer::kRelative;
  f.enterer_name = "Anna Virtanen";
  f.entry_id = "f1";
  return f;
}

ManualForm bp_form(double sys, double dia) {
  ManualForm f;
  f.kind = "bp";
  f.values = {{"systolic_mmhg", sys}, {"diastolic_mmhg", dia}};
  f.measured = std::chrono::floor<std::chrono::seconds>(kNow - 5min);
  f.entry_id = "f2";
  return f;
}

Reading device_inr(double ratio, int record) {
  Reading r;
  r.device.serial = DeviceSerial{"INR-7"};
  r.device.driver = "astm_inr";
  r.record_id = std::to_string(record);
  r.device_time = std::chrono::floor<std::chrono::seconds>(kNow - std::chrono::hours{24 * record});
  r.hub_time = kNow;
  r.measurement = Inr{ratio, std::nullopt, std::nullopt};
  finalize_reading(kGw, r);
  return r;
}

}  // namespace

TEST_CASE(
    "manual entry: INR 25 (for 2.5) is asked about, with 2.5 offered, and not sent until "
    "confirmed") {
  Bench b;
  auto asked = b.entry.submit(inr_form(25), kNow);
  CHECK(asked.state == ManualOutcome::State::kAsk);
  REQUIRE(asked.findings.size() == 1);
  CHECK(asked.findings[0].key == "manual.ask.usual");
  CHECK(asked.findings[0].component == "ratio");
  REQUIRE(asked.findings[0].suggestion);
  CHECK(*asked.findings[0].suggestion == doctest::Approx(2.5));
  CHECK(b.committed.empty());
  CHECK(b.counters.get("manual_asked") == 1);

  auto form = inr_form(25);
  form.confirmed = true;  // "yes, it is 25"
  auto stored = b.entry.submit(form, kNow);
  CHECK(stored.state == ManualOutcome::State::kStored);
  REQUIRE(b.committed.size() == 1);
  const Reading& r = b.committed[0];
  CHECK(r.provenance == Provenance{EntrySource::kManual, Enterer::kRelative, "Anna Virtanen"});
  CHECK(std::get<Inr>(r.measurement).ratio == 25);
  CHECK(r.uid == stored.uid);
}

TEST_CASE(
    "manual entry: systolic 1400 is asked about (140 offered), a usual pressure is sent at once") {
  Bench b;
  auto asked = b.entry.submit(bp_form(1400, 85), kNow);
  CHECK(asked.state == ManualOutcome::State::kAsk);
  REQUIRE(asked.findings.size() == 1);
  CHECK(asked.findings[0].component == "systolic_mmhg");
  CHECK(*asked.findings[0].suggestion == doctest::Approx(140));
  CHECK(b.committed.empty());

  auto sent = b.entry.submit(bp_form(142, 85), kNow);
  CHECK(sent.state == ManualOutcome::State::kStored);
  REQUIRE(b.committed.size() == 1);
  const Reading& r = b.committed[0];
  CHECK(r.provenance.source == EntrySource::kManual);
  CHECK(r.provenance.enterer == Enterer::kPatient);
  CHECK(r.device.serial.value == "manual");
  CHECK(r.record_id == "mf2");
  CHECK(r.clock_offset == std::chrono::seconds{0});  // typed by the hub's clock: not suspect
  CHECK_FALSE(r.quality.clock_suspect);
  CHECK(r.quality.device_time_precision == TimePrecision::kMinute);
  CHECK(r.uid == make_reading_uid(kGw, r));
}

TEST_CASE(
    "manual entry: impossible values are refused with the range, never sent, even confirmed") {
  Bench b;
  struct Case {
    ManualForm form;
    const char* key;
  };
  ManualForm spo2;
  spo2.kind = "spo2";
  spo2.values = {{"percent", 105}};
  spo2.measured = std::chrono::floor<std::chrono::seconds>(kNow);
  const Case cases[] = {{inr_form(0), "manual.refused.range"},
                        {inr_form(-2.5), "manual.refused.range"},
                        {inr_form(std::nan("")), "manual.refused.range"},
                        {spo2, "manual.refused.range"},
                        {bp_form(80, 120), "manual.refused.order"}};
  for (auto c : cases) {
    CAPTURE(c.key);
    c.form.confirmed = true;
    auto out = b.entry.submit(c.form, kNow);
    CHECK(out.state == ManualOutcome::State::kRefused);
    CHECK(out.key == c.key);
  }
  auto out = b.entry.submit(spo2, kNow);
  REQUIRE_FALSE(out.findings.empty());
  CHECK(out.findings[0].range.high == 100);
  CHECK(b.committed.empty());
  CHECK(b.counters.get("manual_refused") == 6);
}

TEST_CASE("manual entry: a value far from the recent readings is asked about, a near one is not") {
  Bench b;
  const Reading recent[] = {device_inr(2.4, 1), device_inr(2.6, 2), device_inr(2.5, 3)};
  b.entry.note(recent);
  auto far = b.entry.submit(inr_form(5.5), kNow);  // inside the usual range, 3.0 from the median
  CHECK(far.state == ManualOutcome::State::kAsk);
  REQUIRE(far.findings.size() == 1);
  CHECK(far.findings[0].key == "manual.ask.recent");
  CHECK(*far.findings[0].recent == doctest::Approx(2.5));
  CHECK(b.committed.empty());
  CHECK(b.entry.submit(inr_form(2.8), kNow).state == ManualOutcome::State::kStored);
}

TEST_CASE("manual entry: bad form fields are refused with a counter (time, name, kind)") {
  Bench b;
  auto future = inr_form(2.5);
  future.measured = std::chrono::floor<std::chrono::seconds>(kNow + 1h);
  CHECK(b.entry.submit(future, kNow).key == "manual.refused.future");
  auto old = inr_form(2.5);
  old.measured = std::chrono::floor<std::chrono::seconds>(kNow - std::chrono::days{40});
  CHECK(b.entry.submit(old, kNow).key == "manual.refused.old");
  auto name = inr_form(2.5);
  name.enterer_name = "Anna\nFORGED LOG LINE";
  CHECK(b.entry.submit(name, kNow).key == "manual.refused.name");
  auto implant = inr_form(2.5);
  implant.kind = "implant";
  CHECK(b.entry.submit(implant, kNow).key == "manual.refused.kind");
  CHECK(b.committed.empty());
  CHECK(b.counters.get("manual_refused") == 4);
}

TEST_CASE(
    "manual entry: the typed reading lands in the outbox once, provenance and person intact") {
  test::TempDir dir;
  auto outbox = Outbox::open((dir / "outbox.db").string());
  REQUIRE(outbox);
  Counters counters;
  ManualEntry entry{kGw,
                    [&](std::span<const Reading> readings) -> Result<void> {
                      std::vector<OutboxEntry> rows;
                      for (const auto& r : readings) {
                        rows.emplace_back(r.uid.value, wire::encode_reading(r));
                      }
                      auto added = (*outbox)->append(rows, kNow);
                      if (!added) return fail(added.error());
                      return {};
                    },
                    counters};
  auto form = inr_form(3.1);
  form.enterer = Enterer::kNurse;
  form.enterer_name = "sh. Laine (12345)";
  REQUIRE(entry.submit(form, kNow).state == ManualOutcome::State::kStored);
  REQUIRE(entry.submit(form, kNow).state == ManualOutcome::State::kStored);  // a double click
  auto rows = (*outbox)->next_to_send(10, kNow, 30s);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);  // same form id: the same reading, stored once
  auto decoded = wire::decode_reading(rows->at(0).payload);
  REQUIRE(decoded);
  CHECK(decoded->provenance ==
        Provenance{EntrySource::kManual, Enterer::kNurse, "sh. Laine (12345)"});
  CHECK(std::get<Inr>(decoded->measurement).ratio == doctest::Approx(3.1));
}

}  // namespace kotona::gateway
