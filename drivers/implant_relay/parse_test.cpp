#include "drivers/implant_relay/parse.h"

#include <doctest/doctest.h>

#include "drivers/implant_relay/test_summary.h"

namespace kotona::drivers::implant_relay {
namespace {

using namespace std::chrono;
using test::PayloadBuilder;

const CardiacImplantSummary& implant(const Summary& s) {
  return std::get<CardiacImplantSummary>(s.reading.measurement);
}

Bytes full_payload() {
  auto b = PayloadBuilder::header(17, 20);
  b.enumerated(0x0001, 2).decimal(0x0002, 262, -2).decimal(0x0003, 4, 0);
  b.decimal(0x0101, 450, 0).decimal(0x0102, 520, 0).decimal(0x0103, 610, 0);
  b.decimal(0x0111, 25, -1).decimal(0x0112, 98, -1).decimal(0x0113, 121, -1);
  b.decimal(0x0121, 75, -2).decimal(0x0122, 100, -2).decimal(0x0123, 125, -2);
  b.decimal(0x0131, 12, 0).decimal(0x0132, 98, 0).decimal(0x0133, 97, 0);
  b.decimal(0x0201, 35, -1).count(0x0202, 3).count(0x0203, 1).count(0x0204, 2).count(0x0205, 1);
  return b.bytes;
}

TEST_CASE(
    "implant_relay: parse_summary: every IDC term -> one CardiacImplantSummary with identity") {
  auto s = parse_summary(full_payload());
  REQUIRE(s.has_value());
  CHECK(s->rejected.empty());
  CHECK(s->reading.device.serial.value == "PM123456");
  CHECK(s->reading.device.vendor == "Acme");
  CHECK(s->reading.device.model == "Pacer DR");
  CHECK(s->reading.device.firmware == "2.1");
  CHECK(s->reading.device.driver == "implant_relay");
  CHECK(s->reading.record_id == "RLY1-17");
  CHECK(s->reading.device_time == sys_days{2026y / 11 / 22} + 3h);
  CHECK(s->relay_clock == sys_days{2026y / 11 / 22} + 10h + 16min);
  const auto& m = implant(*s);
  CHECK(m.battery_status == BatteryStatus::kRrtEri);
  CHECK(m.battery_voltage_v == 2.62);
  CHECK(m.longevity_months == 4);
  CHECK(m.right_atrium == ImplantChamber{450, 2.5, 0.75, 12});
  CHECK(m.right_ventricle == ImplantChamber{520, 9.8, 1.0, 98});
  CHECK(m.left_ventricle == ImplantChamber{610, 12.1, 1.25, 97});
  CHECK(m.at_af_burden_percent == 3.5);
  CHECK(m.at_af_episodes == 3u);
  CHECK(m.vt_vf_episodes == 1u);
  CHECK(m.atp_therapies == 2u);
  CHECK(m.shocks_delivered == 1u);
  CHECK_FALSE(s->reading.quality.device_error);
}

TEST_CASE(
    "implant_relay: parse_summary: value type 4 (beyond the measuring range) -> the limit with its "
    "comparator, unknown marker or no limit -> item refused") {
  auto b = PayloadBuilder::header(18, 5);
  b.beyond(0x0102, 2, 3000, 0).beyond(0x0121, 2, 75, -1).beyond(0x0111, 1, 5, -1);
  b.beyond(0x0201, 2, 995, -1).decimal(0x0101, 480, 0);
  auto s = parse_summary(b.bytes);
  REQUIRE(s.has_value());
  CHECK(s->rejected.empty());
  const auto& m = implant(*s);
  CHECK(m.right_ventricle.lead_impedance_ohm == 3000);
  CHECK(m.right_ventricle.lead_impedance_comparator == Comparator::kAboveRange);
  CHECK(m.right_atrium.capture_threshold_v == 7.5);
  CHECK(m.right_atrium.capture_threshold_comparator == Comparator::kAboveRange);
  CHECK(m.right_atrium.sensing_amplitude_mv == 0.5);
  CHECK(m.right_atrium.sensing_amplitude_comparator == Comparator::kBelowRange);
  CHECK(m.at_af_burden_percent == 99.5);
  CHECK(m.at_af_burden_comparator == Comparator::kAboveRange);
  CHECK(m.right_atrium.lead_impedance_ohm == 480);  // exact: no comparator
  CHECK(m.right_atrium.lead_impedance_comparator == Comparator::kNone);
  CHECK_FALSE(s->reading.quality.device_error);

  auto bad = PayloadBuilder::header(19, 3);
  bad.beyond(0x0102, 3, 3000, 0).beyond(0x0101, 2, 0x7FFFFFFF, 0).beyond(0x0103, 2, 30000, 0);
  auto r = parse_summary(bad.bytes);
  REQUIRE(r.has_value());  // the summary travels; the refused items stay absent, flagged
  REQUIRE(r->rejected.size() == 3);
  CHECK(r->rejected[0].code == Errc::kMalformed);
  CHECK(r->rejected[1].code == Errc::kMalformed);
  CHECK(r->rejected[2].code == Errc::kOutOfRange);
  CHECK_FALSE(implant(*r).right_ventricle.lead_impedance_ohm);
  CHECK(implant(*r).right_ventricle.lead_impedance_comparator == Comparator::kNone);
  CHECK(r->reading.quality.device_error);
}

TEST_CASE(
    "implant_relay: parse_summary: empty and truncated at every byte -> kTruncated or kMalformed") {
  const Bytes full = full_payload();
  for (std::size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    auto s = parse_summary(std::span(full).first(n));
    REQUIRE_FALSE(s.has_value());
    CHECK((s.error().code == Errc::kTruncated || s.error().code == Errc::kMalformed));
  }
  CHECK(parse_summary({}).error().code == Errc::kTruncated);
}

TEST_CASE("implant_relay: parse_summary: trailing bytes, version 2, >64 items -> kMalformed") {
  Bytes trailing = full_payload();
  trailing.push_back(0);
  CHECK(parse_summary(trailing).error().code == Errc::kMalformed);
  Bytes v2 = full_payload();
  v2[0] = 2;
  CHECK(parse_summary(v2).error().code == Errc::kMalformed);
  CHECK(parse_summary(PayloadBuilder::header(1, 65).bytes).error().code == Errc::kMalformed);
}

TEST_CASE("implant_relay: parse_summary: bad implant serial or impossible date -> kMalformed") {
  CHECK(parse_summary(PayloadBuilder::header(1, 0, "").bytes).error().code == Errc::kMalformed);
  CHECK(parse_summary(PayloadBuilder::header(1, 0, "PM/1").bytes).error().code == Errc::kMalformed);
  PayloadBuilder b;
  b.u8(1).u32(1).time(2026, 2, 30, 10, 0, 0);
  CHECK(parse_summary(b.bytes).error().code == Errc::kMalformed);
}

TEST_CASE("implant_relay: parse_summary: not-available values -> fields absent, no error") {
  auto b = PayloadBuilder::header(2, 2);
  b.decimal(0x0002, 0x7FFFFFFF, 0).count(0x0205, 0xFFFFFFFF);
  auto s = parse_summary(b.bytes);
  REQUIRE(s.has_value());
  CHECK(s->rejected.empty());
  CHECK_FALSE(implant(*s).battery_voltage_v.has_value());
  CHECK_FALSE(implant(*s).shocks_delivered.has_value());
}

TEST_CASE(
    "implant_relay: parse_summary: out of range / wrong type / repeated tag -> item refused, rest "
    "kept") {
  auto b = PayloadBuilder::header(3, 5);
  b.decimal(0x0132, 1010, -1)   // RV paced 101 %: kOutOfRange
      .count(0x0002, 3)         // voltage as a count: kMalformed
      .decimal(0x0102, 520, 0)  // kept
      .decimal(0x0102, 530, 0)  // repeated: kMalformed
      .enumerated(0x0001, 9);   // unknown battery status: kMalformed
  auto s = parse_summary(b.bytes);
  REQUIRE(s.has_value());
  REQUIRE(s->rejected.size() == 4);
  CHECK(s->rejected[0].code == Errc::kOutOfRange);
  CHECK(s->rejected[1].code == Errc::kMalformed);
  CHECK(s->reading.quality.device_error);
  CHECK(implant(*s).right_ventricle.lead_impedance_ohm == 520);
  CHECK_FALSE(implant(*s).right_ventricle.paced_percent.has_value());
  CHECK(implant(*s).battery_status == BatteryStatus::kUnknown);
}

TEST_CASE(
    "implant_relay: parse_summary: unknown tag skipped, unknown value type -> whole summary "
    "kMalformed") {
  auto b = PayloadBuilder::header(4, 2);
  b.decimal(0x0999, 1, 0).decimal(0x0102, 500, 0);
  auto s = parse_summary(b.bytes);
  REQUIRE(s.has_value());
  CHECK(s->rejected.empty());
  CHECK(implant(*s).right_ventricle.lead_impedance_ohm == 500);
  auto bad = PayloadBuilder::header(4, 1);
  bad.u16(0x0102).u8(7).u8(0);
  CHECK(parse_summary(bad.bytes).error().code == Errc::kMalformed);
}

TEST_CASE(
    "implant_relay: parse_summary: negative value or huge exponent -> kOutOfRange, never inf") {
  auto b = PayloadBuilder::header(5, 2);
  b.decimal(0x0002, -1, 0).decimal(0x0003, 1, 127);
  auto s = parse_summary(b.bytes);
  REQUIRE(s.has_value());
  REQUIRE(s->rejected.size() == 2);
  CHECK(s->rejected[1].code == Errc::kOutOfRange);
}

}  // namespace
}  // namespace kotona::drivers::implant_relay
