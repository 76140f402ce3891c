// kotona-admin's quarantine commands (issue 13): what the server holds back from storage, and
// releasing a held reading after its device was enrolled. Pure; thread-safe.
//   quarantine list [--gateway ID] [--reason REASON] [--held] [--limit N]
//   quarantine release ITEM_ID
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "admin/cli.h"
#include "core/result.h"

namespace kotona::admin {

// Fills inv.call from args[at..] (args[at] is the verb). Errors: kMalformed for the operator.
[[nodiscard]] Result<void> quarantine_command(const std::vector<std::string>& args, std::size_t at,
                                              Invocation& inv);

// GET /api/v1/quarantine's answer as a table, one item per line.
std::string quarantine_table(const boost::json::value& answer);
// POST .../release's answer: what became of the reading, and the alerts it raised.
std::string release_text(const boost::json::value& answer);

}  // namespace kotona::admin
