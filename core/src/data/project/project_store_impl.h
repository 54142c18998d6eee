#pragma once

// What the ProjectStore source files share: the connection behind the public class and the
// helpers more than one of them uses. Private to core/src/data/project.

#include <filesystem>
#include <optional>
#include <string>

#include "fovea/core/project/project_store.h"
#include "sqlite_database.h"

namespace fovea::core {

struct ProjectStore::Impl {
    std::filesystem::path directory;
    sqlite::Database db;
    // Read once at open: no call changes it after creation.
    ProjectTask task = ProjectTask::Classification;

    // Runs `body` in one transaction; the error says what was attempted.
    template <class Body>
    Result<void> write(const std::string& what, Body&& body) {
        auto transaction = sqlite::Transaction::begin(db);
        if (!transaction) return Error{what + ": " + transaction.error().message};
        if (Result<void> done = body(); !done) return Error{what + ": " + done.error().message};
        if (auto committed = transaction.value().commit(); !committed) {
            return Error{what + ": " + committed.error().message};
        }
        return {};
    }
};

namespace store {

// Splits are stored as their folder spelling ("train", "val", "test") or NULL.
std::optional<Split> splitFromColumn(const std::optional<std::string>& text);
std::optional<std::string> splitColumn(std::optional<Split> split);

// The trimmed name, or why it cannot be a class name.
Result<std::string> validClassName(const std::string& raw);
Result<void> requireClass(sqlite::Database& db, ClassId id);
Result<std::optional<ClassId>> classIdByName(sqlite::Database& db, const std::string& name);
// Inserts a class with a valid, unused name at the end of the display order, with the first
// palette colour no class has.
Result<ClassId> insertClass(sqlite::Database& db, const std::string& name);

// The task as stored (schema step 3).
Result<ProjectTask> readTask(sqlite::Database& db);
// Refuses box changes in a classification project.
Result<void> requireDetection(ProjectTask task, const std::string& directory);
// Checks one box before it is written: finite, positive size; the reason otherwise.
Result<void> checkBox(const ProjectBox& box);
// Replaces an image's boxes and annotated flag inside the caller's transaction (checked first).
Result<void> replaceBoxes(sqlite::Database& db, ImageId image, const ImageAnnotation& annotation);

}  // namespace store
}  // namespace fovea::core
