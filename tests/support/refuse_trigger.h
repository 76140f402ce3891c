// A database trigger that refuses every reading of one device serial (both store backends):
// the "batch the database refuses" of the group commit tests (issue 15), a failure no check
// outside the transaction can foresee. Installed through a second connection to the store.
#pragma once

#include <string>

#include "core/result.h"

namespace kotona::test {

// On the store at `location` (SQLite path or PostgreSQL URI): an INSERT into readings of a row
// whose device_serial is `serial` fails ("refused by test"). Errors: kIo.
[[nodiscard]] Result<void> refuse_readings_of(const std::string& location,
                                              const std::string& serial);

}  // namespace kotona::test
