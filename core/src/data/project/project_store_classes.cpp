// ProjectStore: the classes (names, display order, colours, merge and delete).

#include <algorithm>
#include <cctype>
#include <set>

#include "class_palette.h"
#include "fovea/core/project/project_store.h"
#include "project_store_impl.h"

namespace fovea::core {
namespace store {
namespace {

constexpr std::size_t kMaxClassNameBytes = 255;

}  // namespace

Result<std::string> validClassName(const std::string& raw) {
    std::size_t begin = 0;
    std::size_t end = raw.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(raw[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(raw[end - 1]))) --end;
    std::string name = raw.substr(begin, end - begin);
    if (name.empty()) return Error{"A class name cannot be empty"};
    if (name.size() > kMaxClassNameBytes) {
        return Error{"Class name \"" + name.substr(0, 40) + "...\" is longer than " +
                     std::to_string(kMaxClassNameBytes) + " bytes"};
    }
    for (char c : name) {
        if (std::iscntrl(static_cast<unsigned char>(c))) {
            return Error{"Class name \"" + name + "\" contains a control character"};
        }
    }
    return name;
}

namespace {

Result<bool> classExists(sqlite::Database& db, ClassId id) {
    auto statement = db.prepare("SELECT 1 FROM classes WHERE id = ?");
    statement.bind(1, id);
    return statement.step();
}

}  // namespace

Result<void> requireClass(sqlite::Database& db, ClassId id) {
    auto exists = classExists(db, id);
    if (!exists) return exists.error();
    if (!exists.value()) return Error{"class " + std::to_string(id) + " does not exist"};
    return {};
}

Result<std::optional<ClassId>> classIdByName(sqlite::Database& db, const std::string& name) {
    auto statement = db.prepare("SELECT id FROM classes WHERE name = ?");
    statement.bind(1, name);
    auto row = statement.step();
    if (!row) return row.error();
    if (!row.value()) return std::optional<ClassId>();
    return std::optional<ClassId>(statement.columnInt64(0));
}

Result<ClassId> insertClass(sqlite::Database& db, const std::string& name) {
    auto position = db.queryInt("SELECT COALESCE(MAX(position) + 1, 0) FROM classes");
    if (!position) return position.error();
    std::vector<std::string> colours;
    auto read = db.prepare("SELECT colour FROM classes");
    while (true) {
        auto row = read.step();
        if (!row) return row.error();
        if (!row.value()) break;
        colours.push_back(read.columnText(0));
    }
    // Class ids are never given twice, so that an id an undo step holds names one class: a new
    // class takes one more than the highest id ever given (kept in settings), where SQLite's
    // max(rowid) + 1 would hand a deleted class's id out again.
    auto highest = db.queryInt(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM classes), 0), COALESCE((SELECT CAST(value AS "
        "INTEGER) FROM settings WHERE key = 'class_id_high_water'), 0))");
    if (!highest) return highest.error();
    const ClassId id = highest.value() + 1;
    auto insert =
        db.prepare("INSERT INTO classes (id, name, position, colour) VALUES (?, ?, ?, ?)");
    insert.bind(1, id)
        .bind(2, name)
        .bind(3, position.value())
        .bind(4, palette::nextClassColour(colours));
    if (auto inserted = insert.run(); !inserted) return inserted.error();
    auto mark = db.prepare(
        "INSERT INTO settings (key, value) VALUES ('class_id_high_water', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    mark.bind(1, std::to_string(id));
    if (auto marked = mark.run(); !marked) return marked.error();
    return id;
}

}  // namespace store

using store::classIdByName;
using store::insertClass;
using store::requireClass;
using store::validClassName;

// --- Classes ---

Result<std::vector<ClassInfo>> ProjectStore::classes() const {
    auto statement =
        m_impl->db.prepare("SELECT id, name, position, colour FROM classes ORDER BY position, id");
    std::vector<ClassInfo> classes;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the classes: " + row.error().message};
        if (!row.value()) break;
        classes.push_back({statement.columnInt64(0), statement.columnText(1),
                           static_cast<int>(statement.columnInt64(2)), statement.columnText(3)});
    }
    return classes;
}

Result<ClassId> ProjectStore::addClass(const std::string& rawName) {
    auto name = validClassName(rawName);
    if (!name) return name.error();
    ClassId id = 0;
    auto written =
        m_impl->write("Cannot add class \"" + name.value() + "\"", [&]() -> Result<void> {
            auto existing = classIdByName(m_impl->db, name.value());
            if (!existing) return existing.error();
            if (existing.value()) return Error{"a class with this name already exists"};
            auto inserted = insertClass(m_impl->db, name.value());
            if (!inserted) return inserted.error();
            id = inserted.value();
            return {};
        });
    if (!written) return written.error();
    return id;
}

Result<void> ProjectStore::renameClass(ClassId id, const std::string& newName) {
    auto name = validClassName(newName);
    if (!name) return name.error();
    return m_impl->write("Cannot rename class to \"" + name.value() + "\"", [&]() -> Result<void> {
        if (auto required = requireClass(m_impl->db, id); !required) return required;
        auto existing = classIdByName(m_impl->db, name.value());
        if (!existing) return existing.error();
        if (existing.value() && *existing.value() != id) {
            return Error{"another class already has this name"};
        }
        auto update = m_impl->db.prepare("UPDATE classes SET name = ? WHERE id = ?");
        update.bind(1, name.value()).bind(2, id);
        return update.run();
    });
}

Result<void> ProjectStore::setClassColour(ClassId id, const std::string& colour) {
    if (!palette::isColour(colour)) {
        return Error{"Colour \"" + colour + "\" is not of the form #rrggbb"};
    }
    std::string lower = colour;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return m_impl->write("Cannot change the class colour", [&]() -> Result<void> {
        if (auto required = requireClass(m_impl->db, id); !required) return required;
        auto update = m_impl->db.prepare("UPDATE classes SET colour = ? WHERE id = ?");
        update.bind(1, lower).bind(2, id);
        return update.run();
    });
}

Result<void> ProjectStore::reorderClasses(const std::vector<ClassId>& order) {
    return m_impl->write("Cannot reorder the classes", [&]() -> Result<void> {
        auto current = classes();
        if (!current) return current.error();
        std::set<ClassId> wanted(order.begin(), order.end());
        std::set<ClassId> have;
        for (const auto& info : current.value()) have.insert(info.id);
        if (wanted != have || order.size() != have.size()) {
            return Error{"the new order must list every class exactly once"};
        }
        auto update = m_impl->db.prepare("UPDATE classes SET position = ? WHERE id = ?");
        for (std::size_t i = 0; i < order.size(); ++i) {
            update.bind(1, static_cast<std::int64_t>(i)).bind(2, order[i]);
            if (auto done = update.run(); !done) return done;
        }
        return {};
    });
}

Result<void> ProjectStore::mergeClasses(ClassId from, ClassId into) {
    if (from == into) return Error{"Cannot merge a class into itself"};
    return m_impl->write("Cannot merge the classes", [&]() -> Result<void> {
        if (auto required = requireClass(m_impl->db, from); !required) return required;
        if (auto required = requireClass(m_impl->db, into); !required) return required;
        auto relabel = m_impl->db.prepare("UPDATE images SET class_id = ? WHERE class_id = ?");
        relabel.bind(1, into).bind(2, from);
        if (auto done = relabel.run(); !done) return done;
        // The merged class's suggestions now suggest the class it went into.
        auto resuggest =
            m_impl->db.prepare("UPDATE suggestions SET class_id = ? WHERE class_id = ?");
        resuggest.bind(1, into).bind(2, from);
        if (auto done = resuggest.run(); !done) return done;
        auto rebox = m_impl->db.prepare("UPDATE boxes SET class_id = ? WHERE class_id = ?");
        rebox.bind(1, into).bind(2, from);
        if (auto done = rebox.run(); !done) return done;
        auto remove = m_impl->db.prepare("DELETE FROM classes WHERE id = ?");
        remove.bind(1, from);
        return remove.run();
    });
}

Result<void> ProjectStore::deleteClass(ClassId id) {
    return m_impl->write("Cannot delete the class", [&]() -> Result<void> {
        if (auto required = requireClass(m_impl->db, id); !required) return required;
        // Explicit rather than left to ON DELETE SET NULL, which needs foreign_keys on.
        auto unlabel = m_impl->db.prepare("UPDATE images SET class_id = NULL WHERE class_id = ?");
        unlabel.bind(1, id);
        if (auto done = unlabel.run(); !done) return done;
        auto unsuggest = m_impl->db.prepare("DELETE FROM suggestions WHERE class_id = ?");
        unsuggest.bind(1, id);
        if (auto done = unsuggest.run(); !done) return done;
        // Boxes go with their class as labels do (the schema's RESTRICT would refuse it).
        auto unbox = m_impl->db.prepare("DELETE FROM boxes WHERE class_id = ?");
        unbox.bind(1, id);
        if (auto done = unbox.run(); !done) return done;
        auto remove = m_impl->db.prepare("DELETE FROM classes WHERE id = ?");
        remove.bind(1, id);
        return remove.run();
    });
}

}  // namespace fovea::core
