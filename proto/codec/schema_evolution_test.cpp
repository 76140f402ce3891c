// Wire schema evolution (issue 21 part 2, docs/contracts.md "Measurement kinds on the wire"):
// a batch a hub on the v1 typed schema sent (testdata/v1_batch_every_kind.bin, written once by
// encode_batch(gw-7, batch 5, every_kind()) on main at 274e7a4, before the generic measurement)
// still decodes to the same readings, and a reading sent as a generic measurement decodes to the
// typed one.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "core/kinds.h"
#include "proto/codec/messages.h"
#include "proto/codec/wire.h"

namespace kotona::wire {
namespace {

const char* const kV1Batch = "testdata/v1_batch_every_kind.bin";

// One reading of every kind at the time the v1 file was written; each value distinct.
std::vector<Reading> every_kind() {
  CardiacImplantSummary implant;
  implant.battery_status = BatteryStatus::kRrtEri;
  implant.battery_voltage_v = 2.61;
  implant.right_ventricle = ImplantChamber{600, 9.8, 0.75, 98};
  implant.shocks_delivered = 1;
  const Measurement kinds[] = {BloodPressure{151, 92, 111.0, 67.0},
                               Glucose{33.3, MealMarker::kFasting, Comparator::kAboveRange},
                               Inr{2.7, 31.5, std::string("LOT-9"), Comparator::kNone},
                               implant,
                               Weight{81.4},
                               Spo2{93, 72.0},
                               Temperature{37.9}};
  std::vector<Reading> out;
  int record = 1;
  for (const auto& m : kinds) {
    Reading r;
    r.device = DeviceIdentity{"Acme", "M-1", DeviceSerial{"SN-7"}, "2.0", "acme"};
    r.record_id = std::to_string(record++);
    r.device_time = DeviceTime{std::chrono::seconds{1'790'000'000}};
    r.hub_time = HubTime{std::chrono::milliseconds{1'790'000'030'250}};
    r.measurement = m;
    finalize_reading(GatewayId{"gw-7"}, r);
    out.push_back(r);
  }
  return out;
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE(
    "schema evolution: v1 batch from a hub in the field -> every reading, same kind and values") {
  const std::string bytes = read_file(kV1Batch);
  REQUIRE(!bytes.empty());
  auto batch = decode_batch(bytes);
  REQUIRE_MESSAGE(batch, (batch ? "" : describe(batch.error())));
  CHECK(batch->rejected.empty());
  const auto expected = every_kind();
  REQUIRE(batch->readings.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(kind_name(expected[i].measurement));
    CHECK(kind_name(batch->readings[i].measurement) == kind_name(expected[i].measurement));
    CHECK(batch->readings[i] == expected[i]);
  }
}

// The reading as a hub on the new schema may send it: the typed measurement replaced by the
// generic one, every component with the table's key, unit and codes.
std::string as_generic(const Reading& r) {
  v1::Reading p;
  REQUIRE(p.ParseFromString(encode_reading(r)));
  const KindRow& row = kind_of(r.measurement);
  auto* g = p.mutable_generic();  // clears the typed member of the oneof
  g->set_kind(std::string(row.name));
  g->set_kind_mdc(row.code.mdc);
  for (const auto& v : component_values(r.measurement)) {
    const KindComponent* c = find_component(row, v.key);
    auto* part = g->add_components();
    part->set_key(std::string(v.key));
    auto* q = part->mutable_quantity();
    q->set_value(v.value);
    q->set_ucum(std::string(c->code.ucum));
    q->set_mdc_code(c->code.mdc);
    q->set_comparator(v.comparator == Comparator::kNone         ? v1::COMPARATOR_UNSPECIFIED
                      : v.comparator == Comparator::kBelowRange ? v1::COMPARATOR_BELOW_RANGE
                                                                : v1::COMPARATOR_ABOVE_RANGE);
  }
  return p.SerializeAsString();
}

TEST_CASE("schema evolution: generic measurement of each kind -> the typed reading") {
  for (auto r : every_kind()) {
    if (kind_of(r.measurement).fhir_shape == FhirShape::kImplant) continue;  // typed only
    CAPTURE(kind_name(r.measurement));
    if (auto* g = std::get_if<Glucose>(&r.measurement)) g->meal = MealMarker::kUnknown;
    if (auto* inr = std::get_if<Inr>(&r.measurement)) inr->strip_lot.reset();
    auto decoded = decode_reading(as_generic(r));
    REQUIRE_MESSAGE(decoded, (decoded ? "" : describe(decoded.error())));
    CHECK(*decoded == r);
  }
}

TEST_CASE("schema evolution: generic with unknown kind, wrong unit, code or key -> refused") {
  const Reading bp = every_kind()[0];
  auto edit = [&](auto change) {
    v1::Reading p;
    REQUIRE(p.ParseFromString(as_generic(bp)));
    change(*p.mutable_generic());
    return decode_reading(p.SerializeAsString());
  };
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) { g.set_kind("cholesterol"); }));
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) { g.set_kind("spo2"); }));  // keys of bp
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) { g.set_kind_mdc(160184); }));
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) {
    g.mutable_components(0)->mutable_quantity()->set_ucum("kPa");
  }));
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) {
    g.mutable_components(0)->mutable_quantity()->set_comparator(v1::COMPARATOR_ABOVE_RANGE);
  }));
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) {
    g.mutable_components()->RemoveLast();
    g.mutable_components(0)->set_key("kg");
  }));
  CHECK_FALSE(edit([](v1::GenericMeasurement& g) { *g.add_components() = g.components(0); }));
}

}  // namespace
TEST_CASE("schema evolution: v1 readings (no provenance field) decode as device readings") {
  auto batch = decode_batch(read_file(kV1Batch));
  REQUIRE(batch);
  REQUIRE_FALSE(batch->readings.empty());
  for (const auto& r : batch->readings) {
    CHECK(r.provenance.source == EntrySource::kDevice);
    CHECK(r.provenance.enterer_name.empty());
  }
  // And a device reading encoded today carries no provenance: the bytes old servers read.
  v1::Reading p;
  REQUIRE(p.ParseFromString(encode_reading(every_kind()[0])));
  CHECK_FALSE(p.has_provenance());
}

