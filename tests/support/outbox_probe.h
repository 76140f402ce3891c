// How many rows a hub's outbox holds, read from outside the gateway (a second, read-only SQLite
// connection): cross-component tests and the bench wait for it to reach 0.
#pragma once

#include <string>

namespace kotona::test {

// Rows in the `outbox` table of the database at `path`; -1 when it cannot be read.
long outbox_row_count(const std::string& path);

}  // namespace kotona::test
