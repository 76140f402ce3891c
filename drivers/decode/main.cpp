// kotona-decode [--plugin PLUGIN.so]... ARGS: runs a driver's session on captured device bytes
// and prints the readings as JSON lines (stdout) and the rejections (stderr). Exit 0 clean,
// 1 rejections, 2 usage or a plugin that cannot be loaded (drivers/registry/plugins.h).
#include <chrono>
#include <iostream>

#include "drivers/decode/cli.h"
#include "drivers/registry/plugins.h"

int main(int argc, char** argv) {
  auto args = kotona::drivers::load_plugin_args({argv + 1, argv + argc});
  if (!args) {
    std::cerr << args.error().detail << '\n';
    return 2;
  }
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  return kotona::drivers::decode::run_decode(*args, now, std::cout, std::cerr);
}
