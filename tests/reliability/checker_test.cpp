#include "tests/reliability/checker.h"

#include <doctest/doctest.h>

using namespace kotona::reliability;

namespace {

const std::map<std::string, std::string> kEnrolment{{"BP1", "patient-1"}, {"BP2", "patient-2"}};

StoredRow row(const std::string& serial, int record, const std::string& patient,
              const std::string& gateway = "gw") {
  return {"gw/" + serial + "/r" + std::to_string(record) + "/bp", patient, gateway};
}

}  // namespace

TEST_CASE("check: every ledger reading stored once, right patient -> ok") {
  auto s = check("gw", {{"BP1", "1"}, {"BP2", "1"}},
                 {row("BP1", 1, "patient-1"), row("BP2", 1, "patient-2"), row("BP1", 2, "patient-1")},
                 kEnrolment);
  CHECK(s.ok());
  CHECK(s.emitted == 2);
  CHECK(s.stored == 3);
  CHECK(s.unledgered == 1);
}

TEST_CASE("check: ledger reading missing -> lost") {
  auto s = check("gw", {{"BP1", "1"}, {"BP1", "2"}}, {row("BP1", 1, "patient-1")}, kEnrolment);
  CHECK_FALSE(s.ok());
  CHECK(s.lost == 1);
  CHECK(s.examples.at(0) == "lost gw/BP1/r2/bp");
}

TEST_CASE("check: same uid stored twice -> duplicated") {
  auto s = check("gw", {{"BP1", "1"}}, {row("BP1", 1, "patient-1"), row("BP1", 1, "patient-1")},
                 kEnrolment);
  CHECK(s.duplicated == 1);
  CHECK_FALSE(s.ok());
}

TEST_CASE("check: other patient, other gateway, unknown serial -> misattributed") {
  auto s = check("gw", {}, {row("BP1", 1, "patient-2"), row("BP2", 1, "patient-2", "gw-x"),
                            row("BP9", 1, "patient-1")},
                 kEnrolment);
  CHECK(s.misattributed == 3);
  CHECK_FALSE(s.ok());
}
