// ProjectStore: what the importers read, and the one transaction that applies an import.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/core/project/project_store.h"
#include "project_paths.h"
#include "project_store_impl.h"

namespace fovea::core {
namespace fs = std::filesystem;

using store::insertClass;
using store::splitColumn;
using store::splitFromColumn;
using store::validClassName;

// --- Importers ---

Result<std::vector<KnownImage>> ProjectStore::knownImages() const {
    auto statement =
        m_impl->db.prepare("SELECT id, path, file_size, mtime_ns, missing FROM images ORDER BY id");
    std::vector<KnownImage> known;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the images: " + row.error().message};
        if (!row.value()) break;
        known.push_back({statement.columnInt64(0),
                         paths::fromStored(statement.columnText(1), m_impl->directory),
                         static_cast<std::uintmax_t>(statement.columnInt64(2)),
                         statement.columnInt64(3), statement.columnInt64(4) != 0});
    }
    return known;
}

Result<std::vector<ImportRoot>> ProjectStore::importRoots() const {
    auto statement = m_impl->db.prepare("SELECT path, layout FROM import_roots ORDER BY path");
    std::vector<ImportRoot> roots;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the imported folders: " + row.error().message};
        if (!row.value()) break;
        roots.push_back(
            {paths::fromStored(statement.columnText(0), m_impl->directory),
             parseFolderLayoutName(statement.columnText(1)).value_or(FolderLayout::Auto)});
    }
    return roots;
}

namespace {

// What the project holds for an image path the import names.
struct StoredImage {
    ImageId id = 0;
    std::optional<ClassId> classId;
    std::optional<Split> split;
    bool missing = false;
};

// The statements of one import, prepared once: an import runs most of them once per image.
struct ImportStatements {
    explicit ImportStatements(sqlite::Database& db) {
        select = db.prepare("SELECT id, class_id, split, missing FROM images WHERE path = ?");
        insert = db.prepare(
            "INSERT INTO images (path, class_id, split, width, height, file_size, mtime_ns, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        updateHeader = db.prepare(
            "UPDATE images SET width = ?, height = ?, file_size = ?, mtime_ns = ?, error = ?,"
            " missing = 0 WHERE id = ?");
        unmiss = db.prepare("UPDATE images SET missing = 0 WHERE id = ? AND missing = 1");
        setClass = db.prepare("UPDATE images SET class_id = ? WHERE id = ?");
        setSplit = db.prepare("UPDATE images SET split = ? WHERE id = ?");
        miss = db.prepare("UPDATE images SET missing = 1 WHERE id = ? AND missing = 0");
    }

    sqlite::Statement select;
    sqlite::Statement insert;
    sqlite::Statement updateHeader;
    sqlite::Statement unmiss;
    sqlite::Statement setClass;
    sqlite::Statement setSplit;
    sqlite::Statement miss;
};

// Writes one ImportBatch inside the caller's transaction, step by step; counts and conflicts go
// to `result`.
class ImportWriter {
  public:
    ImportWriter(sqlite::Database& db, const fs::path& directory, ProjectTask task,
                 const std::vector<ClassInfo>& classes, ImportBatchResult& result)
        : m_db(db), m_directory(directory), m_task(task), m_result(result), m_statements(db) {
        for (const auto& info : classes) {
            m_classIds[info.name] = info.id;
            m_classNames[info.id] = info.name;
        }
    }

    Result<void> createClasses(const std::vector<std::string>& order) {
        for (const auto& name : order) {
            if (auto ensured = ensureClass(name, {}); !ensured) return ensured.error();
        }
        return {};
    }

    Result<void> writeItem(const ImportItem& item, ExistingLabels existingLabels) {
        std::optional<ClassId> classId;
        // A detection project takes the images of a folder or CSV import but not their labels:
        // its images have boxes, and a folder name says nothing about where the objects are.
        if (item.className && m_task == ProjectTask::Classification) {
            auto ensured = ensureClass(*item.className, item.path);
            if (!ensured) return ensured.error();
            classId = ensured.value();
        }
        const std::string stored = paths::toStored(item.path, m_directory);
        auto found = findStored(stored);
        if (!found) return found.error();
        if (!found.value()) {
            if (auto inserted = insertImage(stored, item, classId); !inserted) return inserted;
            return writeBoxes(m_db.lastInsertRowId(), item);
        }
        const StoredImage& image = *found.value();
        if (auto refreshed = refreshFileFacts(item, image); !refreshed) return refreshed;
        if (auto boxed = writeBoxes(image.id, item); !boxed) return boxed;
        switch (existingLabels) {
            case ExistingLabels::Keep:
                return {};
            case ExistingLabels::FillUnlabeled:
                return fillUnlabeled(item, classId, image);
            case ExistingLabels::Replace:
                return replaceLabels(item, classId, image);
        }
        return {};
    }

