// The evidence database's schema, as a list of migrations. Version N of the
// schema is migrations 1..N applied in order; the database records its
// version in PRAGMA user_version. A migration is never edited once it has
// shipped: a change to the schema is a new migration at the end.
#pragma once

#include <string_view>
#include <vector>

namespace highport::store {

struct Migration {
  int version;             // the user_version after it ran
  std::string_view about;  // one line, for the log and the docs
  std::string_view sql;    // one or more statements
};

// Every migration, oldest first.
const std::vector<Migration>& Migrations();

// The version this build writes and reads.
int CurrentSchemaVersion();

}  // namespace highport::store
