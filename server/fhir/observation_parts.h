// Internal to server/fhir: the pieces observation.cpp and implant_observation.cpp share (FHIR
// datatypes from the code tables) and the Observation's narrative (issue 19: the Finnish PHR
// profiles require `text` with everything a person needs, in the resource's `language`).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "core/kinds.h"
#include "core/result.h"
#include "server/fhir/bundle.h"
#include "server/store/types.h"

namespace kotona::server::fhir::detail {

// A stored reading's values object, with typed look-ups.
struct Values {
  const store::StoredReading& row;
  const boost::json::object& o;
  std::optional<double> number(std::string_view key) const;
  std::optional<std::string> text(std::string_view key) const;
};

// LOINC (with `text` as its display) first when the term has one, then MDC; `text` for people.
boost::json::object concept_of(const codes::Code& c, std::string_view text);
boost::json::object local_concept(std::string_view code, std::string_view text);
boost::json::object quantity(double value, std::string_view ucum);
boost::json::object component(const codes::Code& c, std::string_view text, double value);
// kMalformed naming the reading, its kind and what is missing.
Unexpected missing(const store::StoredReading& row, std::string_view what);

// The device's range indicator stored with a value ("<" or ">"), or "".
std::string comparator_of(const boost::json::object& o, std::string_view key);

// The narrative, in both languages until text() picks one: a title, then one line per item.
class Narrative {
 public:
  explicit Narrative(const Names& title) : title_(title) {}
  void line(std::string fi, std::string sv);
  // "<name>: <comparator><number><unit>", the number with a decimal comma.
  void value(const Names& name, const std::string& comparator, double number, const Names& unit);
  // Observation.text: status "generated", an XHTML div in `language` (every text escaped).
  boost::json::object text(NarrativeLanguage language) const;

 private:
  Names title_;
  std::vector<std::pair<std::string, std::string>> lines_;
};

// "> 8,0 mmHg": the range indicator, the number, the unit (a space before it when it has one).
std::string value_text(const std::string& comparator, double x, std::string_view unit);
// "5,4": the shortest text that reads back as `x`, with a decimal comma (Finnish, Swedish).
std::string decimal_comma(double x);
// The unit as people read it in the narrative: the table's unit text without its leading
// space ("mmHg", "°C", "" for a ratio).
Names unit_names(std::string_view unit_text);
// A narrative line built at run time, in both languages.
struct Texts {
  std::string fi;
  std::string sv;
};
// "Aika: 23.11.2026 klo 9.05 UTC" / "Tid: 23.11.2026 kl. 9.05 UTC", at the precision the device
// gave (a day: the date alone; an hour: "klo 9.00–9.59").
Texts time_texts(HubTime measured, TimePrecision precision);
// The sentence for a set quality flag, or nullopt for a flag with none.
std::optional<Names> quality_flag_names(std::string_view flag);

// The implant summary's code, components and narrative lines (implant_observation.cpp).
[[nodiscard]] Result<void> fill_implant(const Values& v, boost::json::object& obs,
                                        Narrative& narrative);

}  // namespace kotona::server::fhir::detail
