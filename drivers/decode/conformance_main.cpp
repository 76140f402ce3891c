// kotona-conformance [--plugin PLUGIN.so]... DRIVER DIR [--write]: the conformance kit runner
// (README.md). Each "<driver>: conformance" ctest runs it over drivers/<driver>/testdata; an
// out-of-tree driver (kotona_driver_target, drivers/registry/plugins.h) is loaded with --plugin.
#include <iostream>

#include "drivers/decode/cli.h"
#include "drivers/registry/plugins.h"

int main(int argc, char** argv) {
  auto args = kotona::drivers::load_plugin_args({argv + 1, argv + argc});
  if (!args) {
    std::cerr << args.error().detail << '\n';
    return 2;
  }
  return kotona::drivers::decode::run_conformance(*args, std::cout, std::cerr);
}
