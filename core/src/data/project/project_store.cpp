// ProjectStore: opening and creating, images, settings. Classes and imports are in
// project_store_classes.cpp and project_store_import.cpp.

#include "fovea/core/project/project_store.h"

#include <system_error>
#include <unordered_map>

#include "project_paths.h"
#include "project_store_impl.h"
#include "schema.h"
#include "sqlite_database.h"

namespace fovea::core {
namespace fs = std::filesystem;

namespace store {

std::optional<Split> splitFromColumn(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return parseSplitName(*text);
}

std::optional<std::string> splitColumn(std::optional<Split> split) {
    if (!split) return std::nullopt;
    return std::string(splitName(*split));
}

}  // namespace store

namespace {

using store::requireClass;
using store::splitColumn;
using store::splitFromColumn;

// Another writer (a second window, a worker thread) holds the lock for milliseconds; waiting
// this long means something is stuck, and the user gets an error instead of a frozen app.
constexpr int kBusyTimeoutMs = 5000;

// Images with their suggestion, if any (schema step 2), and their box count (step 3; an index
// lookup per row): every column named by its table.
const char* const kImageColumns =
    "images.id, images.path, images.class_id, images.split, images.excluded, images.missing, "
    "images.error, images.width, images.height, images.file_size, images.mtime_ns, "
    "suggestions.class_id, suggestions.confidence, images.annotated, "
    "(SELECT count(*) FROM boxes WHERE boxes.image_id = images.id)";
const char* const kImagesWithSuggestions =
    " FROM images LEFT JOIN suggestions ON suggestions.image_id = images.id";

// Runs `statement` once per id with the id bound to parameter `idParameter` (other parameters
// bound once by the caller stay bound). An id that matches no image refuses the whole change.
Result<void> updateEach(sqlite::Database& db, sqlite::Statement& statement, int idParameter,
                        const std::vector<ImageId>& ids) {
    for (ImageId id : ids) {
        statement.bind(idParameter, id);
        if (auto done = statement.run(); !done) return done;
        if (db.changes() == 0) {
            return Error{"image " + std::to_string(id) + " is not in the project"};
        }
    }
    return {};
}

ImageRecord readImage(const sqlite::Statement& row, const fs::path& directory) {
    ImageRecord record;
    record.id = row.columnInt64(0);
    record.path = paths::fromStored(row.columnText(1), directory);
    record.classId = row.columnOptionalInt64(2);
    record.split = splitFromColumn(row.columnOptionalText(3));
    record.excluded = row.columnInt64(4) != 0;
    record.missing = row.columnInt64(5) != 0;
    record.error = row.columnOptionalText(6);
    record.width = static_cast<int>(row.columnInt64(7));
    record.height = static_cast<int>(row.columnInt64(8));
    record.fileSize = static_cast<std::uintmax_t>(row.columnInt64(9));
    record.mtimeNs = row.columnInt64(10);
    if (!record.classId && !row.columnIsNull(11)) {
        record.suggestion = SuggestedLabel{row.columnInt64(11), row.columnDouble(12)};
    }
    record.annotated = row.columnInt64(13) != 0;
    record.boxCount = row.columnInt64(14);
    return record;
}

// The WHERE clause of a filter and its parameters, bound in order.
struct WhereClause {
    std::string sql;
    std::vector<std::int64_t> integers;   // bound first, in order
    std::vector<std::string> texts;       // bound after the integers
    std::optional<double> minConfidence;  // bound as ?92
};

void addRequire(std::string& sql, Require require, const char* yes, const char* no) {
    if (require == Require::Any) return;
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += require == Require::Yes ? yes : no;
}

// Integers and texts get separate, ordered placeholders (?1.. for integers, then texts) so the
// clause can be assembled in any order.
WhereClause whereClause(const ImageFilter& filter) {
    WhereClause where;
    auto add = [&](const std::string& condition) {
        where.sql += where.sql.empty() ? " WHERE " : " AND ";
        where.sql += condition;
    };
    if (filter.classId) {
        where.integers.push_back(*filter.classId);
        add("images.class_id = ?" + std::to_string(where.integers.size()));
    }
    if (filter.boxClassId) {
        where.integers.push_back(*filter.boxClassId);
        add("EXISTS (SELECT 1 FROM boxes WHERE boxes.image_id = images.id AND boxes.class_id = ?" +
            std::to_string(where.integers.size()) + ")");
    }
    addRequire(where.sql, filter.labeled, "images.class_id IS NOT NULL", "images.class_id IS NULL");
    addRequire(where.sql, filter.annotated, "images.annotated = 1", "images.annotated = 0");
    addRequire(where.sql, filter.hasSplit, "images.split IS NOT NULL", "images.split IS NULL");
    addRequire(where.sql, filter.excluded, "images.excluded = 1", "images.excluded = 0");
    addRequire(where.sql, filter.missing, "images.missing = 1", "images.missing = 0");
    addRequire(where.sql, filter.hasError, "images.error IS NOT NULL", "images.error IS NULL");
    if (filter.suggested != Require::Any) {
        where.minConfidence = filter.minSuggestionConfidence;
        const char* suggested =
            "(images.class_id IS NULL AND suggestions.confidence IS NOT NULL AND "
            "suggestions.confidence >= ?92)";
        add(filter.suggested == Require::Yes ? std::string(suggested)
                                             : std::string("NOT ") + suggested);
    }
    // Text placeholders are numbered from 100 to stay clear of the integer ones.
    if (filter.split) {
        where.texts.push_back(splitName(*filter.split));
        add("images.split = ?" + std::to_string(99 + where.texts.size()));
    }
    if (!filter.pathContains.empty()) {
        where.texts.push_back(filter.pathContains);
        add("instr(images.path, ?" + std::to_string(99 + where.texts.size()) + ") > 0");
    }
    return where;
}

void bindWhere(sqlite::Statement& statement, const WhereClause& where) {
    for (std::size_t i = 0; i < where.integers.size(); ++i) {
        statement.bind(static_cast<int>(i + 1), where.integers[i]);
    }
    for (std::size_t i = 0; i < where.texts.size(); ++i) {
        statement.bind(static_cast<int>(100 + i), std::string_view(where.texts[i]));
    }
    if (where.minConfidence) statement.bind(92, *where.minConfidence);
}

const char* orderBy(ImageOrder order) {
    return order == ImageOrder::LabelNext
               ? " ORDER BY suggestions.label_order IS NULL, suggestions.label_order, images.id"
               : " ORDER BY images.id";
}

void removeDatabaseFiles(const fs::path& file) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        fs::remove(fs::path(file.string() + suffix), ec);
    }
}

}  // namespace

