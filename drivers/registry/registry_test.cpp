#include "drivers/registry/registry.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/kinds.h"

namespace kotona::drivers {
namespace {

TEST_CASE("registry: every driver -> unique name") {
  std::set<std::string_view> names;
  for (const DriverDescriptor* d : all_drivers()) {
    CAPTURE(d->name);
    CHECK(names.insert(d->name).second);
  }
}

TEST_CASE("registry: match rules -> no BLE service or serial by-id pattern claimed twice") {
  std::set<std::uint16_t> services;
  std::set<std::string> patterns;
  for (const DriverDescriptor* d : all_drivers()) {
    CAPTURE(d->name);
    for (const BleMatch& ble : d->ble) CHECK(services.insert(ble.service_uuid16).second);
    for (const SerialMatch& serial : d->serial) {
      if (serial.by_id_pattern.empty()) continue;  // matched by config only
      CHECK(patterns.insert(serial.by_id_pattern).second);
    }
  }
}

TEST_CASE("registry: USB HID ids -> each claimed by one driver, the Contour ids by astm_glucose") {
  std::set<std::uint32_t> ids;
  for (const DriverDescriptor* d : all_drivers()) {
    CAPTURE(d->name);
    for (const UsbHidMatch& m : d->usb_hid) {
      CHECK(ids.insert(std::uint32_t{m.vendor_id} << 16 | m.product_id).second);
    }
  }
  const DriverDescriptor* glucose = find_driver("astm_glucose");
  REQUIRE(glucose != nullptr);
  CHECK(glucose->usb_hid.size() == 2);  // Contour USB 1a79:6002, Contour Next USB 1a79:7410
}

TEST_CASE("registry: every driver -> has a version and a session factory") {
  for (const DriverDescriptor* d : all_drivers()) {
    CAPTURE(d->name);
    CHECK_FALSE(d->version.empty());
    const bool has_factory = d->make_session != nullptr;
    REQUIRE(has_factory);
    CHECK(d->make_session(SessionContext{"test"}) != nullptr);
  }
}

TEST_CASE(
    "registry: every driver -> names the kind of meter by a core kind (the hub page's label)") {
  for (const DriverDescriptor* d : all_drivers()) {
    CAPTURE(d->name);
    CHECK(find_kind(d->kind) != nullptr);
  }
  CHECK(find_driver("astm_inr")->kind == "inr");
  CHECK(find_driver("implant_relay")->kind == "implant");
}

TEST_CASE("registry: astm_bp -> present, serial at 9600 baud") {
  const DriverDescriptor* d = find_driver("astm_bp");
  REQUIRE(d != nullptr);
  CHECK(d->name == "astm_bp");
  REQUIRE(d->serial.size() == 1);
  CHECK(d->serial[0].baud == 9600);
}

TEST_CASE("registry: unknown name -> nullptr") { CHECK(find_driver("no_such_driver") == nullptr); }

}  // namespace
}  // namespace kotona::drivers
