#pragma once

// The project database schema: an ordered list of migrations and the code that brings a
// database up to date. Private to core/src/data/project.

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "sqlite_database.h"

namespace fovea::core::schema {

// PRAGMA application_id of Fovea projects ("FVEA"), so that a SQLite file of another
// application is recognised as such instead of being migrated.
constexpr std::int32_t kApplicationId = 0x46564541;

// The migrations of this build, oldest first: migrations()[i] brings a database from schema
// version i to i + 1. Append only; never edit a released step.
const std::vector<std::string>& migrations();

// What a database file holds before anything is changed.
struct DatabaseIdentity {
    std::int64_t applicationId = 0;
    std::int64_t userVersion = 0;
    std::int64_t objectCount = 0;  // tables, indexes, ... in sqlite_schema
};

// Reads the identity with read-only queries (a file that is not a database fails here).
Result<DatabaseIdentity> readIdentity(sqlite::Database& db);

// Refuses databases this build must not touch: newer schema, another application's file.
Result<void> checkIdentity(const DatabaseIdentity& identity, const std::string& file,
                           int supportedVersion);

// Applies the pending `steps` (from the database's user_version on) and sets user_version and
// application_id, all in one transaction: a failed step leaves the database as it was.
Result<void> migrate(sqlite::Database& db, const std::vector<std::string>& steps);

}  // namespace fovea::core::schema
