// kotona-conformance DRIVER DIR [--write]: the conformance kit runner (README.md). Each
// "<driver>: conformance" ctest runs it over drivers/<driver>/testdata.
#include <iostream>

#include "drivers/decode/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return kotona::drivers::decode::run_conformance(args, std::cout, std::cerr);
}
