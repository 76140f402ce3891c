// StoreFixture: a server store opened for one test case on the run's backend (SQLite file, or
// a fresh PostgreSQL database: store_location.h), with the enrolment lines it is seeded with,
// reopenable as a restart; enrolments() makes the usual seed (one patient's devices on one hub,
// open-ended). Header-only: links through the test's own kotona::server_store.
// One per test case; not thread-safe.
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/store.h"
#include "tests/support/process.h"
#include "tests/support/store_location.h"

namespace kotona::test {

// Enrolment lines binding each of `devices` on `gw` to `patient`, from the epoch, open-ended:
// e.g. StoreFixture(enrolments(kGw, {"BP1"}), kNow).
inline std::vector<server::store::Enrolment> enrolments(
    const GatewayId& gw, std::initializer_list<std::string_view> devices,
    std::string_view patient = "patient-1") {
  std::vector<server::store::Enrolment> lines;
  for (const auto device : devices) {
    lines.push_back({gw, DeviceSerial{std::string(device)}, PatientId{std::string(patient)},
                     HubTime{}, std::nullopt});
  }
  return lines;
}

struct StoreFixture {
  TempDir dir;
  std::string location = test_store_location(dir.path());
  std::unique_ptr<server::store::Store> store;
  std::vector<server::store::Enrolment> seed;
  HubTime seeded_at{};

  // Opens the store and seeds `enrol` (config enrolment lines, as of `at`).
  explicit StoreFixture(std::vector<server::store::Enrolment> enrol = {}, HubTime at = {})
      : seed(std::move(enrol)), seeded_at(at) {
    reopen();
  }
  // Closes and opens the store again (a server restart); the seed is idempotent.
  void reopen() {
    store.reset();
    auto opened = server::store::Store::open(location);
    // The message is read on failure and by `-s` on success too: never error() of a value.
    REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : describe(opened.error())));
    store = std::move(*opened);
    if (!seed.empty()) REQUIRE(store->patients().seed_enrolment(seed, seeded_at));
  }
  std::int64_t rows(std::string_view table) { return store->count_rows(table).value(); }
};

}  // namespace kotona::test