ProjectStore::ProjectStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
ProjectStore::ProjectStore(ProjectStore&&) noexcept = default;
ProjectStore& ProjectStore::operator=(ProjectStore&&) noexcept = default;
ProjectStore::~ProjectStore() = default;

int ProjectStore::schemaVersion() { return static_cast<int>(schema::migrations().size()); }

Result<ProjectStore> ProjectStore::create(const fs::path& dir, ProjectTask task) {
    return openOrCreate(dir, true, task);
}

Result<ProjectStore> ProjectStore::open(const fs::path& dir) {
    return openOrCreate(dir, false, ProjectTask::Classification);
}

bool ProjectStore::exists(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / kProjectDatabaseName, ec);
}

Result<ProjectStore> ProjectStore::openOrCreate(const fs::path& dir, bool create,
                                                ProjectTask task) {
    const fs::path folder = paths::normalisedAbsolute(dir);
    const fs::path file = folder / kProjectDatabaseName;
    std::error_code ec;
    if (create) {
        fs::create_directories(folder, ec);
        if (ec) {
            return Error{"Cannot create the project folder " + folder.string() + ": " +
                         ec.message()};
        }
        if (fs::exists(file, ec)) {
            return Error{folder.string() + " already holds a Fovea project; open it instead"};
        }
    } else {
        if (!fs::exists(folder, ec)) {
            return Error{"Project folder " + folder.string() + " does not exist"};
        }
        if (!fs::is_directory(folder, ec)) {
            return Error{folder.string() + " is not a folder; a project is a folder holding " +
                         kProjectDatabaseName};
        }
        if (!fs::exists(file, ec)) {
            return Error{folder.string() + " is not a Fovea project (it has no " +
                         kProjectDatabaseName + ")"};
        }
        if (!fs::is_regular_file(file, ec)) {
            return Error{file.string() + " is not a file, so not a Fovea project database"};
        }
    }

    auto opened = sqlite::Database::open(file, create);
    if (!opened) return opened.error();
    auto impl = std::make_unique<Impl>();
    impl->directory = folder;
    impl->db = std::move(opened).value();
    sqlite::Database& db = impl->db;

    // A failed create leaves no half-made project behind that would block the next attempt.
    auto fail = [&](Error error) -> Result<ProjectStore> {
        if (create) {
            impl.reset();
            removeDatabaseFiles(file);
        }
        return error;
    };

    sqlite3_busy_timeout(db.handle(), kBusyTimeoutMs);
    // Only read-only queries until the identity is checked: a newer Fovea's or another
    // application's database must be left exactly as it is.
    auto identity = schema::readIdentity(db);
    if (!identity) {
        if ((sqlite3_errcode(db.handle()) & 0xff) == SQLITE_NOTADB) {
            return fail(Error{file.string() + " is not a SQLite database, so not a Fovea project "
                                              "(SQLite says: file is not a database)"});
        }
        return fail(Error{"Cannot read " + file.string() + ": " + identity.error().message});
    }
    if (auto checked = schema::checkIdentity(identity.value(), file.string(), schemaVersion());
        !checked) {
        return fail(checked.error());
    }

    // WAL: readers (the UI) never block the writer and a commit appends to one file.
    // Some filesystems (network shares) cannot hold a WAL; SQLite then keeps the rollback
    // journal, which is as durable, so that is not an error.
    if (auto mode = db.queryText("PRAGMA journal_mode = WAL"); !mode) {
        return fail(Error{"Cannot open " + file.string() + ": " + mode.error().message});
    }
    // synchronous=FULL syncs the WAL at every commit: an acknowledged label change survives a
    // power cut, not only a crash of Fovea (NORMAL would only guarantee the latter).
    if (auto set = db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"); !set) {
        return fail(Error{"Cannot open " + file.string() + ": " + set.error().message});
    }
    if (auto migrated = schema::migrate(db, schema::migrations()); !migrated) {
        return fail(migrated.error());
    }
    // The migrations make every database a classification project; a new detection project is
    // switched right after (a failure removes the file, so none is left half-made).
    if (create && task == ProjectTask::Detection) {
        if (auto set = db.exec("UPDATE project SET task = 'detection'"); !set) {
            return fail(Error{"Cannot create the project: " + set.error().message});
        }
    }
    auto stored = store::readTask(db);
    if (!stored) return fail(Error{"Cannot read " + file.string() + ": " + stored.error().message});
    impl->task = stored.value();
    return ProjectStore(std::move(impl));
}

