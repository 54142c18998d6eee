// ProjectStore: what the importers read, and the one transaction that applies an import.

#include <unordered_map>

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

Result<ImportBatchResult> ProjectStore::applyImport(const ImportBatch& batch) {
    sqlite::Database& db = m_impl->db;
    const fs::path& directory = m_impl->directory;
    ImportBatchResult result;

    auto written = m_impl->write("Cannot save the import", [&]() -> Result<void> {
        std::unordered_map<std::string, ClassId> classIds;
        std::unordered_map<ClassId, std::string> classNames;
        auto current = classes();
        if (!current) return current.error();
        for (const auto& info : current.value()) {
            classIds[info.name] = info.id;
            classNames[info.id] = info.name;
        }
        // The class for a label the import gives; nullopt (with a conflict noted) when the
        // name cannot be a class name, so the image comes in unlabeled instead of failing all.
        auto ensureClass = [&](const std::string& raw,
                               const fs::path& path) -> Result<std::optional<ClassId>> {
            auto name = validClassName(raw);
            if (!name) {
                result.conflicts.push_back({path, name.error().message + "; left unlabeled"});
                return std::optional<ClassId>();
            }
            if (auto found = classIds.find(name.value()); found != classIds.end()) {
                return std::optional<ClassId>(found->second);
            }
            auto inserted = insertClass(db, name.value());
            if (!inserted) return inserted.error();
            classIds[name.value()] = inserted.value();
            classNames[inserted.value()] = name.value();
            result.classesCreated.push_back(name.value());
            return std::optional<ClassId>(inserted.value());
        };
        for (const auto& name : batch.classOrder) {
            if (auto ensured = ensureClass(name, {}); !ensured) return ensured.error();
        }

        auto select = db.prepare("SELECT id, class_id, split, missing FROM images WHERE path = ?");
        auto insert = db.prepare(
            "INSERT INTO images (path, class_id, split, width, height, file_size, mtime_ns, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        auto updateHeader = db.prepare(
            "UPDATE images SET width = ?, height = ?, file_size = ?, mtime_ns = ?, error = ?,"
            " missing = 0 WHERE id = ?");
        auto unmiss = db.prepare("UPDATE images SET missing = 0 WHERE id = ? AND missing = 1");
        auto setClass = db.prepare("UPDATE images SET class_id = ? WHERE id = ?");
        auto setSplit = db.prepare("UPDATE images SET split = ? WHERE id = ?");
        auto miss = db.prepare("UPDATE images SET missing = 1 WHERE id = ? AND missing = 0");

        for (const ImportItem& item : batch.items) {
            std::optional<ClassId> classId;
            if (item.className) {
                auto ensured = ensureClass(*item.className, item.path);
                if (!ensured) return ensured.error();
                classId = ensured.value();
            }
            const std::string stored = paths::toStored(item.path, directory);
            select.bind(1, stored);
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) {
                select.reset();
                const ProbedHeader header = item.header.value_or(ProbedHeader{});
                insert.bind(1, stored)
                    .bind(2, std::optional<std::int64_t>(classId))
                    .bind(3, splitColumn(item.split))
                    .bind(4, std::int64_t{header.width})
                    .bind(5, std::int64_t{header.height})
                    .bind(6, static_cast<std::int64_t>(item.fileSize))
                    .bind(7, item.mtimeNs)
                    .bind(8, header.error);
                if (auto done = insert.run(); !done) return done;
                ++result.added;
                continue;
            }
            const ImageId id = select.columnInt64(0);
            const std::optional<ClassId> storedClass = select.columnOptionalInt64(1);
            const std::optional<Split> storedSplit = splitFromColumn(select.columnOptionalText(2));
            const bool wasMissing = select.columnInt64(3) != 0;
            select.reset();

            if (item.header) {
                updateHeader.bind(1, std::int64_t{item.header->width})
                    .bind(2, std::int64_t{item.header->height})
                    .bind(3, static_cast<std::int64_t>(item.fileSize))
                    .bind(4, item.mtimeNs)
                    .bind(5, item.header->error)
                    .bind(6, id);
                if (auto done = updateHeader.run(); !done) return done;
                ++result.updated;
                if (wasMissing) ++result.returned;
            } else if (wasMissing) {
                unmiss.bind(1, id);
                if (auto done = unmiss.run(); !done) return done;
                ++result.returned;
            }

            auto applyClass = [&](std::optional<ClassId> value) -> Result<void> {
                setClass.bind(1, std::optional<std::int64_t>(value)).bind(2, id);
                ++result.labelsApplied;
                return setClass.run();
            };
            auto applySplit = [&](std::optional<Split> value) -> Result<void> {
                setSplit.bind(1, splitColumn(value)).bind(2, id);
                ++result.splitsApplied;
                return setSplit.run();
            };
            auto className = [&](ClassId classIdToName) { return classNames[classIdToName]; };
            switch (batch.existingLabels) {
                case ExistingLabels::Keep:
                    break;
                case ExistingLabels::FillUnlabeled:
                    if (classId && !storedClass) {
                        if (auto done = applyClass(classId); !done) return done;
                    } else if (classId && storedClass != classId) {
                        result.conflicts.push_back(
                            {item.path, "labelled \"" + className(*storedClass) +
                                            "\" in the project and \"" + className(*classId) +
                                            "\" in the import; kept \"" + className(*storedClass) +
                                            "\""});
                    }
                    if (item.splitGiven && item.split && !storedSplit) {
                        if (auto done = applySplit(item.split); !done) return done;
                    } else if (item.splitGiven && item.split && storedSplit != item.split) {
                        result.conflicts.push_back(
                            {item.path, std::string("in split \"") + splitName(*storedSplit) +
                                            "\" in the project and \"" + splitName(*item.split) +
                                            "\" in the import; kept \"" + splitName(*storedSplit) +
                                            "\""});
                    }
                    break;
                case ExistingLabels::Replace:
                    if (classId != storedClass) {
                        if (auto done = applyClass(classId); !done) return done;
                    }
                    if (item.splitGiven && item.split != storedSplit) {
                        if (auto done = applySplit(item.split); !done) return done;
                    }
                    break;
            }
        }

        for (ImageId id : batch.nowMissing) {
            miss.bind(1, id);
            if (auto done = miss.run(); !done) return done;
            result.markedMissing += static_cast<std::size_t>(db.changes());
        }
        for (ImageId id : batch.backOnDisk) {
            unmiss.bind(1, id);
            if (auto done = unmiss.run(); !done) return done;
            result.returned += static_cast<std::size_t>(db.changes());
        }

        if (!batch.importRoot.empty()) {
            auto remember = db.prepare(
                "INSERT INTO import_roots (path, layout) VALUES (?, ?) "
                "ON CONFLICT (path) DO UPDATE SET layout = excluded.layout");
            remember
                .bind(1, paths::toStored(paths::normalisedAbsolute(batch.importRoot), directory))
                .bind(2, std::string_view(folderLayoutName(batch.importRootLayout)));
            if (auto done = remember.run(); !done) return done;
        }
        return {};
    });
    if (!written) return written.error();
    return result;
}

}  // namespace fovea::core
