#include "tests/fhir/schema_validator.h"

#include <fstream>

#include "tests/support/process.h"

namespace kotona::test {

FhirValidation validate_fhir(const std::string& json_text, const std::filesystem::path& dir,
                             const std::string& name) {
  auto file = dir / name;
  std::ofstream(file) << json_text;
  Child child({KOTONA_PYTHON3, KOTONA_FHIR_VALIDATOR, KOTONA_FHIR_SCHEMA, file.string()},
              dir / (name + ".validation.log"));
  eventually([&] { return !child.running(); }, std::chrono::seconds(120));
  FhirValidation out;
  out.exit_code = child.stop(std::chrono::seconds(1));
  out.output = child.log_text();
  return out;
}

}  // namespace kotona::test