    Result<void> flagMissing(const std::vector<ImageId>& ids) {
        for (ImageId id : ids) {
            m_statements.miss.bind(1, id);
            if (auto done = m_statements.miss.run(); !done) return done;
            m_result.markedMissing += static_cast<std::size_t>(m_db.changes());
        }
        return {};
    }

    Result<void> flagBackOnDisk(const std::vector<ImageId>& ids) {
        for (ImageId id : ids) {
            m_statements.unmiss.bind(1, id);
            if (auto done = m_statements.unmiss.run(); !done) return done;
            m_result.returned += static_cast<std::size_t>(m_db.changes());
        }
        return {};
    }

    Result<void> rememberImportRoot(const fs::path& root, FolderLayout layout) {
        if (root.empty()) return {};
        auto remember = m_db.prepare(
            "INSERT INTO import_roots (path, layout) VALUES (?, ?) "
            "ON CONFLICT (path) DO UPDATE SET layout = excluded.layout");
        remember.bind(1, paths::toStored(paths::normalisedAbsolute(root), m_directory))
            .bind(2, std::string_view(folderLayoutName(layout)));
        return remember.run();
    }

  private:
    // The file's boxes replace the image's (detection imports only).
    Result<void> writeBoxes(ImageId id, const ImportItem& item) {
        if (!item.boxes) return {};
        if (m_task != ProjectTask::Detection) {
            return Error{"boxes can only be imported into a detection project"};
        }
        ImageAnnotation annotation{true, {}};
        for (const ImportedBox& imported : *item.boxes) {
            auto classId = ensureClass(imported.className, item.path);
            if (!classId) return classId.error();
            if (!classId.value()) continue;  // an impossible class name: noted as a conflict
            ProjectBox box;
            box.classId = *classId.value();
            box.x = imported.x;
            box.y = imported.y;
            box.w = imported.w;
            box.h = imported.h;
            box.crowd = imported.crowd;
            box.difficult = imported.difficult;
            annotation.boxes.push_back(box);
        }
        if (auto replaced = store::replaceBoxes(m_db, id, annotation); !replaced) {
            return Error{item.path.string() + ": " + replaced.error().message};
        }
        ++m_result.annotationsApplied;
        m_result.boxesWritten += annotation.boxes.size();
        return {};
    }

    // The class for a label the import gives; nullopt (with a conflict noted) when the name
    // cannot be a class name, so the image comes in unlabeled instead of failing all.
    Result<std::optional<ClassId>> ensureClass(const std::string& raw, const fs::path& path) {
        auto name = validClassName(raw);
        if (!name) {
            m_result.conflicts.push_back({path, name.error().message + "; left unlabeled"});
            return std::optional<ClassId>();
        }
        if (auto found = m_classIds.find(name.value()); found != m_classIds.end()) {
            return std::optional<ClassId>(found->second);
        }
        auto inserted = insertClass(m_db, name.value());
        if (!inserted) return inserted.error();
        m_classIds[name.value()] = inserted.value();
        m_classNames[inserted.value()] = name.value();
        m_result.classesCreated.push_back(name.value());
        return std::optional<ClassId>(inserted.value());
    }

    Result<std::optional<StoredImage>> findStored(const std::string& stored) {
        sqlite::Statement& select = m_statements.select;
        select.bind(1, stored);
        auto row = select.step();
        if (!row) return row.error();
        if (!row.value()) {
            select.reset();
            return std::optional<StoredImage>();
        }
        StoredImage image;
        image.id = select.columnInt64(0);
        image.classId = select.columnOptionalInt64(1);
        image.split = splitFromColumn(select.columnOptionalText(2));
        image.missing = select.columnInt64(3) != 0;
        select.reset();
        return std::optional<StoredImage>(image);
    }

