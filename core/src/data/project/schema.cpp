#include "schema.h"

namespace fovea::core::schema {

const std::vector<std::string>& migrations() {
    // Paths are stored relative to the project folder when inside it (see project_paths.h).
    // Splits are spelled as in folders and CSV files so the database reads well in sqlite3.
    static const std::vector<std::string> steps = {
        // 1: the first schema.
        R"sql(
CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    colour TEXT NOT NULL
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    class_id INTEGER REFERENCES classes (id) ON DELETE SET NULL,
    split TEXT CHECK (split IN ('train', 'val', 'test')),
    excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
    missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    file_size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX images_by_class ON images (class_id);
CREATE TABLE import_roots (
    path TEXT PRIMARY KEY,
    layout TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
        // 2: a model's suggested label per unlabeled image (ProjectStore::setSuggestions), and
        // its place in the "Label next" order. Dropped with its image or class.
        R"sql(
CREATE TABLE suggestions (
    image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    margin REAL NOT NULL CHECK (margin >= 0 AND margin <= 1),
    entropy REAL NOT NULL CHECK (entropy >= 0),
    model TEXT NOT NULL,
    label_order INTEGER
);
CREATE INDEX suggestions_by_class ON suggestions (class_id);
)sql",
        // 3: detection projects (issue 24). The task lives in a one-row table rather than in
        // settings, which are free-form and may be edited; every project made before this step
        // is a classification project. Boxes are in pixels of the upright image (after EXIF
        // orientation), rows in drawing order by id. A box goes with its image; a class that
        // boxes use is deleted with them explicitly (ProjectStore::deleteClass), the RESTRICT
        // only guards against a forgotten path. `annotated` tells a background image (annotated,
        // no boxes) from one nobody has looked at.
        R"sql(
CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    task TEXT NOT NULL CHECK (task IN ('classification', 'detection'))
);
INSERT INTO project (id, task) VALUES (1, 'classification');
ALTER TABLE images ADD COLUMN annotated INTEGER NOT NULL DEFAULT 0 CHECK (annotated IN (0, 1));
CREATE TABLE boxes (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE RESTRICT,
    x REAL NOT NULL,
    y REAL NOT NULL,
    w REAL NOT NULL CHECK (w > 0),
    h REAL NOT NULL CHECK (h > 0),
    crowd INTEGER NOT NULL DEFAULT 0 CHECK (crowd IN (0, 1)),
    difficult INTEGER NOT NULL DEFAULT 0 CHECK (difficult IN (0, 1))
);
CREATE INDEX boxes_by_image ON boxes (image_id);
CREATE INDEX boxes_by_class ON boxes (class_id);
)sql",
    };
    return steps;
}

Result<DatabaseIdentity> readIdentity(sqlite::Database& db) {
    DatabaseIdentity identity;
    auto applicationId = db.queryInt("PRAGMA application_id");
    if (!applicationId) return applicationId.error();
    identity.applicationId = applicationId.value();
    auto userVersion = db.queryInt("PRAGMA user_version");
    if (!userVersion) return userVersion.error();
    identity.userVersion = userVersion.value();
    auto objects = db.queryInt("SELECT count(*) FROM sqlite_master");
    if (!objects) return objects.error();
    identity.objectCount = objects.value();
    return identity;
}

Result<void> checkIdentity(const DatabaseIdentity& identity, const std::string& file,
                           int supportedVersion) {
    const bool ours = identity.applicationId == kApplicationId;
    const bool blank =
        identity.applicationId == 0 && identity.userVersion == 0 && identity.objectCount == 0;
    if (!ours && !blank) {
        return Error{file + " is a SQLite database of another application, not a Fovea project"};
    }
    if (identity.userVersion > supportedVersion) {
        return Error{file + " was written by a newer Fovea (schema " +
                     std::to_string(identity.userVersion) + ", this build reads up to " +
                     std::to_string(supportedVersion) +
                     "); it was left untouched. Open it with a newer Fovea."};
    }
    if (identity.userVersion < 0) {
        return Error{file + " has an invalid schema version " +
                     std::to_string(identity.userVersion)};
    }
    return {};
}

Result<void> migrate(sqlite::Database& db, const std::vector<std::string>& steps) {
    auto transaction = sqlite::Transaction::begin(db);
    if (!transaction) return transaction.error();
    // Read again under the write lock: another process may have migrated in the meantime.
    auto version = db.queryInt("PRAGMA user_version");
    if (!version) return version.error();
    const auto target = static_cast<std::int64_t>(steps.size());
    if (version.value() > target) {
        return Error{db.file().string() + " was written by a newer Fovea (schema " +
                     std::to_string(version.value()) + ", this build reads up to " +
                     std::to_string(target) + "); it was left untouched"};
    }
    if (version.value() == target) return {};  // rolled back: nothing to do
    for (auto step = version.value(); step < target; ++step) {
        if (auto applied = db.exec(steps[static_cast<std::size_t>(step)]); !applied) {
            return Error{"Could not upgrade " + db.file().string() + " to schema " +
                         std::to_string(step + 1) + ": " + applied.error().message};
        }
    }
    // Pragmas take no parameters; both values are numbers this code formats.
    if (auto set = db.exec("PRAGMA user_version = " + std::to_string(target) +
                           "; PRAGMA application_id = " + std::to_string(kApplicationId));
        !set) {
        return set.error();
    }
    return transaction.value().commit();
}

}  // namespace fovea::core::schema
