// ProjectStore's suggestions (schema step 2): what a model proposes for unlabeled images, and
// the "Label next" order.
#include <cmath>

#include "project_store_impl.h"

namespace fovea::core {

namespace {

Result<void> checkFigures(const LabelSuggestion& suggestion) {
    const auto within = [](double value, double low, double high) {
        return std::isfinite(value) && value >= low && value <= high;
    };
    if (!within(suggestion.confidence, 0, 1) || !within(suggestion.margin, 0, 1) ||
        !within(suggestion.entropy, 0, 1e6)) {
        return Error{"the suggestion for image " + std::to_string(suggestion.image) +
                     " has figures out of range (confidence " +
                     std::to_string(suggestion.confidence) + ", margin " +
                     std::to_string(suggestion.margin) + ", entropy " +
                     std::to_string(suggestion.entropy) + ")"};
    }
    return {};
}

}  // namespace

Result<void> ProjectStore::replaceSuggestions(const std::vector<LabelSuggestion>& suggestions) {
    return m_impl->write("Cannot store the suggestions", [&]() -> Result<void> {
        sqlite::Database& db = m_impl->db;
        if (auto cleared = db.exec("DELETE FROM suggestions"); !cleared) return cleared;
        auto image = db.prepare("SELECT 1 FROM images WHERE id = ?");
        auto insert = db.prepare(
            "INSERT INTO suggestions (image_id, class_id, confidence, margin, entropy, model, "
            "label_order) VALUES (?, ?, ?, ?, ?, ?, ?)");
        for (const LabelSuggestion& suggestion : suggestions) {
            if (auto checked = checkFigures(suggestion); !checked) return checked;
            image.reset();
            image.bind(1, suggestion.image);
            auto found = image.step();
            if (!found) return found.error();
            if (!found.value()) {
                return Error{"image " + std::to_string(suggestion.image) +
                             " is not in the project"};
            }
            if (auto known = store::requireClass(db, suggestion.classId); !known) return known;
            insert.bind(1, suggestion.image)
                .bind(2, suggestion.classId)
                .bind(3, suggestion.confidence)
                .bind(4, suggestion.margin)
                .bind(5, suggestion.entropy)
                .bind(6, suggestion.model)
                .bind(7, suggestion.labelOrder);
            if (auto done = insert.run(); !done) return done;
        }
        return {};
    });
}

Result<std::vector<LabelSuggestion>> ProjectStore::suggestions() const {
    auto statement = m_impl->db.prepare(
        "SELECT image_id, class_id, confidence, margin, entropy, model, label_order "
        "FROM suggestions ORDER BY image_id");
    std::vector<LabelSuggestion> suggestions;
    while (true) {
        auto row = statement.step();
        if (!row) return Error{"Cannot read the suggestions: " + row.error().message};
        if (!row.value()) break;
        LabelSuggestion suggestion;
        suggestion.image = statement.columnInt64(0);
        suggestion.classId = statement.columnInt64(1);
        suggestion.confidence = statement.columnDouble(2);
        suggestion.margin = statement.columnDouble(3);
        suggestion.entropy = statement.columnDouble(4);
        suggestion.model = statement.columnText(5);
        suggestion.labelOrder = statement.columnOptionalInt64(6);
        suggestions.push_back(std::move(suggestion));
    }
    return suggestions;
}

Result<void> ProjectStore::setLabelOrder(const std::vector<ImageId>& order) {
    return m_impl->write("Cannot store the labeling order", [&]() -> Result<void> {
        sqlite::Database& db = m_impl->db;
        if (auto cleared = db.exec("UPDATE suggestions SET label_order = NULL"); !cleared) {
            return cleared;
        }
        auto place = db.prepare("UPDATE suggestions SET label_order = ? WHERE image_id = ?");
        for (std::size_t position = 0; position < order.size(); ++position) {
            place.bind(1, static_cast<std::int64_t>(position)).bind(2, order[position]);
            if (auto done = place.run(); !done) return done;
            if (db.changes() == 0) {
                return Error{"image " + std::to_string(order[position]) +
                             " has no suggestion to order"};
            }
        }
        return {};
    });
}

Result<std::vector<std::pair<ImageId, ClassId>>> ProjectStore::acceptSuggestions(
    const std::vector<ImageId>& ids) {
    std::vector<std::pair<ImageId, ClassId>> labeled;
    auto written = m_impl->write("Cannot accept the suggestions", [&]() -> Result<void> {
        sqlite::Database& db = m_impl->db;
        auto suggested = db.prepare(
            "SELECT suggestions.class_id FROM images JOIN suggestions "
            "ON suggestions.image_id = images.id WHERE images.id = ? AND images.class_id IS NULL");
        auto label = db.prepare("UPDATE images SET class_id = ? WHERE id = ?");
        for (ImageId id : ids) {
            suggested.reset();
            suggested.bind(1, id);
            auto row = suggested.step();
            if (!row) return row.error();
            if (!row.value()) continue;  // labeled meanwhile, or nothing suggested
            const ClassId classId = suggested.columnInt64(0);
            label.bind(1, classId).bind(2, id);
            if (auto done = label.run(); !done) return done;
            labeled.emplace_back(id, classId);
        }
        return {};
    });
    if (!written) return written.error();
    return labeled;
}

Result<void> ProjectStore::clearSuggestions() {
    return m_impl->write("Cannot clear the suggestions", [&]() -> Result<void> {
        return m_impl->db.exec("DELETE FROM suggestions");
    });
}

}  // namespace fovea::core
