// ASTM E1394 / CLSI LIS2-A2 records: split one record's text into fields, repeats and
// components with the delimiters the H record declares, and undo escape sequences. Pure;
// thread-safe. Record semantics (which field means what) belong to each driver.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kotona::drivers::astm {

// LIS2-A2 §7.1.3: declared by characters 2..5 of the H record, e.g. "H|\^&".
struct Delimiters {
  char field = '|';
  char repeat = '\\';
  char component = '^';
  char escape = '&';
  friend bool operator==(const Delimiters&, const Delimiters&) = default;
};

// One record. Fields are numbered as in LIS2-A2: field(1) is the record type ("R"),
// field(2) the sequence number, and so on. Text is already unescaped.
struct Record {
  using Components = std::vector<std::string>;
  using Field = std::vector<Components>;  // repeats of a field

  char type = 0;                           // 'H', 'P', 'O', 'R', 'C' or 'L'
  std::vector<Field> fields;               // fields[0] is the type field

  std::size_t field_count() const { return fields.size(); }
  // Component `component` of repeat `repeat` of field `field` (all 1-based), or "" when the
  // record has no such part. For H, field(2) is the delimiter definition, kept verbatim.
  std::string_view component(std::size_t field, std::size_t component = 1,
                             std::size_t repeat = 1) const;
  friend bool operator==(const Record&, const Record&) = default;
};

// The delimiters an H record declares (LIS2-A2 §7.1.3, §8.1.2). `text` starts with 'H'.
// Errors: kTruncated when shorter than 5 characters; kMalformed when it is not an H record or
// the four delimiters are not distinct printable non-alphanumeric characters.
[[nodiscard]] Result<Delimiters> parse_delimiters(std::string_view text);

// One record's text (without its terminating CR; a trailing CR is ignored). Escape sequences
// &F& &S& &R& &E& (with the declared escape character) become the delimiter they stand for;
// other escape sequences (&H&, &Xhh&, ...) are kept verbatim.
// Errors (offset = byte in `text`): kTruncated for empty text or an unterminated escape
// sequence; kUnsupported for record types other than H P O R C L; kMalformed when the type
// field is not one character.
[[nodiscard]] Result<Record> parse_record(std::string_view text, const Delimiters& delimiters);

}  // namespace kotona::drivers::astm
