// The FHIR R4 transaction Bundle a push sends (issue 19 part 2): the export's own resources
// (server/fhir: Patient, Devices, Observations, PHR-conformant) as POST entries, each with
// request.ifNoneExist on its official identifier, else its first (a Patient with a
// henkilötunnus: urn:oid:1.2.246.21|HETU; an Observation: urn:kotona:reading-uid|UID),
// so a Bundle sent twice creates nothing twice; references stay urn:uuid fullUrls, which the
// record system resolves inside the transaction. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "server/fhir/bundle.h"

namespace kotona::server::record {

struct TransactionBundle {
  std::string text;  // the Bundle's JSON
  // The reading uids with an Observation in it, in order.
  std::vector<std::string> observations;
  std::vector<std::string> excluded;  // control-solution results: nothing to push
};

// One Bundle for several patients' readings (each request: one patient, readings in storage
// order; Patient and Device entries once each). `conditional`: false only for the negative
// control (plain POSTs, duplicates on a retry). Errors: as fhir::build_everything_bundle (a
// reading that cannot be exported: kMalformed naming it).
[[nodiscard]] Result<TransactionBundle> make_transaction_bundle(
    const std::vector<fhir::ExportRequest>& patients, bool conditional = true);

// `system|value` for a FHIR token search, percent-encoded for a query string.
std::string token_query(std::string_view system, std::string_view value);

}  // namespace kotona::server::record
