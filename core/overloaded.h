// Overloaded{lambda...}: one visitor out of several lambdas, for std::visit over the variants in
// Reading and Measurement. The deduction guide is for compilers without C++20 aggregate CTAD
// (clang before 17, used by tools/fuzz.sh).
#pragma once

namespace kotona {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace kotona
