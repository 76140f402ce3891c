// Runs tests/fhir/validate_fhir.py (Debian's python3-jsonschema, Draft 6) on FHIR JSON text
// against the official FHIR R4 JSON schema installed by npm into the build tree. Test-only.
#pragma once

#include <filesystem>
#include <string>

namespace kotona::test {

struct FhirValidation {
  int exit_code = -1;  // 0 valid, 1 invalid, other: the validator could not run
  std::string output;  // one line per error
};

// Writes `json_text` to `dir`/`name` and validates it (Bundles: every entry's resource too).
FhirValidation validate_fhir(const std::string& json_text, const std::filesystem::path& dir,
                             const std::string& name);

}  // namespace kotona::test
