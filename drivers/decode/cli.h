// The kotona-decode and kotona-conformance command lines as functions, so tests can run them
// without a process. They read the files named on the command line; nothing else. Not
// thread-safe (one call at a time per stream).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/reading.h"

namespace kotona::drivers::decode {

// kotona-decode DRIVER [--hub-time ISO] [--gateway-id ID] (HEX... | --file FRAMES.hex)
// Readings go to `out` as JSON lines; rejections to `err` as "error: <code> at byte N: detail".
// Returns 0 when every byte decoded cleanly, 1 when anything was rejected, 2 for a usage error
// (unknown driver: the known ones are listed). `now` is the hub time without --hub-time.
int run_decode(const std::vector<std::string>& args, HubTime now, std::ostream& out,
               std::ostream& err);

// kotona-conformance DRIVER DIR [--write]: checks (or with --write, rewrites) DIR/X.json for
// every DIR/X.hex. Prints "ok X" or "FAIL X: ..." per case to `out`. Returns 0 when every case
// matched (and there was at least one), 1 otherwise, 2 for a usage error.
int run_conformance(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace kotona::drivers::decode
