// kotona-decode: runs a driver's session on captured device bytes and prints the readings as
// JSON lines (stdout) and the rejections (stderr). Exit 0 clean, 1 rejections, 2 usage.
#include <chrono>
#include <iostream>

#include "drivers/decode/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto now =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  return kotona::drivers::decode::run_decode(args, now, std::cout, std::cerr);
}
