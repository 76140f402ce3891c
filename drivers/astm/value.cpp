#include "drivers/astm/value.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "drivers/astm/message.h"

namespace kotona::drivers::astm {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == y;
         });
}

// R.7 as a comparator; nullopt for a flag LIS2-A2 §10.1.7 does not define.
std::optional<Comparator> flag_comparator(std::string_view flag) {
  if (flag == "<") return Comparator::kBelowRange;
  if (flag == ">") return Comparator::kAboveRange;
  static constexpr std::string_view kReferenceFlags[] = {"",  "N", "L", "H", "LL", "HH",
                                                         "A", "U", "D", "B", "W"};
  if (std::find(std::begin(kReferenceFlags), std::end(kReferenceFlags), flag) !=
      std::end(kReferenceFlags)) {
    return Comparator::kNone;
  }
  return std::nullopt;
}

// The value text alone: number, "<n" / ">n", or LO / HI.
std::optional<RangedValue> parse_text(std::string_view text, const MeasuringRange& range) {
  if (equals_ignoring_case(text, "HI") || equals_ignoring_case(text, "HIGH")) {
    return RangedValue{range.high, Comparator::kAboveRange};
  }
  if (equals_ignoring_case(text, "LO") || equals_ignoring_case(text, "LOW")) {
    return RangedValue{range.low, Comparator::kBelowRange};
  }
  Comparator comparator = Comparator::kNone;
  if (!text.empty() && (text.front() == '<' || text.front() == '>')) {
    comparator = text.front() == '<' ? Comparator::kBelowRange : Comparator::kAboveRange;
    text.remove_prefix(1);
  }
  const auto number = parse_number(text);
  if (!number) return std::nullopt;
  return RangedValue{*number, comparator};
}

}  // namespace

Result<RangedValue> parse_ranged_value(std::string_view text, std::string_view flag,
                                       const MeasuringRange& range) {
  const auto from_flag = flag_comparator(flag);
  if (!from_flag) return fail(Errc::kMalformed, "R.7 flag '" + std::string(flag) + "'");
  auto value = parse_text(text, range);
  if (!value) return fail(Errc::kMalformed, "value '" + std::string(text) + "'");
  if (*from_flag == Comparator::kNone) return *value;
  if (value->comparator != Comparator::kNone && value->comparator != *from_flag) {
    return fail(Errc::kMalformed,
                "value '" + std::string(text) + "' contradicts R.7 '" + std::string(flag) + "'");
  }
  value->comparator = *from_flag;
  return *value;
}

}  // namespace kotona::drivers::astm
