// FHIR R4 export of one patient's readings: a Bundle (type "collection") of one Patient, the
// Devices (home hub and measuring devices) and one Observation per reading, and the
// OperationOutcome for errors. Pure (no IO, no clock); thread-safe. Design: README.md.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "server/store/types.h"

namespace kotona::server::fhir {

inline constexpr std::string_view kFhirContentType = "application/fhir+json";

// The language of the Observations' `language` and narrative (issue 19): Finnish unless the
// patient's language is known to be Swedish.
enum class NarrativeLanguage { kFinnish, kSwedish };
// "fi" / "sv" (BCP 47, from the FHIR languages value set).
std::string_view language_code(NarrativeLanguage language);

struct ExportRequest {
  PatientId patient;
  std::vector<store::StoredReading> readings;  // this patient's, in the order to export
  std::optional<HubTime> generated_at;         // Bundle.timestamp when present
  // From the patient register, when known: Patient.identifier urn:oid:1.2.246.21 (the Finnish
  // personal identity code) and Patient.name.text.
  std::optional<std::string> henkilotunnus = std::nullopt;
  std::optional<std::string> display_name = std::nullopt;
  // The register's patient language: Swedish for "sv", else Finnish (fhir_routes.cpp).
  NarrativeLanguage language = NarrativeLanguage::kFinnish;
};

// The FHIR identifier system of the Finnish personal identity code (henkilötunnus).
inline constexpr std::string_view kHenkilotunnusSystem = "urn:oid:1.2.246.21";

struct ExportStats {
  std::size_t observations = 0;
  std::size_t devices = 0;   // measuring devices (one per gateway + serial)
  std::size_t gateways = 0;  // home hubs
  std::size_t control_results_excluded = 0;
};

struct Export {
  boost::json::object bundle;
  ExportStats stats;
};

// The Bundle for `request`. Control-solution results (quality control_result) are left out
// and counted. Errors (the whole export fails rather than leave a reading out silently):
// kIdentity when a reading belongs to another patient; kMalformed naming the reading uid
// when its kind is unknown or its values/quality JSON lacks what the kind needs.
[[nodiscard]] Result<Export> build_everything_bundle(const ExportRequest& request);

// The same Bundle as text (byte for byte to_json_text(build_everything_bundle().bundle)),
// produced piece by piece so that a large export is never held whole in memory (issue 15:
// 205 MB of server RSS after a 10k-reading export).
class BundleText {
 public:
  // Checks every row first: errors as build_everything_bundle(), before any byte is produced.
  [[nodiscard]] static Result<BundleText> make(ExportRequest request);
  // Bytes of the whole text (Content-Length).
  std::size_t size() const { return size_; }
  const ExportStats& stats() const { return stats_; }
  // Appends the next piece to `out`: observations until `out` holds at least `budget` bytes
  // (one observation may pass it). False, appending nothing, once everything was produced.
  bool next(std::string& out, std::size_t budget);

 private:
  BundleText() = default;
  ExportRequest request_;
  ExportStats stats_;
  std::string head_;  // the Bundle up to its first Observation; emptied once produced
  std::size_t size_ = 0;
  std::size_t next_row_ = 0;
  bool done_ = false;
};

// One Observation for one stored reading (references as urn:uuid of name_uuid()), its text in
// `language`. Errors as build_everything_bundle().
[[nodiscard]] Result<boost::json::object> make_observation(
    const store::StoredReading& reading, NarrativeLanguage language = NarrativeLanguage::kFinnish);

// OperationOutcome with one error issue; `code` from the FHIR IssueType value set
// ("invalid", "not-found", "exception", "too-costly", ...).
boost::json::object make_operation_outcome(std::string_view code, std::string_view diagnostics);

// urn:uuid references (Bundle.entry.fullUrl) of the resources in the Bundle; the resource's id
// is the UUID after the prefix. Deterministic: the same in every export (uuid.h).
inline constexpr std::string_view kUrnUuid = "urn:uuid:";
std::string patient_ref(const PatientId& patient);
std::string observation_ref(const ReadingUid& reading);
std::string gateway_ref(const GatewayId& gateway);
std::string device_ref(const GatewayId& gateway, const DeviceSerial& serial);

}  // namespace kotona::server::fhir