    Result<void> insertImage(const std::string& stored, const ImportItem& item,
                             std::optional<ClassId> classId) {
        const ProbedHeader header = item.header.value_or(ProbedHeader{});
        m_statements.insert.bind(1, stored)
            .bind(2, std::optional<std::int64_t>(classId))
            .bind(3, splitColumn(item.split))
            .bind(4, std::int64_t{header.width})
            .bind(5, std::int64_t{header.height})
            .bind(6, static_cast<std::int64_t>(item.fileSize))
            .bind(7, item.mtimeNs)
            .bind(8, header.error);
        if (auto done = m_statements.insert.run(); !done) return done;
        ++m_result.added;
        return {};
    }

    // A known image that was probed again (its file changed) or is back on disk.
    Result<void> refreshFileFacts(const ImportItem& item, const StoredImage& image) {
        if (item.header) {
            m_statements.updateHeader.bind(1, std::int64_t{item.header->width})
                .bind(2, std::int64_t{item.header->height})
                .bind(3, static_cast<std::int64_t>(item.fileSize))
                .bind(4, item.mtimeNs)
                .bind(5, item.header->error)
                .bind(6, image.id);
            if (auto done = m_statements.updateHeader.run(); !done) return done;
            ++m_result.updated;
            if (image.missing) ++m_result.returned;
        } else if (image.missing) {
            m_statements.unmiss.bind(1, image.id);
            if (auto done = m_statements.unmiss.run(); !done) return done;
            ++m_result.returned;
        }
        return {};
    }

    Result<void> fillUnlabeled(const ImportItem& item, std::optional<ClassId> classId,
                               const StoredImage& image) {
        if (classId && !image.classId) {
            if (auto done = applyClass(image.id, classId); !done) return done;
        } else if (classId && image.classId != classId) {
            m_result.conflicts.push_back(
                {item.path, "labelled \"" + className(*image.classId) + "\" in the project and \"" +
                                className(*classId) + "\" in the import; kept \"" +
                                className(*image.classId) + "\""});
        }
        if (item.splitGiven && item.split && !image.split) {
            if (auto done = applySplit(image.id, item.split); !done) return done;
        } else if (item.splitGiven && item.split && image.split != item.split) {
            m_result.conflicts.push_back(
                {item.path, std::string("in split \"") + splitName(*image.split) +
                                "\" in the project and \"" + splitName(*item.split) +
                                "\" in the import; kept \"" + splitName(*image.split) + "\""});
        }
        return {};
    }

    Result<void> replaceLabels(const ImportItem& item, std::optional<ClassId> classId,
                               const StoredImage& image) {
        if (classId != image.classId) {
            if (auto done = applyClass(image.id, classId); !done) return done;
        }
        if (item.splitGiven && item.split != image.split) {
            if (auto done = applySplit(image.id, item.split); !done) return done;
        }
        return {};
    }

    Result<void> applyClass(ImageId id, std::optional<ClassId> value) {
        m_statements.setClass.bind(1, std::optional<std::int64_t>(value)).bind(2, id);
        ++m_result.labelsApplied;
        return m_statements.setClass.run();
    }

    Result<void> applySplit(ImageId id, std::optional<Split> value) {
        m_statements.setSplit.bind(1, splitColumn(value)).bind(2, id);
        ++m_result.splitsApplied;
        return m_statements.setSplit.run();
    }

    std::string className(ClassId id) { return m_classNames[id]; }

    sqlite::Database& m_db;
    const fs::path& m_directory;
    ProjectTask m_task;
    ImportBatchResult& m_result;
    ImportStatements m_statements;
    std::unordered_map<std::string, ClassId> m_classIds;
    std::unordered_map<ClassId, std::string> m_classNames;
};

}  // namespace

Result<ImportBatchResult> ProjectStore::applyImport(const ImportBatch& batch) {
    ImportBatchResult result;
    auto written = m_impl->write("Cannot save the import", [&]() -> Result<void> {
        auto current = classes();
        if (!current) return current.error();
        ImportWriter writer(m_impl->db, m_impl->directory, m_impl->task, current.value(), result);
        if (auto created = writer.createClasses(batch.classOrder); !created) return created;
        for (const ImportItem& item : batch.items) {
            if (auto done = writer.writeItem(item, batch.existingLabels); !done) return done;
        }
        if (auto done = writer.flagMissing(batch.nowMissing); !done) return done;
        if (auto done = writer.flagBackOnDisk(batch.backOnDisk); !done) return done;
        return writer.rememberImportRoot(batch.importRoot, batch.importRootLayout);
    });
    if (!written) return written.error();
    return result;
}

}  // namespace fovea::core
