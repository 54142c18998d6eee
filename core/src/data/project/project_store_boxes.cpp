// ProjectStore: the boxes of detection projects (schema step 3) and the project's task.

#include <cmath>

#include "project_store_impl.h"

namespace fovea::core {
namespace store {

Result<ProjectTask> readTask(sqlite::Database& db) {
    auto task = db.queryText("SELECT task FROM project WHERE id = 1");
    if (!task) return task.error();
    auto parsed = parseProjectTaskName(task.value());
    if (!parsed) return Error{"unknown project task \"" + task.value() + "\""};
    return *parsed;
}

Result<void> requireDetection(ProjectTask task, const std::string& directory) {
    if (task == ProjectTask::Detection) return {};
    return Error{directory +
                 " is a classification project; boxes belong to detection projects (create one "
                 "with the detection task)"};
}

Result<void> checkBox(const ProjectBox& box) {
    const bool finite = std::isfinite(box.x) && std::isfinite(box.y) && std::isfinite(box.w) &&
                        std::isfinite(box.h);
    if (!finite || box.w <= 0 || box.h <= 0) {
        return Error{"box at x=" + std::to_string(box.x) + " y=" + std::to_string(box.y) +
                     " w=" + std::to_string(box.w) + " h=" + std::to_string(box.h) +
                     " needs finite coordinates and a width and height above zero"};
    }
    return {};
}

}  // namespace store

namespace {

const char* const kBoxColumns = "id, class_id, x, y, w, h, crowd, difficult";

ProjectBox readBox(const sqlite::Statement& row, int first) {
    ProjectBox box;
    box.id = row.columnInt64(first);
    box.classId = row.columnInt64(first + 1);
    box.x = static_cast<float>(row.columnDouble(first + 2));
    box.y = static_cast<float>(row.columnDouble(first + 3));
    box.w = static_cast<float>(row.columnDouble(first + 4));
    box.h = static_cast<float>(row.columnDouble(first + 5));
    box.crowd = row.columnInt64(first + 6) != 0;
    box.difficult = row.columnInt64(first + 7) != 0;
    return box;
}

// Binds a box's class, geometry and flags to parameters first..first+6. Floats are stored as
// SQLite REALs (doubles), so they read back bit for bit.
void bindBox(sqlite::Statement& statement, int first, const ProjectBox& box) {
    statement.bind(first, box.classId)
        .bind(first + 1, static_cast<double>(box.x))
        .bind(first + 2, static_cast<double>(box.y))
        .bind(first + 3, static_cast<double>(box.w))
        .bind(first + 4, static_cast<double>(box.h))
        .bind(first + 5, std::int64_t{box.crowd ? 1 : 0})
        .bind(first + 6, std::int64_t{box.difficult ? 1 : 0});
}

Result<bool> imageAnnotated(sqlite::Database& db, ImageId image) {
    auto statement = db.prepare("SELECT annotated FROM images WHERE id = ?");
    statement.bind(1, image);
    auto row = statement.step();
    if (!row) return row.error();
    if (!row.value()) return Error{"image " + std::to_string(image) + " is not in the project"};
    return statement.columnInt64(0) != 0;
}

// Checks every box (and that its class exists) before anything is written.
Result<void> checkBoxes(sqlite::Database& db, const std::vector<ProjectBox>& boxes) {
    for (const ProjectBox& box : boxes) {
        if (auto checked = store::checkBox(box); !checked) return checked;
        if (auto known = store::requireClass(db, box.classId); !known) return known;
    }
    return {};
}

Result<void> markAnnotated(sqlite::Database& db, ImageId image, bool annotated) {
    auto update = db.prepare("UPDATE images SET annotated = ? WHERE id = ?");
    update.bind(1, std::int64_t{annotated ? 1 : 0}).bind(2, image);
    if (auto done = update.run(); !done) return done;
    if (db.changes() == 0)
        return Error{"image " + std::to_string(image) + " is not in the project"};
    return {};
}

}  // namespace

namespace store {

// Shared with applyImport: replaces the image's boxes, inside the caller's transaction.
Result<void> replaceBoxes(sqlite::Database& db, ImageId image, const ImageAnnotation& annotation) {
    if (!annotation.annotated && !annotation.boxes.empty()) {
        return Error{"an image with boxes is annotated; remove its boxes first"};
    }
    if (auto checked = checkBoxes(db, annotation.boxes); !checked) return checked;
    if (auto marked = markAnnotated(db, image, annotation.annotated); !marked) return marked;
    auto clear = db.prepare("DELETE FROM boxes WHERE image_id = ?");
    clear.bind(1, image);
    if (auto done = clear.run(); !done) return done;
    auto insert = db.prepare(
        "INSERT INTO boxes (image_id, class_id, x, y, w, h, crowd, difficult) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert.bind(1, image);
    for (const ProjectBox& box : annotation.boxes) {
        bindBox(insert, 2, box);
        if (auto done = insert.run(); !done) return done;
    }
    return {};
}

}  // namespace store

Result<ImageAnnotation> ProjectStore::annotation(ImageId image) const {
    const std::string what = "Cannot read the boxes of image " + std::to_string(image);
    ImageAnnotation result;
    auto annotated = imageAnnotated(m_impl->db, image);
    if (!annotated) return Error{what + ": " + annotated.error().message};
    result.annotated = annotated.value();
    auto statement = m_impl->db.prepare(std::string("SELECT ") + kBoxColumns +
                                        " FROM boxes WHERE image_id = ? ORDER BY id");
    statement.bind(1, image);
    while (true) {
        auto row = statement.step();
        if (!row) return Error{what + ": " + row.error().message};
        if (!row.value()) break;
        result.boxes.push_back(readBox(statement, 0));
    }
    return result;
}

Result<std::vector<ProjectBox>> ProjectStore::boxes(ImageId image) const {
    auto read = annotation(image);
    if (!read) return read.error();
    return std::move(read.value().boxes);
}

Result<void> ProjectStore::setAnnotation(ImageId image, const ImageAnnotation& annotation) {
    return m_impl->write("Cannot save the boxes", [&]() -> Result<void> {
        if (auto task = store::requireDetection(m_impl->task, m_impl->directory.string()); !task) {
            return task;
        }
        return store::replaceBoxes(m_impl->db, image, annotation);
    });
}

Result<void> ProjectStore::setBoxes(ImageId image, const std::vector<ProjectBox>& boxes) {
    return setAnnotation(image, ImageAnnotation{true, boxes});
}

Result<void> ProjectStore::setAnnotated(const std::vector<ImageId>& ids, bool annotated) {
    return m_impl->write("Cannot mark the images", [&]() -> Result<void> {
        if (auto task = store::requireDetection(m_impl->task, m_impl->directory.string()); !task) {
            return task;
        }
        auto hasBoxes = m_impl->db.prepare("SELECT 1 FROM boxes WHERE image_id = ? LIMIT 1");
        for (ImageId id : ids) {
            if (!annotated) {
                hasBoxes.reset();
                hasBoxes.bind(1, id);
                auto found = hasBoxes.step();
                if (!found) return found.error();
                if (found.value()) {
                    return Error{"image " + std::to_string(id) +
                                 " has boxes, so it is annotated; remove its boxes first"};
                }
            }
            if (auto marked = markAnnotated(m_impl->db, id, annotated); !marked) return marked;
        }
        return {};
    });
}

Result<BoxId> ProjectStore::addBox(ImageId image, const ProjectBox& box) {
    BoxId id = 0;
    auto written = m_impl->write("Cannot add the box", [&]() -> Result<void> {
        sqlite::Database& db = m_impl->db;
        if (auto task = store::requireDetection(m_impl->task, m_impl->directory.string()); !task) {
            return task;
        }
        if (auto checked = checkBoxes(db, {box}); !checked) return checked;
        if (auto marked = markAnnotated(db, image, true); !marked) return marked;
        auto insert = db.prepare(
            "INSERT INTO boxes (image_id, class_id, x, y, w, h, crowd, difficult) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        insert.bind(1, image);
        bindBox(insert, 2, box);
        if (auto done = insert.run(); !done) return done;
        id = db.lastInsertRowId();
        return {};
    });
    if (!written) return written.error();
    return id;
}

Result<void> ProjectStore::updateBox(BoxId id, const ProjectBox& box) {
    return m_impl->write("Cannot change the box", [&]() -> Result<void> {
        if (auto checked = checkBoxes(m_impl->db, {box}); !checked) return checked;
        auto update = m_impl->db.prepare(
            "UPDATE boxes SET class_id = ?1, x = ?2, y = ?3, w = ?4, h = ?5, crowd = ?6, "
            "difficult = ?7 WHERE id = ?8");
        bindBox(update, 1, box);
        update.bind(8, id);
        if (auto done = update.run(); !done) return done;
        if (m_impl->db.changes() == 0)
            return Error{"box " + std::to_string(id) + " does not exist"};
        return {};
    });
}

Result<void> ProjectStore::removeBox(BoxId id) {
    return m_impl->write("Cannot remove the box", [&]() -> Result<void> {
        auto remove = m_impl->db.prepare("DELETE FROM boxes WHERE id = ?");
        remove.bind(1, id);
        if (auto done = remove.run(); !done) return done;
        if (m_impl->db.changes() == 0)
            return Error{"box " + std::to_string(id) + " does not exist"};
        return {};
    });
}

Result<std::vector<std::pair<ImageId, ProjectBox>>> ProjectStore::boxesOfClass(ClassId id) const {
    auto statement = m_impl->db.prepare(std::string("SELECT image_id, ") + kBoxColumns +
                                        " FROM boxes WHERE class_id = ? ORDER BY image_id, id");
    statement.bind(1, id);
    std::vector<std::pair<ImageId, ProjectBox>> result;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the boxes of the class: " + row.error().message};
        if (!row.value()) break;
        result.emplace_back(statement.columnInt64(0), readBox(statement, 1));
    }
    return result;
}

Result<std::vector<ClassBoxCounts>> ProjectStore::classBoxCounts() const {
    auto classList = classes();
    if (!classList) return classList.error();
    auto statement = m_impl->db.prepare(
        "SELECT class_id, count(*), count(DISTINCT image_id) FROM boxes GROUP BY class_id");
    std::vector<ClassBoxCounts> counted;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot count the boxes: " + row.error().message};
        if (!row.value()) break;
        counted.push_back(
            {statement.columnInt64(0), statement.columnInt64(1), statement.columnInt64(2)});
    }
    std::vector<ClassBoxCounts> result;
    for (const ClassInfo& info : classList.value()) {
        ClassBoxCounts counts{info.id, 0, 0};
        for (const ClassBoxCounts& c : counted) {
            if (c.classId == info.id) counts = c;
        }
        result.push_back(counts);
    }
    return result;
}

Result<std::vector<std::pair<ImageId, std::int64_t>>> ProjectStore::boxCounts() const {
    auto statement = m_impl->db.prepare(
        "SELECT image_id, count(*) FROM boxes GROUP BY image_id ORDER BY image_id");
    std::vector<std::pair<ImageId, std::int64_t>> result;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot count the boxes: " + row.error().message};
        if (!row.value()) break;
        result.emplace_back(statement.columnInt64(0), statement.columnInt64(1));
    }
    return result;
}

}  // namespace fovea::core
