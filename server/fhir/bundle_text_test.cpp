#include <doctest/doctest.h>

#include <algorithm>

#include "server/fhir/bundle.h"
#include "server/fhir/test_rows.h"
#include "server/store/json_text.h"

using namespace kotona;
using namespace kotona::server::fhir;

namespace {

// Every piece BundleText produces with `budget`, joined; `pieces` counts them.
std::string joined(BundleText text, std::size_t budget, int& pieces) {
  std::string all;
  std::string piece;
  pieces = 0;
  while (text.next(piece, budget)) {
    ++pieces;
    all += piece;
    piece.clear();
  }
  return all;
}

ExportRequest sample() {
  QualityFlags control;
  control.control_result = true;
  auto rows = testing::every_kind();
  rows.push_back(testing::row("INR1", "2", Inr{2.4, std::nullopt, std::nullopt}, control));
  auto moved = testing::row("BP1", "9", BloodPressure{120, 80, std::nullopt, 60.0});
  moved.gateway = GatewayId{"gw-2"};
  rows.push_back(moved);
  ExportRequest request{PatientId{"patient-1"}, rows, testing::kHubTime};
  request.henkilotunnus = "131052-308T";
  return request;
}

}  // namespace

TEST_CASE(
    "BundleText: pieces joined == the whole Bundle's text byte for byte, size() its "
    "length, whatever the piece size (issue 15: the export is streamed)") {
  for (const auto& request : {sample(), ExportRequest{PatientId{"patient-1"}, {}, std::nullopt}}) {
    auto whole = build_everything_bundle(request);
    REQUIRE(whole.has_value());
    const std::string expected = server::store::to_json_text(whole->bundle);
    for (std::size_t budget :
         {std::size_t{0}, std::size_t{1}, std::size_t{700}, std::size_t{64 * 1024}}) {
      auto text = BundleText::make(request);
      REQUIRE(text.has_value());
      CHECK(text->size() == expected.size());
      CHECK(text->stats().observations == whole->stats.observations);
      CHECK(text->stats().devices == whole->stats.devices);
      CHECK(text->stats().gateways == whole->stats.gateways);
      CHECK(text->stats().control_results_excluded == whole->stats.control_results_excluded);
      int pieces = 0;
      CHECK(joined(std::move(*text), budget, pieces) == expected);
      // A small budget really streams: one piece per observation (the first with the head,
      // the last with the end), never the whole at once.
      const auto observations = static_cast<int>(whole->stats.observations);
      if (budget <= 1) CHECK(pieces == std::max(observations, 1));
    }
  }
}

TEST_CASE(
    "BundleText: a row that cannot be exported -> make() fails before any byte, naming "
    "it (the export answers 500, never a truncated 200)") {
  auto request = sample();
  request.readings[2].values_json = "{\"ratio\":\"high\"}";
  auto text = BundleText::make(request);
  REQUIRE_FALSE(text.has_value());
  CHECK(text.error().detail.find("gw-1/INR1/r1/inr") != std::string::npos);
  request = sample();
  request.readings.back().patient = PatientId{"patient-2"};
  auto other = BundleText::make(request);
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == Errc::kIdentity);
}