TEST_CASE("schema evolution: a typed-in reading keeps provenance and person, bad ones refused") {
  Reading r = every_kind()[2];  // INR
  r.provenance = Provenance{EntrySource::kManual, Enterer::kRelative, "Anna Virtanen"};
  auto back = decode_reading(encode_reading(r));
  REQUIRE(back);
  CHECK(back->provenance == r.provenance);
  CHECK(*back == r);

  auto with = [&](auto change) {
    v1::Reading q;
    REQUIRE(q.ParseFromString(encode_reading(r)));
    change(*q.mutable_provenance());
    return decode_reading(q.SerializeAsString());
  };
  // A source or enterer from a later schema is not shown as something it is not.
  CHECK_FALSE(with([](v1::Provenance& p) { p.set_source(static_cast<v1::EntrySource>(7)); }));
  CHECK_FALSE(with([](v1::Provenance& p) { p.set_enterer(static_cast<v1::Enterer>(9)); }));
  // A device reading names no person.
  CHECK_FALSE(with([](v1::Provenance& p) { p.set_source(v1::ENTRY_SOURCE_DEVICE); }));
  CHECK_FALSE(with([](v1::Provenance& p) { p.set_enterer_name("Anna\x1b[2J"); }));
  CHECK_FALSE(with([](v1::Provenance& p) { p.set_enterer_name(std::string(81, 'a')); }));
  CHECK(with([](v1::Provenance& p) { p.set_enterer_name(std::string(80, 'a')); }));
}

}  // namespace kotona::wire
