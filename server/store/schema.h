// The store's schema (schema.cpp): tables, indexes and the migrations of older databases.
// Called once by Store::open(); not thread-safe.
#pragma once

#include "server/store/database.h"

namespace kotona::server::store {

// Creates what is missing and migrates older databases, holding the schema lock meanwhile
// (several server instances may open one PostgreSQL database at once). Errors: kIo.
[[nodiscard]] Result<void> create_schema(Database& db);

}  // namespace kotona::server::store
