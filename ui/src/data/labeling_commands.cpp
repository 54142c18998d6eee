#include "data/labeling_commands.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "project/project_session.h"

namespace fovea::ui {

namespace {

// Above this many images one query for all of them beats a query per image.
constexpr std::size_t kPerImageQueryLimit = 200;

QList<qint64> toQList(const std::vector<core::ImageId>& ids) {
    return QList<qint64>(ids.begin(), ids.end());
}

std::vector<core::ImageId> imagesOf(
    const std::vector<std::pair<core::ImageId, core::ClassId>>& labels) {
    std::vector<core::ImageId> ids;
    ids.reserve(labels.size());
    for (const auto& label : labels) ids.push_back(label.first);
    return ids;
}

core::ImageRecord unknownImage(core::ImageId id) {
    core::ImageRecord record;
    record.id = id;
    return record;
}

// The stored records of `ids`, in the same order (an unknown id gets an empty record: the store
// call that follows refuses unknown ids as a whole anyway).
std::vector<core::ImageRecord> recordsOf(const core::ProjectStore& store,
                                         const std::vector<core::ImageId>& ids) {
    std::vector<core::ImageRecord> records;
    records.reserve(ids.size());
    if (ids.size() <= kPerImageQueryLimit) {
        for (core::ImageId id : ids) {
            auto record = store.image(id);
            records.push_back(record ? record.value() : unknownImage(id));
        }
        return records;
    }
    auto all = store.images();
    std::unordered_map<core::ImageId, const core::ImageRecord*> byId;
    if (all) {
        for (const auto& record : all.value()) byId[record.id] = &record;
    }
    for (core::ImageId id : ids) {
        auto it = byId.find(id);
        records.push_back(it != byId.end() ? *it->second : unknownImage(id));
    }
    return records;
}

std::optional<core::ClassInfo> classInfo(const core::ProjectStore& store, core::ClassId id) {
    auto classes = store.classes();
    if (!classes) return std::nullopt;
    for (const auto& info : classes.value()) {
        if (info.id == id) return info;
    }
    return std::nullopt;
}

QString quotedName(const std::string& name) { return "\"" + QString::fromStdString(name) + "\""; }

}  // namespace

// --- SetLabelCommand ---

SetLabelCommand::SetLabelCommand(ProjectSession& session, std::vector<core::ImageId> ids,
                                 std::optional<core::ClassId> classId, const QString& text)
    : QUndoCommand(text), m_session(session), m_ids(std::move(ids)), m_classId(classId) {
    for (const auto& record : recordsOf(session.store(), m_ids)) {
        m_previous.push_back(record.classId);
    }
}

void SetLabelCommand::redo() {
    std::optional<core::ClassId> target;
    if (m_classId) target = m_session.currentClassId(*m_classId);
    if (!m_session.check(m_session.store().setLabel(m_ids, target))) {
        setObsolete(true);
        return;
    }
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
}

void SetLabelCommand::undo() {
    // One store call per previous label; usually one or two.
    std::map<std::optional<core::ClassId>, std::vector<core::ImageId>> byLabel;
    for (std::size_t i = 0; i < m_ids.size(); ++i) {
        std::optional<core::ClassId> label = m_previous[i];
        if (label) label = m_session.currentClassId(*label);
        byLabel[label].push_back(m_ids[i]);
    }
    for (const auto& [label, ids] : byLabel) {
        if (!m_session.check(m_session.store().setLabel(ids, label))) break;
    }
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
    Q_EMIT m_session.labelingUndone(toQList(m_ids));
}

// --- AcceptSuggestionsCommand ---

AcceptSuggestionsCommand::AcceptSuggestionsCommand(ProjectSession& session,
                                                   std::vector<core::ImageId> ids)
    : m_session(session), m_ids(std::move(ids)) {
    setText("Accept suggestions");
}

void AcceptSuggestionsCommand::redo() {
    if (!m_done) {
        m_done = true;
        auto accepted = m_session.store().acceptSuggestions(m_ids);
        if (!m_session.check(accepted) || accepted.value().empty()) {
            setObsolete(true);
            return;
        }
        m_accepted = std::move(accepted).value();
        const auto count = static_cast<qsizetype>(m_accepted.size());
        setText(count == 1 ? QString("Accept the suggestion for 1 image")
                           : QString("Accept the suggestions for %1 images").arg(count));
    } else {
        // The same labels again (not the store's suggestions of now: a newer model may have
        // changed them since), one store call per class.
        std::map<core::ClassId, std::vector<core::ImageId>> byClass;
        for (const auto& [image, classId] : m_accepted) {
            byClass[m_session.currentClassId(classId)].push_back(image);
        }
        for (const auto& [classId, ids] : byClass) {
            if (!m_session.check(m_session.store().setLabel(ids, classId))) break;
        }
    }
    Q_EMIT m_session.labelsChanged(toQList(imagesOf(m_accepted)));
}

void AcceptSuggestionsCommand::undo() {
    const std::vector<core::ImageId> ids = imagesOf(m_accepted);
    m_session.check(m_session.store().setLabel(ids, std::nullopt));
    Q_EMIT m_session.labelsChanged(toQList(ids));
    Q_EMIT m_session.labelingUndone(toQList(ids));
}

// --- SetSplitCommand ---

SetSplitCommand::SetSplitCommand(ProjectSession& session, std::vector<core::ImageId> ids,
                                 std::optional<core::Split> split, const QString& text)
    : QUndoCommand(text), m_session(session), m_ids(std::move(ids)), m_split(split) {
    for (const auto& record : recordsOf(session.store(), m_ids)) {
        m_previous.push_back(record.split);
    }
}

void SetSplitCommand::redo() {
    if (!m_session.check(m_session.store().setSplit(m_ids, m_split))) {
        setObsolete(true);
        return;
    }
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
}

void SetSplitCommand::undo() {
    std::map<std::optional<core::Split>, std::vector<core::ImageId>> bySplit;
    for (std::size_t i = 0; i < m_ids.size(); ++i) bySplit[m_previous[i]].push_back(m_ids[i]);
    for (const auto& [split, ids] : bySplit) {
        if (!m_session.check(m_session.store().setSplit(ids, split))) break;
    }
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
}

// --- SetExcludedCommand ---

SetExcludedCommand::SetExcludedCommand(ProjectSession& session, std::vector<core::ImageId> ids,
                                       bool excluded, const QString& text)
    : QUndoCommand(text), m_session(session), m_ids(std::move(ids)), m_excluded(excluded) {
    for (const auto& record : recordsOf(session.store(), m_ids)) {
        m_previous.push_back(record.excluded);
    }
}

void SetExcludedCommand::redo() {
    if (!m_session.check(m_session.store().setExcluded(m_ids, m_excluded))) {
        setObsolete(true);
        return;
    }
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
}

void SetExcludedCommand::undo() {
    std::vector<core::ImageId> excluded;
    std::vector<core::ImageId> included;
    for (std::size_t i = 0; i < m_ids.size(); ++i) {
        (m_previous[i] ? excluded : included).push_back(m_ids[i]);
    }
    if (!excluded.empty()) m_session.check(m_session.store().setExcluded(excluded, true));
    if (!included.empty()) m_session.check(m_session.store().setExcluded(included, false));
    Q_EMIT m_session.labelsChanged(toQList(m_ids));
}

// --- AddClassCommand ---

AddClassCommand::AddClassCommand(ProjectSession& session, const QString& name)
    : QUndoCommand("Add class \"" + name.trimmed() + "\""),
      m_session(session),
      m_name(name.toStdString()) {}

void AddClassCommand::redo() {
    auto id = m_session.store().addClass(m_name);
    if (!m_session.check(id)) {
        setObsolete(true);
        return;
    }
    if (!m_classId) {
        m_classId = id.value();
    } else if (m_session.currentClassId(*m_classId) != id.value()) {
        m_session.recordRecreatedClass(m_session.currentClassId(*m_classId), id.value());
    }
    Q_EMIT m_session.classesChanged();
}

void AddClassCommand::undo() {
    if (!m_classId) return;
    m_session.check(m_session.store().deleteClass(m_session.currentClassId(*m_classId)));
    Q_EMIT m_session.classesChanged();
}

// --- RenameClassCommand ---

RenameClassCommand::RenameClassCommand(ProjectSession& session, core::ClassId id,
                                       const QString& newName)
    : m_session(session), m_id(id), m_newName(newName.trimmed().toStdString()) {
    if (auto info = classInfo(session.store(), id)) m_oldName = info->name;
    setText("Rename class " + quotedName(m_oldName) + " to " + quotedName(m_newName));
}

void RenameClassCommand::redo() {
    if (!m_session.check(
            m_session.store().renameClass(m_session.currentClassId(m_id), m_newName))) {
        setObsolete(true);
        return;
    }
    Q_EMIT m_session.classesChanged();
}

void RenameClassCommand::undo() {
    m_session.check(m_session.store().renameClass(m_session.currentClassId(m_id), m_oldName));
    Q_EMIT m_session.classesChanged();
}

// --- RemoveClassCommand ---

RemoveClassCommand::RemoveClassCommand(ProjectSession& session, core::ClassId id,
                                       std::optional<core::ClassId> into)
    : m_session(session), m_id(id), m_into(into) {
    if (auto classes = session.store().classes()) {
        for (std::size_t i = 0; i < classes.value().size(); ++i) {
            if (classes.value()[i].id != id) continue;
            m_info = classes.value()[i];
            m_displayIndex = i;
        }
    }
    if (session.store().projectTask() == core::ProjectTask::Detection) {
        std::set<core::ImageId> holding;
        if (auto boxes = session.store().boxesOfClass(id)) {
            for (const auto& [image, box] : boxes.value()) holding.insert(image);
        }
        for (const core::ImageId image : holding) {
            if (auto annotation = session.store().annotation(image)) {
                m_annotations.emplace_back(image, annotation.value());
            }
        }
    } else {
        core::ImageFilter filter;
        filter.classId = id;
        if (auto images = session.store().images(filter)) {
            for (const auto& record : images.value()) m_images.push_back(record.id);
        }
    }
    if (into) {
        const auto target = classInfo(session.store(), *into);
        setText("Merge class " + quotedName(m_info.name) + " into " +
                quotedName(target ? target->name : std::string("?")));
    } else {
        setText("Delete class " + quotedName(m_info.name));
    }
}

void RemoveClassCommand::redo() {
    const core::ClassId id = m_session.currentClassId(m_id);
    const bool done =
        m_into
            ? m_session.check(m_session.store().mergeClasses(id, m_session.currentClassId(*m_into)))
            : m_session.check(m_session.store().deleteClass(id));
    if (!done) {
        setObsolete(true);
        return;
    }
    Q_EMIT m_session.classesChanged();
    Q_EMIT m_session.labelsChanged(changedImages());
}

QList<qint64> RemoveClassCommand::changedImages() const {
    QList<qint64> images = toQList(m_images);
    for (const auto& [image, annotation] : m_annotations) images.push_back(image);
    return images;
}

void RemoveClassCommand::undo() {
    auto& store = m_session.store();
    auto newId = store.addClass(m_info.name);
    if (!m_session.check(newId)) return;
    m_session.recordRecreatedClass(m_session.currentClassId(m_id), newId.value());
    m_session.check(store.setClassColour(newId.value(), m_info.colour));
    // Back to its place in the display order (keys 1-9 follow that order).
    if (auto classes = store.classes()) {
        std::vector<core::ClassId> order;
        for (const auto& info : classes.value()) {
            if (info.id != newId.value()) order.push_back(info.id);
        }
        const auto index = std::min(order.size(), m_displayIndex);
        order.insert(order.begin() + static_cast<std::ptrdiff_t>(index), newId.value());
        m_session.check(store.reorderClasses(order));
    }
    if (!m_images.empty()) m_session.check(store.setLabel(m_images, newId.value()));
    for (const auto& [image, annotation] : m_annotations) {
        core::ImageAnnotation restored = annotation;
        // The class's boxes take its new id; others follow classes recreated since, if any.
        for (auto& box : restored.boxes) box.classId = m_session.currentClassId(box.classId);
        m_session.check(store.setAnnotation(image, restored));
    }
    Q_EMIT m_session.classesChanged();
    Q_EMIT m_session.labelsChanged(changedImages());
}

}  // namespace fovea::ui