const fs::path& ProjectStore::directory() const { return m_impl->directory; }

fs::path ProjectStore::databasePath() const { return m_impl->db.file(); }

ProjectTask ProjectStore::projectTask() const { return m_impl->task; }

// --- Images ---

Result<std::vector<ImageRecord>> ProjectStore::images(const ImageFilter& filter) const {
    const WhereClause where = whereClause(filter);
    auto statement =
        m_impl->db.prepare(std::string("SELECT ") + kImageColumns + kImagesWithSuggestions +
                           where.sql + orderBy(filter.order) + " LIMIT ?90 OFFSET ?91");
    bindWhere(statement, where);
    statement.bind(90, filter.limit == 0 ? std::int64_t{-1} : std::int64_t(filter.limit));
    statement.bind(91, static_cast<std::int64_t>(filter.offset));
    std::vector<ImageRecord> records;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the images: " + row.error().message};
        if (!row.value()) break;
        records.push_back(readImage(statement, m_impl->directory));
    }
    return records;
}

Result<ImageRecord> ProjectStore::image(ImageId id) const {
    auto statement = m_impl->db.prepare(std::string("SELECT ") + kImageColumns +
                                        kImagesWithSuggestions + " WHERE images.id = ?");
    statement.bind(1, id);
    auto row = statement.step();
    if (!row) return Error{"Cannot read image " + std::to_string(id) + ": " + row.error().message};
    if (!row.value()) return Error{"Image " + std::to_string(id) + " is not in the project"};
    return readImage(statement, m_impl->directory);
}

Result<std::int64_t> ProjectStore::imageCount(const ImageFilter& filter) const {
    const WhereClause where = whereClause(filter);
    auto statement =
        m_impl->db.prepare(std::string("SELECT count(*) FROM (SELECT images.id") +
                           kImagesWithSuggestions + where.sql + " LIMIT ?90 OFFSET ?91)");
    bindWhere(statement, where);
    statement.bind(90, filter.limit == 0 ? std::int64_t{-1} : std::int64_t(filter.limit));
    statement.bind(91, static_cast<std::int64_t>(filter.offset));
    auto row = statement.step();
    if (!row) return Error{"Cannot count the images: " + row.error().message};
    return statement.columnInt64(0);
}

Result<std::vector<ClassCounts>> ProjectStore::classCounts() const {
    auto classList = classes();
    if (!classList) return classList.error();
    // One row per (class, image): an image's label, or in a detection project each class it has
    // boxes of, plus a NULL class for each image not annotated yet.
    const char* const kClassificationRows =
        "SELECT class_id, split, excluded, missing, error "
        "FROM images";
    const char* const kDetectionRows =
        "SELECT labels.class_id, split, excluded, missing, error FROM images JOIN "
        "(SELECT DISTINCT image_id, class_id FROM boxes) AS labels ON labels.image_id = images.id "
        "UNION ALL SELECT NULL, split, excluded, missing, error FROM images WHERE annotated = 0";
    auto statement = m_impl->db.prepare(
        std::string(R"sql(
SELECT class_id, count(*),
       sum(CASE WHEN usable AND split = 'train' THEN 1 ELSE 0 END),
       sum(CASE WHEN usable AND split = 'val' THEN 1 ELSE 0 END),
       sum(CASE WHEN usable AND split = 'test' THEN 1 ELSE 0 END),
       sum(CASE WHEN usable AND split IS NULL THEN 1 ELSE 0 END),
       sum(excluded), sum(missing),
       sum(CASE WHEN error IS NOT NULL AND excluded = 0 THEN 1 ELSE 0 END)
FROM (SELECT class_id, split, excluded, missing, error,
             (excluded = 0 AND missing = 0 AND error IS NULL) AS usable
      FROM ()sql") +
        (m_impl->task == ProjectTask::Detection ? kDetectionRows : kClassificationRows) +
        "))\nGROUP BY class_id");
    std::unordered_map<ClassId, ClassCounts> byClass;
    ClassCounts unlabeled;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot count the images: " + row.error().message};
        if (!row.value()) break;
        ClassCounts counts;
        counts.classId = statement.columnOptionalInt64(0);
        counts.total = statement.columnInt64(1);
        counts.train = statement.columnInt64(2);
        counts.val = statement.columnInt64(3);
        counts.test = statement.columnInt64(4);
        counts.unassigned = statement.columnInt64(5);
        counts.excluded = statement.columnInt64(6);
        counts.missing = statement.columnInt64(7);
        counts.failed = statement.columnInt64(8);
        if (counts.classId) {
            byClass[*counts.classId] = counts;
        } else {
            unlabeled = counts;
        }
    }
    std::vector<ClassCounts> result;
    for (const auto& info : classList.value()) {
        auto found = byClass.find(info.id);
        ClassCounts counts = found != byClass.end() ? found->second : ClassCounts{};
        counts.classId = info.id;
        result.push_back(counts);
    }
    result.push_back(unlabeled);
    return result;
}

Result<void> ProjectStore::setLabel(const std::vector<ImageId>& ids,
                                    std::optional<ClassId> classId) {
    return m_impl->write("Cannot set the label", [&]() -> Result<void> {
        if (classId && m_impl->task == ProjectTask::Detection) {
            return Error{"a detection project labels images with boxes, not with one class"};
        }
        if (classId) {
            if (auto required = requireClass(m_impl->db, *classId); !required) return required;
        }
        auto update = m_impl->db.prepare("UPDATE images SET class_id = ?1 WHERE id = ?2");
        update.bind(1, std::optional<std::int64_t>(classId));
        return updateEach(m_impl->db, update, 2, ids);
    });
}

Result<void> ProjectStore::setSplit(const std::vector<ImageId>& ids, std::optional<Split> split) {
    return m_impl->write("Cannot set the split", [&]() -> Result<void> {
        auto update = m_impl->db.prepare("UPDATE images SET split = ?1 WHERE id = ?2");
        update.bind(1, splitColumn(split));
        return updateEach(m_impl->db, update, 2, ids);
    });
}

Result<void> ProjectStore::setSplits(const std::vector<std::pair<ImageId, Split>>& assignments) {
    return m_impl->write("Cannot set the splits", [&]() -> Result<void> {
        auto update = m_impl->db.prepare("UPDATE images SET split = ?1 WHERE id = ?2");
        for (const auto& [id, split] : assignments) {
            update.bind(1, std::string_view(splitName(split)));
            if (auto done = updateEach(m_impl->db, update, 2, {id}); !done) return done;
        }
        return {};
    });
}

Result<void> ProjectStore::setExcluded(const std::vector<ImageId>& ids, bool excluded) {
    return m_impl->write(
        excluded ? "Cannot exclude the images" : "Cannot include the images",
        [&]() -> Result<void> {
            auto update = m_impl->db.prepare("UPDATE images SET excluded = ?1 WHERE id = ?2");
            update.bind(1, std::int64_t{excluded ? 1 : 0});
            return updateEach(m_impl->db, update, 2, ids);
        });
}

Result<void> ProjectStore::removeImages(const std::vector<ImageId>& ids) {
    return m_impl->write("Cannot remove the images from the project", [&]() -> Result<void> {
        auto remove = m_impl->db.prepare("DELETE FROM images WHERE id = ?1");
        return updateEach(m_impl->db, remove, 1, ids);
    });
}

Result<void> ProjectStore::recordImageError(ImageId id, const std::string& message) {
    return m_impl->write("Cannot record the image error", [&]() -> Result<void> {
        auto update = m_impl->db.prepare("UPDATE images SET error = ?1 WHERE id = ?2");
        update.bind(1, std::string_view(message));
        return updateEach(m_impl->db, update, 2, {id});
    });
}

Result<void> ProjectStore::clearImageError(ImageId id) {
    return m_impl->write("Cannot clear the image error", [&]() -> Result<void> {
        auto update = m_impl->db.prepare("UPDATE images SET error = NULL WHERE id = ?1");
        return updateEach(m_impl->db, update, 1, {id});
    });
}

// --- Settings ---

Result<std::optional<std::string>> ProjectStore::setting(const std::string& key) const {
    auto statement = m_impl->db.prepare("SELECT value FROM settings WHERE key = ?");
    statement.bind(1, key);
    auto row = statement.step();
    if (!row) return Error{"Cannot read setting \"" + key + "\": " + row.error().message};
    if (!row.value()) return std::optional<std::string>();
    return std::optional<std::string>(statement.columnText(0));
}

Result<void> ProjectStore::setSetting(const std::string& key, const std::string& value) {
    return m_impl->write("Cannot save setting \"" + key + "\"", [&]() -> Result<void> {
        auto upsert = m_impl->db.prepare(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        upsert.bind(1, key).bind(2, value);
        return upsert.run();
    });
}

Result<void> ProjectStore::removeSetting(const std::string& key) {
    return m_impl->write("Cannot remove setting \"" + key + "\"", [&]() -> Result<void> {
        auto remove = m_impl->db.prepare("DELETE FROM settings WHERE key = ?");
        remove.bind(1, key);
        return remove.run();
    });
}

}  // namespace fovea::core
